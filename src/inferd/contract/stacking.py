"""Stacking named fields, in order, into the 2-D tensors a model was trained on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from inferd.contract.field import Stack
from inferd.errors import InvalidInputError
from inferd.tensors import Batch


def stack_inputs(stacks: Sequence[Stack], batch: Mapping[str, np.ndarray]) -> Batch:
    """Each stack's fields as one ``rows x len(fields)`` array named ``into``; other fields pass through.

    ``batch`` should have passed ``Contract.check``; a field a stack needs and
    the batch lacks raises :class:`~inferd.errors.InvalidInputError`.
    """
    stacked = {name for stack in stacks for name in stack.fields}
    out: Batch = {stack.into: _stack(stack, batch) for stack in stacks}
    out.update((name, array) for name, array in batch.items() if name not in stacked)
    return out


def _stack(stack: Stack, batch: Mapping[str, np.ndarray]) -> np.ndarray:
    missing = [name for name in stack.fields if name not in batch]
    if missing:
        raise InvalidInputError(f"cannot stack {stack.into!r}: the batch has no field {missing[0]!r}")
    try:
        # One C-level copy into fields x rows, then one transposing copy: far faster than column writes.
        by_field = np.array([batch[name] for name in stack.fields], dtype=stack.dtype)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"cannot stack the fields of {stack.into!r} into one {stack.dtype} array: {exc}"
        ) from exc
    return np.ascontiguousarray(by_field.T)
