"""Standardize and Scale: affine maps of numeric fields, with the parameters fitted in training.

``standardize`` computes ``(x - mean) / std`` (scikit-learn's ``StandardScaler``
with its ``mean_`` and ``scale_``); ``scale`` computes ``(x - min) / (max - min)``
(``MinMaxScaler`` with the default range). A parameter is a number, or for a 2-D
field a list with one number per column.
"""

from __future__ import annotations

import numpy as np

from inferd.errors import InvalidInputError
from inferd.serving.steps.column_op import AffineMap, ColumnOp
from inferd.serving.steps.operand import Operand
from inferd.serving.steps.step import numeric_field
from inferd.serving.steps.step_config import StepConfig
from inferd.tensors import Batch


class AffineStep:
    """``(x - offset) / divisor`` on each field, keeping float inputs' dtype."""

    def __init__(self, name: str, plan: tuple[tuple[str, Operand, Operand], ...]) -> None:
        self.name = name
        self._plan = plan

    def __call__(self, batch: Batch) -> Batch:
        out = dict(batch)
        for field, offset, divisor in self._plan:
            values = numeric_field(batch, field, self.name)
            try:
                result = (values - offset.like(values.dtype)) / divisor.like(values.dtype)
            except ValueError as exc:
                raise InvalidInputError(
                    f"{self.name}: field {field!r} of shape {values.shape} does not fit the step's "
                    f"parameters of shape {offset.shape}"
                ) from exc
            if values.dtype.kind == "f" and result.dtype != values.dtype:
                result = result.astype(values.dtype)
            out[field] = result
        return out

    def column_ops(self) -> tuple[ColumnOp, ...]:
        return tuple(AffineMap(field, offset, divisor) for field, offset, divisor in self._plan)


def build_standardize(config: StepConfig) -> AffineStep:
    config.check_keys({"field", "fields", "mean", "std"})
    fields = config.fields()
    means = config.per_field("mean", fields)
    stds = config.per_field("std", fields)
    for std in stds:
        if min(std if isinstance(std, tuple) else (std,)) <= 0:
            raise config.error("std", f"must be positive, got {std!r} (a constant feature is scaled by 1)")
    plan = tuple(
        (field, Operand(mean), Operand(std)) for field, mean, std in zip(fields, means, stds, strict=True)
    )
    return AffineStep(config.label, plan)


def build_scale(config: StepConfig) -> AffineStep:
    config.check_keys({"field", "fields", "min", "max"})
    fields = config.fields()
    lows = config.per_field("min", fields)
    highs = config.per_field("max", fields)
    plan = []
    for field, low, high in zip(fields, lows, highs, strict=True):
        low_array, high_array = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        if low_array.shape != high_array.shape or not np.all(high_array > low_array):
            raise config.error(
                "max", f"must be above 'min' for field {field!r}, got min {low!r} max {high!r}"
            )
        span = high_array - low_array
        plan.append((field, Operand(low), Operand(span.item() if span.ndim == 0 else tuple(span.tolist()))))
    return AffineStep(config.label, tuple(plan))
