"""Operand: a number (or per-column numbers) from a step's config, ready for numpy in the hot path.

NumPy 2 spends about twice as long on ``array - 1.5`` as on ``array - c`` where
``c`` is a 0-d array of the array's own dtype, because a Python float goes
through weak-scalar promotion on every call. An Operand keeps the value as
float64 and float32 arrays and hands out the one that matches; the result is
the same as with the Python number (a float32 field stays float32).
"""

from __future__ import annotations

from typing import Any

import numpy as np

_FLOAT32 = np.dtype(np.float32)


class Operand:
    """``value`` as a float64 array, and as float32 for float32 operands."""

    def __init__(self, value: float | tuple[float, ...]) -> None:
        self.float64 = np.asarray(value, dtype=np.float64)
        self.float32 = self.float64.astype(np.float32)
        self.shape = self.float64.shape

    def like(self, dtype: np.dtype[Any]) -> np.ndarray:
        """The value to combine with an array of ``dtype`` (float64 for all but float32)."""
        return self.float32 if dtype == _FLOAT32 else self.float64

    def __repr__(self) -> str:
        return f"Operand({self.float64.tolist()!r})"
