"""From a client's batch to the model's input tensors, checked against the contract.

Clients send a stacked model input in either of two forms: as its named fields
(``f0`` .. ``f29``, as rows of JSON keys or CSV columns give them) or as the
matrix itself (one ``input`` tensor of shape [rows, 30], as standard Open
Inference Protocol clients send it). Both are checked against the same fields.

The matrix form has a fast path, the serving hot path: when a stack's fields
all share the stack's numeric dtype and have no allowed-values list, a matrix
already of that dtype needs no cast, and one minimum and one maximum over the
whole matrix (column-wise only if those fail) prove that no value is null or
out of range; a small matrix without bounds needs only a finite sum. Anything
the quick look cannot clear is split into its fields (column views) and given
the full check, so every violation is still named by field and row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from inferd.contract.field import Field, Stack
from inferd.errors import InvalidInputError
from inferd.tensors import Batch

_QUICK_SUM_MAX = 64  # values for the quick NaN screen: 0.46 us at 30 (numpy 0.79), 2.6 us at 256 (0.81)


class MatrixScreen:
    """The null and range rules of one stack's fields, applied to the stacked matrix at once."""

    def __init__(self, stack: Stack, fields: Sequence[Field]) -> None:
        self.stack = stack
        self.dtype = np.dtype(stack.dtype)
        self.width = len(fields)
        self.usable = self.dtype.kind in "biuf" and all(
            np.dtype(f.dtype) == self.dtype and f.allowed is None and not f.shape for f in fields
        )
        self._lows = np.array([-math.inf if f.min is None else f.min for f in fields], dtype=np.float64)
        self._highs = np.array([math.inf if f.max is None else f.max for f in fields], dtype=np.float64)
        self._max_low = float(self._lows.max()) if fields else -math.inf
        self._min_high = float(self._highs.min()) if fields else math.inf
        # A null (NaN) may pass unchecked only in a nullable field without bounds.
        self._strict = np.array([not f.nullable or f.min is not None or f.max is not None for f in fields])
        self._open = self.dtype.kind == "f" and self._max_low == -math.inf and self._min_high == math.inf

    def _below_all_highs(self, matrix: np.ndarray) -> bool:
        return self._min_high == math.inf or float(np.maximum.reduce(matrix, axis=None)) <= self._min_high

    def clears(self, matrix: np.ndarray) -> bool:
        """Whether ``matrix`` (already of the stack's dtype and width) surely breaks no rule."""
        if matrix.shape[0] == 0:
            return True
        if self._open and matrix.size <= _QUICK_SUM_MAX and math.isfinite(sum(matrix.ravel().tolist())):
            # Without bounds only a NaN can break a rule, and a finite sum proves there is none.
            # At the few rows of a served request, summing Python floats costs about half a
            # numpy reduction's fixed cost, and unlike numpy it never warns about an overflow
            # or inf - inf. Not finite (a NaN, an infinity or an overflow): the reductions decide.
            return True
        low = float(np.minimum.reduce(matrix, axis=None))
        if low == low and low >= self._max_low and self._below_all_highs(matrix):
            return True
        lows = np.minimum.reduce(matrix, axis=0)
        highs = np.maximum.reduce(matrix, axis=0)
        broken = (lows < self._lows) | (highs > self._highs)
        if self.dtype.kind == "f":
            broken |= (lows != lows) & self._strict
        return not bool(broken.any())


class ModelInputs:
    """Prepares batches for one contract (built once per contract)."""

    def __init__(self, inputs: Sequence[Field], stacks: Sequence[Stack]) -> None:
        by_name = {f.name: f for f in inputs}
        self._screens = {s.into: MatrixScreen(s, [by_name[n] for n in s.fields]) for s in stacks}
        # The fast path needs every model input to arrive as a matrix: no unstacked fields.
        self._all_stacked = len(inputs) == sum(len(s.fields) for s in stacks)

    def fast(self, batch: Mapping[str, Any]) -> Batch | None:
        """The model inputs when every stack arrived as a clean matrix, else ``None``."""
        if not self._all_stacked or batch.keys() != self._screens.keys():
            return None
        for name, screen in self._screens.items():
            matrix = batch[name]
            if not (
                screen.usable
                and isinstance(matrix, np.ndarray)
                and matrix.dtype == screen.dtype
                and matrix.ndim == 2
                and matrix.shape[1] == screen.width
                and screen.clears(matrix)
            ):
                return None
        return {name: np.ascontiguousarray(batch[name]) for name in self._screens}

    def as_fields(self, batch: Mapping[str, Any]) -> dict[str, Any]:
        """``batch`` with every stacked matrix split into its named fields (column views)."""
        if not any(name in self._screens for name in batch):
            return dict(batch)
        fields: dict[str, Any] = {}
        for name, value in batch.items():
            screen = self._screens.get(name)
            if screen is None:
                fields[name] = value
                continue
            matrix = np.asarray(value)
            if matrix.ndim != 2 or matrix.shape[1] != screen.width:
                raise InvalidInputError(
                    f"input {name!r}: expected shape [rows, {screen.width}] (the fields "
                    f"{_names(screen.stack)}), got {list(matrix.shape)}"
                )
            fields.update((field, matrix[:, i]) for i, field in enumerate(screen.stack.fields))
        return fields


def _names(stack: Stack) -> str:
    shown = ", ".join(stack.fields[:3])
    return f"{shown}, ..." if len(stack.fields) > 3 else shown
