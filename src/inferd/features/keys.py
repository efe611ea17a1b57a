"""Entity keys in their canonical form: the text both backends store rows under.

A key may arrive as an int (``42``), a float that holds an integer (``42.0``,
as JSON numbers often become), a string or bytes; all of these name the same
row as the string ``"42"``. Booleans, ``NaN`` and ``None`` name no row and are
refused.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from inferd.errors import InvalidInputError


def canonical_keys(keys: np.ndarray) -> list[str]:
    """The canonical text of every key of a 1-D array."""
    array = np.asarray(keys)
    if array.ndim != 1:
        raise InvalidInputError(f"entity keys must be one-dimensional; got shape {array.shape}")
    if array.dtype.kind in "iu":
        return [str(k) for k in array.tolist()]
    if array.dtype.kind == "U":
        return array.tolist()  # type: ignore[no-any-return]
    return [_canonical(k, row) for row, k in enumerate(array.tolist())]


def _canonical(key: Any, row: int) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bytes):
        return key.decode("utf-8", errors="surrogateescape")
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    if isinstance(key, float) and math.isfinite(key) and key.is_integer():
        return str(int(key))
    raise InvalidInputError(f"entity key at row {row} is {key!r}; keys must be integers or strings")
