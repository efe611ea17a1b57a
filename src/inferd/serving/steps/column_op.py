"""ColumnOp: what a built-in step does to one field, told to the planner that fuses steps.

A step that can be fused implements :class:`Fusable`: besides running on a
Batch, it describes itself as column ops (fill the NaNs of a field, clamp it,
map it affinely, compute it from other fields, keep its dtype, or move names
around). :mod:`inferd.serving.steps.input_plan` checks those ops against the
contract's dtypes and compiles them into a few whole-matrix numpy calls. The
ops carry the step's own operands, so both paths compute with the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np

from inferd.serving.steps.operand import Operand
from inferd.serving.steps.step_config import Scalar
from inferd.tensors import Batch

Value = TypeVar("Value")


@dataclass(frozen=True)
class NanFill:
    """Where the float field ``field`` is NaN, ``value`` (``fill_defaults``)."""

    field: str
    value: Scalar


@dataclass(frozen=True)
class Clamp:
    """The float field kept within ``[low, high]``, NaN staying NaN (``clip``)."""

    field: str
    low: Operand | None
    high: Operand | None


@dataclass(frozen=True)
class AffineMap:
    """``(x - offset) / divisor`` on the float field (``standardize``, ``scale``)."""

    field: str
    offset: Operand
    divisor: Operand


class Computation(Protocol):
    """A whole-column computation over ``fields`` (``derive``)."""

    @property
    def fields(self) -> frozenset[str]: ...

    def values(self, batch: Batch, rows: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Computed:
    """Field ``field`` set to ``computation`` evaluated on the batch."""

    field: str
    computation: Computation


@dataclass(frozen=True)
class DtypeKept:
    """The field cast to ``dtype``: nothing to do when it already has that dtype (``cast``)."""

    field: str
    dtype: np.dtype[Any]


class Relabelling(Protocol):
    """Fields renamed, dropped or picked without looking at their values."""

    def relabel(self, fields: Mapping[str, Value]) -> dict[str, Value]: ...


@dataclass(frozen=True)
class Relabel:
    """The names of the fields changed by ``step`` (``rename``, ``drop``, ``select``)."""

    step: Relabelling


ColumnOp = NanFill | Clamp | AffineMap | Computed | DtypeKept | Relabel


@runtime_checkable
class Fusable(Protocol):
    """A step that can tell the planner what it does, as column ops in the order it does them."""

    name: str

    def column_ops(self) -> tuple[ColumnOp, ...]: ...
