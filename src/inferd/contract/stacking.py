"""Stacking named fields, in order, into the 2-D tensors a model was trained on.

A stacked field's values must also fit the stack's dtype (a float64 field
stacked into float32 must stay within float32's range): :class:`StackFit`
finds the rows that would not, so ``Contract.check`` refuses them rather than
letting the stack overflow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from inferd.contract.casting import cast_column
from inferd.contract.column import Finding, row_finding
from inferd.contract.field import Field, Stack
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


class StackFit:
    """Checks that checked columns of stacked fields fit their stack's dtype."""

    def __init__(self, fields: Sequence[Field], stacks: Sequence[Stack]) -> None:
        dtypes = {f.name: np.dtype(f.dtype) for f in fields}
        # Only fields whose dtype the stack's cannot hold safely need a look (float64 into float32, ...).
        self._narrowing = [
            (name, stack)
            for stack in stacks
            for name in stack.fields
            if not np.can_cast(dtypes[name], np.dtype(stack.dtype), "safe")
        ]

    def findings(self, values: Mapping[str, np.ndarray], skip: set[str]) -> list[tuple[str, Finding]]:
        """Rows of the fields in ``values`` (except ``skip``) whose values their stack cannot hold."""
        out: list[tuple[str, Finding]] = []
        for name, stack in self._narrowing:
            if name in values and name not in skip:
                out += [(name, f) for f in _misfits(values[name], stack)]
        return out


def _misfits(column: np.ndarray, stack: Stack) -> list[Finding]:
    target = np.dtype(stack.dtype)
    cast = cast_column(column, target)
    suffix = f" (it is stacked into {stack.into!r}, of dtype {stack.dtype})"
    found = [row_finding(f.mask, column, f.reason + suffix) for f in cast.failures]
    if cast.nulls is not None and target.kind != "f":
        found.append(
            row_finding(cast.nulls, column, "is null, which an integer or bool stack cannot hold" + suffix)
        )
    return [f for f in found if f is not None]
