"""Step: the interface of one pre- or postprocessing step, and the field access every step shares.

A step is a vectorised ``Batch -> Batch`` function: it returns a new dict and
never writes into the arrays it was given (outputs may share memory with
inputs they leave unchanged). Errors about the data name the step and the
field, and the row where one row is to blame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np

from inferd.errors import InvalidInputError
from inferd.tensors import Batch

NUMERIC_KINDS = "biuf"
Value = TypeVar("Value")


@runtime_checkable
class Step(Protocol):
    """One step of a pipeline; ``name`` says which (``"step 2 (clip)"``) in errors and traces."""

    name: str

    def __call__(self, batch: Batch) -> Batch: ...


def field_of(batch: Mapping[str, Value], field: str, step: str) -> Value:
    """The array of ``field``, or an error naming the step, the field and what the batch has."""
    try:
        return batch[field]
    except KeyError:
        present = ", ".join(sorted(batch)) or "nothing"
        raise InvalidInputError(f"{step}: field {field!r} is not in the batch (it has {present})") from None


def numeric_field(batch: Batch, field: str, step: str) -> np.ndarray:
    """The array of ``field``, which must hold numbers (booleans count)."""
    values = field_of(batch, field, step)
    if values.dtype.kind not in NUMERIC_KINDS:
        raise InvalidInputError(
            f"{step}: field {field!r} holds {values.dtype} values; this step needs numbers"
        )
    return values


def shown(value: object) -> str:
    """``repr`` of one value as the user wrote it (``'Rome'``, not ``np.str_('Rome')``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def first_row(mask: np.ndarray) -> int:
    """The first row where ``mask`` (rows first, any shape) is true."""
    return int(np.flatnonzero(mask.reshape(len(mask), -1).any(axis=1))[0])


def scores_of(batch: Batch, output: str, column: int | None, step: str) -> np.ndarray:
    """The 1-D numbers of ``output``, or of its ``column`` when it is 2-D (one row of scores per row)."""
    values = numeric_field(batch, output, step)
    if column is None:
        if values.ndim != 1:
            raise InvalidInputError(
                f"{step}: output {output!r} has shape {values.shape}; "
                "give 'column' to pick one of its columns"
            )
        return values
    if values.ndim != 2 or not -values.shape[1] <= column < values.shape[1]:
        raise InvalidInputError(f"{step}: output {output!r} of shape {values.shape} has no column {column}")
    return values[:, column]
