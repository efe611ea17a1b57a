"""Validating a whole Batch against a contract's input fields, and normalising it.

The loop is over fields, never over rows: each column is checked at once by
:func:`~inferd.contract.column.check_column`. Contracts are strict: a field the
contract does not declare is a violation, as are a missing required field and
a field whose row count differs from the others'. A missing field that has a
default is not a violation: :meth:`BatchValidator.check` fills it in.

Fast path: a column already of its field's dtype and shape needs no cast, so
the only questions left are nulls and range. Float columns that only need a
null check are checked together, with one NaN-propagating ``minimum`` over
their concatenation; a column with a range gets one ``minimum`` and one
``maximum``. Only columns that fail these get the full, mask-building check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from inferd.contract.column import CheckedColumn, Finding, check_column, default_column
from inferd.contract.field import Field
from inferd.contract.violation import Violation, Violations, show, violation_error
from inferd.tensors import Batch

# ``check`` stops spelling out violations after this many (it still counts them all).
CHECK_LIMIT = 1000

_Findings = list[tuple[int, str, Finding]]  # (field position, field name, finding)


class BatchValidator:
    """Validates and normalises batches for one tuple of input fields (built once per contract)."""

    def __init__(self, fields: Sequence[Field]) -> None:
        self.fields = tuple(fields)
        self._dtypes = tuple(np.dtype(f.dtype) for f in self.fields)
        self._declared = frozenset(f.name for f in self.fields)

    def validate(self, batch: Mapping[str, Any], limit: int | None = None) -> Violations:
        """Every violation of the fields by ``batch``, up to ``limit`` (all if ``None``), with the total."""
        return _violations(self._inspect(batch)[1], limit)

    def check(self, batch: Mapping[str, Any], limit: int = CHECK_LIMIT) -> Batch:
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
        need_nan_check: list[int] = []
        for i, (field, dtype) in enumerate(zip(self.fields, self._dtypes, strict=True)):
            array = arrays.get(field.name)
            if array is not None and len(array) == rows and _needs_no_cast(field, dtype, array):
                if _has_no_nulls_to_check(field, dtype):
                    values[field.name] = array
                    continue
                if field.min is None and field.max is None:
                    values[field.name] = array
                    need_nan_check.append(i)
                    continue
                if _is_within_range(field, array):
                    values[field.name] = array
                    continue
            column = self._column(field, array, rows, batch)
            _record(values, findings, i, field.name, column)
        for i in self._with_nulls(need_nan_check, values):
            _record(
                values,
                findings,
                i,
                self.fields[i].name,
                check_column(self.fields[i], values[self.fields[i].name]),
            )
        findings += [
            (len(self.fields), name, self._undeclared()) for name in batch if name not in self._declared
        ]
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

    def _with_nulls(self, positions: list[int], values: Batch) -> list[int]:
        """The positions among ``positions`` whose (float) column holds a NaN."""
        columns = [values[self.fields[i].name] for i in positions]
        if not columns or not _any_nan(columns):
            return []
        return [i for i, column in zip(positions, columns, strict=True) if _any_nan([column])]

    def _undeclared(self) -> Finding:
        names = [f.name for f in self.fields]
        listed = ", ".join(repr(n) for n in names[:10]) + (", ..." if len(names) > 10 else "")
        return Finding(f"is not in the contract, which declares {listed or 'no inputs'}")


def _needs_no_cast(field: Field, dtype: np.dtype[Any], array: np.ndarray) -> bool:
    return (
        array.dtype == dtype
        and dtype.kind in "biuf"
        and field.allowed is None
        and array.shape[1:] == field.shape
        and array.size > 0
    )


def _has_no_nulls_to_check(field: Field, dtype: np.dtype[Any]) -> bool:
    """Integers and bools cannot hold a null; a nullable float may."""
    return field.min is None and field.max is None and (dtype.kind != "f" or field.nullable)


def _is_within_range(field: Field, array: np.ndarray) -> bool:
    """Whether every value is within the field's range (a NaN, propagated by ``minimum``, says no)."""
    low = float(np.minimum.reduce(array, axis=None))
    if low != low or (field.min is not None and low < field.min):
        return False
    return field.max is None or float(np.maximum.reduce(array, axis=None)) <= field.max


def _any_nan(columns: list[np.ndarray]) -> bool:
    joined = columns[0] if len(columns) == 1 else np.concatenate([c.ravel() for c in columns])
    low = float(np.minimum.reduce(joined, axis=None))
    return low != low


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
    first = len(next(iter(arrays.values())))
    if all(len(a) == first for a in arrays.values()):
        return first
    return Counter(len(a) for a in arrays.values()).most_common(1)[0][0]


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
