"""Drafting a contract from training data, for a person to review.

:func:`draft_contract` reads what a DataFrame shows: each column's dtype,
whether it has nulls, the numeric range seen, and the values of low-cardinality
text, categorical and bool columns. It is a *draft*: the ranges are exactly the
training data's (serving data a little outside them will be refused until you
widen them), nothing is marked ``pii`` (mark what is), no defaults are set and
no stacks declared (add a stack if the model takes a single matrix).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from inferd.contract.field import Field
from inferd.contract.model import Contract
from inferd.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

# Text, categorical and bool columns with at most this many distinct values get ``allowed``.
MAX_ALLOWED_VALUES = 20


def draft_contract(frame: pd.DataFrame, *, outputs: Sequence[str] | None = None) -> Contract:
    """A draft contract for ``frame``'s columns; the ``outputs`` columns (labels) become output fields.

    Raises :class:`~inferd.errors.InvalidInputError` for a column whose dtype a
    contract cannot declare (dates, for instance) or an unknown output column.
    """
    output_names = list(outputs or [])
    unknown = [name for name in output_names if name not in frame.columns]
    if unknown:
        raise InvalidInputError(f"output column {unknown[0]!r} is not in the data")
    inputs = [_input_field(str(name), frame[name]) for name in frame.columns if name not in output_names]
    drafted_outputs = [Field(str(name), _dtype(str(name), frame[name])) for name in output_names]
    return Contract(tuple(inputs), tuple(drafted_outputs))


def _input_field(name: str, column: pd.Series) -> Field:
    dtype = _dtype(name, column)
    present = column.dropna()
    allowed = _allowed(column, present, dtype)
    numeric = dtype != "bool" and dtype != "object" and len(present) > 0 and allowed is None
    return Field(
        name,
        dtype,
        nullable=bool(column.isna().any()),
        min=float(present.min()) if numeric else None,
        max=float(present.max()) if numeric else None,
        allowed=allowed,
    )


def _dtype(name: str, column: pd.Series) -> str:
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return str(np.dtype(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype).name)
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        return "object"
    raise InvalidInputError(
        f"column {name!r} has dtype {column.dtype}, which a contract cannot declare: convert it or drop it"
    )


def _allowed(column: pd.Series, present: pd.Series, dtype: str) -> tuple[Any, ...] | None:
    import pandas as pd

    categorical = isinstance(column.dtype, pd.CategoricalDtype)
    if dtype not in ("object", "bool") and not categorical:
        return None
    values = [_plain(v) for v in present.unique()]
    if len(values) > MAX_ALLOWED_VALUES:
        return None
    return tuple(sorted(values, key=lambda v: (type(v).__name__, str(v))))


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value YAML can write."""
    return value.item() if isinstance(value, np.generic) else value
