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
        by_name = {f.name: f for f in fields}
        # Only fields whose values the stack's dtype may not hold need a look (float64 into float32, ...).
        self._narrowing = [
            (name, stack)
            for stack in stacks
            for name in stack.fields
            if not _always_fits(by_name[name], stack)
        ]

    def findings(self, values: Mapping[str, np.ndarray], skip: set[str]) -> list[tuple[str, Finding]]:
        """Rows of the fields in ``values`` (except ``skip``) whose values their stack cannot hold."""
        todo = [(name, stack) for name, stack in self._narrowing if name in values and name not in skip]
        by_stack: dict[str, list[tuple[str, Stack]]] = {}
        for name, stack in todo:
            by_stack.setdefault(stack.into, []).append((name, stack))
        out: list[tuple[str, Finding]] = []
        for members in by_stack.values():
            # One look at all of a stack's columns together usually clears them all.
            if _surely_fits([values[name] for name, _ in members], members[0][1]):
                continue
            for name, stack in members:
                if not _surely_fits([values[name]], stack):
                    out += [(name, f) for f in _misfits(values[name], stack)]
        return out


def _always_fits(field: Field, stack: Stack) -> bool:
    """Whether every valid value of ``field`` fits the stack's dtype (by dtype, or by the field's range)."""
    source, target = np.dtype(field.dtype), np.dtype(stack.dtype)
    if np.can_cast(source, target, "safe"):
        return True
    if field.min is None or field.max is None or target.kind not in "fiu":
        return False
    info = np.finfo(target) if target.kind == "f" else np.iinfo(target)
    whole = target.kind == "f" or source.kind in "biu"
    return whole and float(info.min) <= field.min and field.max <= float(info.max)


def _surely_fits(columns: list[np.ndarray], stack: Stack) -> bool:
    """A quick look for float stacks: NaN-ignoring extremes within range clear the columns."""
    target = np.dtype(stack.dtype)
    if target.kind != "f" or any(c.dtype.kind not in "biuf" or c.size == 0 for c in columns):
        return False
    joined = columns[0] if len(columns) == 1 else np.concatenate([c.reshape(-1) for c in columns])
    limit = np.float64(np.finfo(target).max)
    low, high = np.fmin.reduce(joined, axis=None), np.fmax.reduce(joined, axis=None)
    return bool(low != low or (low >= -limit and high <= limit))


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
