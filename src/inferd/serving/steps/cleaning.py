"""FillDefaults, Clip and Cast: the clean-up steps that run before the model.

- ``fill_defaults``: ``values: {field: default}``; NaN (float fields) and
  ``None`` or NaN (object fields) become the default.
- ``clip``: numbers below ``min`` or above ``max`` (either may be left out)
  become the bound; NaN stays NaN.
- ``cast``: the field converted to ``dtype`` (``float32``, ``FP32``, ``int64``...);
  a value that does not convert is an error naming its row.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from inferd.errors import InvalidInputError
from inferd.serving.steps.column_op import Clamp, ColumnOp, DtypeKept, NanFill
from inferd.serving.steps.operand import Operand
from inferd.serving.steps.step import field_of, first_row, numeric_field, shown
from inferd.serving.steps.step_config import Scalar, StepConfig
from inferd.tensors import Batch


class FillDefaults:
    """Missing values (NaN, None) replaced by each field's default."""

    def __init__(self, name: str, defaults: Mapping[str, Scalar]) -> None:
        self.name = name
        self._defaults = tuple(defaults.items())

    def __call__(self, batch: Batch) -> Batch:
        out = dict(batch)
        for field, default in self._defaults:
            values = field_of(batch, field, self.name)
            missing = _missing(values)
            if missing is not None and missing.any():
                out[field] = self._filled(field, values, missing, default)
        return out

    def column_ops(self) -> tuple[ColumnOp, ...]:
        return tuple(NanFill(field, default) for field, default in self._defaults)

    def _filled(self, field: str, values: np.ndarray, missing: np.ndarray, default: Scalar) -> np.ndarray:
        if values.dtype.kind == "O":
            filled = values.copy()
            filled[missing] = default
            return filled
        if isinstance(default, str):
            raise InvalidInputError(
                f"{self.name}: field {field!r} holds numbers; its default {default!r} is not a number"
            )
        return np.where(missing, values.dtype.type(default), values)


_NONE = np.array(None, dtype=object)


def _missing(values: np.ndarray) -> np.ndarray | None:
    """Where ``values`` are missing, or ``None`` when none can be (no NaN in a float array, an int dtype)."""
    if values.dtype.kind == "f":
        is_nan = np.isnan(values)
        return is_nan if np.count_nonzero(is_nan) else None
    if values.dtype.kind == "O":
        missing: np.ndarray = np.equal(values, _NONE) | np.not_equal(values, values)
        return missing
    return None


class Clip:
    """Numbers kept within ``[min, max]``."""

    def __init__(self, name: str, fields: tuple[str, ...], low: float | None, high: float | None) -> None:
        self.name = name
        self._fields = fields
        self._low = None if low is None else Operand(low)
        self._high = None if high is None else Operand(high)

    def __call__(self, batch: Batch) -> Batch:
        out = dict(batch)
        for field in self._fields:
            values = numeric_field(batch, field, self.name)
            dtype = values.dtype
            if self._low is not None:
                values = np.maximum(values, self._low.like(dtype))
            if self._high is not None:
                values = np.minimum(values, self._high.like(dtype))
            out[field] = values.astype(dtype) if dtype.kind == "f" and values.dtype != dtype else values
        return out

    def column_ops(self) -> tuple[ColumnOp, ...]:
        return tuple(Clamp(field, self._low, self._high) for field in self._fields)


class Cast:
    """Fields converted to one dtype."""

    def __init__(self, name: str, fields: tuple[str, ...], dtype: np.dtype) -> None:
        self.name = name
        self._fields = fields
        self._dtype = dtype
        self._is_exact = dtype.kind in "biu"

    def __call__(self, batch: Batch) -> Batch:
        out = dict(batch)
        for field in self._fields:
            out[field] = self._cast(field, field_of(batch, field, self.name))
        return out

    def column_ops(self) -> tuple[ColumnOp, ...]:
        return tuple(DtypeKept(field, self._dtype) for field in self._fields)

    def _cast(self, field: str, values: np.ndarray) -> np.ndarray:
        if values.dtype == self._dtype:
            return values
        if self._is_exact and values.dtype.kind == "f":
            finite = np.isfinite(values)
            if not finite.all():
                row = first_row(~finite)
                raise self._refusal(field, row, values[row], "add a fill_defaults step before it")
        try:
            return values.astype(self._dtype)
        except (TypeError, ValueError, OverflowError):
            row = self._first_failure(values)
            raise self._refusal(field, row, values[row], "fix the value or drop the step") from None

    def _first_failure(self, values: np.ndarray) -> int:
        # The error path alone goes row by row, to say which row is to blame.
        for row, value in enumerate(values):
            try:
                np.asarray(value).astype(self._dtype)
            except (TypeError, ValueError, OverflowError):
                return row
        return 0

    def _refusal(self, field: str, row: int, value: object, advice: str) -> InvalidInputError:
        return InvalidInputError(
            f"{self.name}: field {field!r} row {row}: {shown(value)} "
            f"cannot be cast to {self._dtype}; {advice}"
        )


def build_fill_defaults(config: StepConfig) -> FillDefaults:
    config.check_keys({"values"})
    values = config.mapping("values")
    return FillDefaults(config.label, {field: config.scalar("values", v) for field, v in values.items()})


def build_clip(config: StepConfig) -> Clip:
    config.check_keys({"field", "fields", "min", "max"})
    fields = config.fields()
    low, high = config.optional_number("min"), config.optional_number("max")
    if low is None and high is None:
        raise InvalidInputError(f"{config.label}: give 'min', 'max' or both")
    if low is not None and high is not None and low > high:
        raise config.error("max", f"must not be below 'min' ({high} < {low})")
    return Clip(config.label, fields, low, high)


def build_cast(config: StepConfig) -> Cast:
    config.check_keys({"field", "fields", "dtype"})
    return Cast(config.label, config.fields(), config.dtype("dtype"))
