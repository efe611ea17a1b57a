"""Derive: a new (or replaced) field computed from an expression over the batch's fields.

``{step: derive, name: bmi, expr: "weight / (height / 100) ** 2", dtype: float32}``;
the language is described in :mod:`inferd.serving.steps.expression`.
"""

from __future__ import annotations

import numpy as np

from inferd.serving.steps.column_op import ColumnOp, Computed
from inferd.serving.steps.expression import Expression
from inferd.serving.steps.step_config import StepConfig
from inferd.tensors import Batch, batch_rows


class Derive:
    """Field ``target`` set to ``expression`` evaluated on the whole batch."""

    def __init__(self, name: str, target: str, expression: Expression, dtype: np.dtype | None) -> None:
        self.name = name
        self._target = target
        self.expression = expression
        self.dtype = dtype

    def __call__(self, batch: Batch) -> Batch:
        out = dict(batch)
        out[self._target] = self.values(batch)
        return out

    @property
    def fields(self) -> frozenset[str]:
        """The fields the expression reads."""
        return frozenset(self.expression.fields)

    def values(self, batch: Batch, rows: int | None = None) -> np.ndarray:
        """The new field's values; ``rows`` (counted from ``batch`` if not given) for a constant."""
        result = np.asarray(self.expression(batch))
        if result.ndim == 0:  # an expression of constants only: one value for every row
            result = np.full(batch_rows(batch) if rows is None else rows, result)
        if self.dtype is not None and result.dtype != self.dtype:
            result = result.astype(self.dtype)
        return result

    def column_ops(self) -> tuple[ColumnOp, ...]:
        return (Computed(self._target, self),)


def build_derive(config: StepConfig) -> Derive:
    config.check_keys({"name", "expr", "dtype"})
    target = config.string("name")
    expression = Expression(config.string("expr"), config.label)
    dtype = config.dtype("dtype") if "dtype" in config.params else None
    return Derive(config.label, target, expression, dtype)
