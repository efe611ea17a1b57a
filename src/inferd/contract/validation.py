"""Validating a whole Batch against a contract's input fields, and normalising it.

The loop is over fields, never over rows: each column is checked at once by
:func:`~inferd.contract.column.check_column`. Contracts are strict: a field the
contract does not declare is a violation, as are a missing required field and
a field whose row count differs from the others'. A missing field that has a
default is not a violation: :meth:`BatchValidator.check` fills it in.

Fast path: a column already of its field's numeric dtype and shape needs no
cast; :mod:`inferd.contract.screening` clears such columns together for nulls
and range with a few numpy calls per batch. Only the columns it cannot clear
get the full, mask-building check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from inferd.contract.column import CheckedColumn, Finding, check_column, default_column
from inferd.contract.field import Field, Stack
from inferd.contract.screening import Screen
from inferd.contract.stacking import StackFit
from inferd.contract.violation import Violation, Violations, show, violation_error
from inferd.tensors import Batch

# ``check`` stops spelling out violations after this many (it still counts them all).
CHECK_LIMIT = 1000

_Findings = list[tuple[int, str, Finding]]  # (field position, field name, finding)


class BatchValidator:
    """Validates and normalises batches for one tuple of input fields (built once per contract)."""

    def __init__(self, fields: Sequence[Field], stacks: Sequence[Stack] = ()) -> None:
        self.fields = tuple(fields)
        self._positions = {f.name: i for i, f in enumerate(self.fields)}
        self._stack_fit = StackFit(self.fields, stacks)
        self._declared = frozenset(f.name for f in self.fields)
        self._screen = Screen(self.fields)
        # Per field: name, dtype, per-row shape, and whether a column of exactly that dtype and
        # shape may skip the cast (numeric, no allowed list, no -1 wildcard in the shape).
        self._plan = tuple(
            (f.name, np.dtype(f.dtype), f.shape, _may_skip_cast(f), needed)
            for f, needed in zip(self.fields, self._screen.needed, strict=True)
        )

    def validate(self, batch: Mapping[str, Any], limit: int | None = None) -> Violations:
        """Every violation of the fields by ``batch``, up to ``limit`` (all if ``None``), with the total."""
        return _violations(self._inspect(batch)[1], limit)

    def check(self, batch: Mapping[str, Any], limit: int | None = CHECK_LIMIT) -> Batch:
        """``batch`` with defaults filled and every field cast to its dtype, in field order.

        Raises :class:`~inferd.errors.ContractViolationError` listing the violations.
        """
        values, findings = self._inspect(batch)
        if findings:
            raise violation_error(_violations(findings, limit))
        return values

    def _inspect(self, batch: Mapping[str, Any]) -> tuple[Batch, _Findings]:
        arrays, findings = _arrays(batch)
        rows = _row_count(arrays)
        values: Batch = {}
        screened: list[int] = []
        for i, (name, dtype, shape, may_skip_cast, needs_screen) in enumerate(self._plan):
            array = arrays.get(name)
            if may_skip_cast and array is not None and array.dtype == dtype and array.shape == (rows, *shape):
                values[name] = array
                if needs_screen and rows:
                    screened.append(i)
                continue
            _record(values, findings, i, name, self._column(self.fields[i], array, rows, batch))
        for i in self._screen.uncleared(screened, [values[self._plan[i][0]] for i in screened]):
            _record(
                values,
                findings,
                i,
                self.fields[i].name,
                check_column(self.fields[i], arrays[self.fields[i].name]),
            )
        broken = {name for _, name, _ in findings}
        findings += [(self._positions[n], n, f) for n, f in self._stack_fit.findings(values, broken)]
        if len(batch) > len(values) or not self._declared.issuperset(batch):
            findings += [(len(self.fields), n, self._undeclared()) for n in batch if n not in self._declared]
        findings.sort(key=lambda item: item[0])
        return values, findings

    def _column(
        self, field: Field, array: np.ndarray | None, rows: int, batch: Mapping[str, Any]
    ) -> CheckedColumn:
        if array is None:
            # Present but not an array: _arrays has reported it already.
            return default_column(field, rows) if field.name not in batch else CheckedColumn(None)
        if len(array) != rows:
            return CheckedColumn(None, (Finding(f"has {len(array)} rows, but the other fields have {rows}"),))
        return check_column(field, array)

    def _undeclared(self) -> Finding:
        names = [f.name for f in self.fields]
        listed = ", ".join(repr(n) for n in names[:10]) + (", ..." if len(names) > 10 else "")
        return Finding(f"is not in the contract, which declares {listed or 'no inputs'}")


def _may_skip_cast(field: Field) -> bool:
    return np.dtype(field.dtype).kind in "biuf" and field.allowed is None and -1 not in field.shape


def _record(values: Batch, findings: _Findings, position: int, name: str, column: CheckedColumn) -> None:
    findings += [(position, name, f) for f in column.findings]
    if column.values is not None:
        values[name] = column.values
    else:
        values.pop(name, None)


def _arrays(batch: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], _Findings]:
    """The batch's values as arrays with a row axis; anything else is a finding."""
    arrays: dict[str, np.ndarray] = {}
    findings: _Findings = []
    for name, value in batch.items():
        if isinstance(value, np.ndarray) and value.ndim > 0:
            arrays[name] = value
        elif isinstance(value, np.ndarray):
            findings.append((-1, name, Finding("is a single value, not an array with one value per row")))
        else:
            findings.append(
                (-1, name, Finding(f"is a {type(value).__name__} ({show(value)}), not a numpy array"))
            )
    return arrays, findings


def _row_count(arrays: Mapping[str, np.ndarray]) -> int:
    """The row count most arrays agree on (the first one seen on a tie); 0 for an empty batch."""
    if not arrays:
        return 0
    counts = Counter(map(len, arrays.values()))
    if len(counts) == 1:
        return next(iter(counts))
    return counts.most_common(1)[0][0]


def _violations(findings: _Findings, limit: int | None) -> Violations:
    """Violations in field order, rows ascending within a field, the first ``limit`` of them built."""
    total = sum(f.count for _, _, f in findings)
    room = total if limit is None else max(limit, 0)
    items: list[Violation] = []
    for position in dict.fromkeys(p for p, _, _ in findings):
        if len(items) >= room:
            break
        built = [v for p, name, f in findings if p == position for v in f.violations(name, room - len(items))]
        built.sort(key=lambda v: -1 if v.row is None else v.row)
        items += built[: room - len(items)]
    return Violations(items, total)
