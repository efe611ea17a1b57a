"""Validating a whole Batch against a contract's input fields, and normalising it.

The loop is over fields, never over rows: each column is checked at once by
:func:`~inferd.contract.column.check_column`. Contracts are strict: a field the
contract does not declare is a violation, as are a missing required field and
a field whose row count differs from the others'. A missing field that has a
default is not a violation: :func:`check_batch` fills it in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from inferd.contract.column import CheckedColumn, Finding, check_column, default_column
from inferd.contract.field import Field
from inferd.contract.violation import Violation, Violations, show, violation_error
from inferd.tensors import Batch

# ``check`` stops spelling out violations after this many (it still counts them all).
CHECK_LIMIT = 1000


@dataclass(frozen=True)
class _Outcome:
    values: Batch
    findings: list[tuple[str, Finding]]


def validate_batch(
    fields: Sequence[Field], batch: Mapping[str, object], limit: int | None = None
) -> Violations:
    """Every violation of ``fields`` by ``batch``, up to ``limit`` (all if ``None``), with the total."""
    return _violations(_inspect(fields, batch).findings, limit)


def check_batch(fields: Sequence[Field], batch: Mapping[str, object], limit: int = CHECK_LIMIT) -> Batch:
    """``batch`` with defaults filled and every field cast to its dtype, in contract order.

    Raises :class:`~inferd.errors.ContractViolationError` listing the violations.
    """
    outcome = _inspect(fields, batch)
    if outcome.findings:
        raise violation_error(_violations(outcome.findings, limit))
    return outcome.values


def _inspect(fields: Sequence[Field], batch: Mapping[str, object]) -> _Outcome:
    arrays, findings = _arrays(batch)
    rows = _row_count(arrays)
    values: Batch = {}
    for field in fields:
        array = arrays.get(field.name)
        if array is None:
            column = default_column(field, rows) if field.name not in batch else CheckedColumn(None)
        elif len(array) != rows:
            column = CheckedColumn(
                None, (Finding(f"has {len(array)} rows, but the other fields have {rows}"),)
            )
        else:
            column = check_column(field, array)
        findings += [(field.name, f) for f in column.findings]
        if column.values is not None:
            values[field.name] = column.values
    declared = {f.name for f in fields}
    findings += [(name, _undeclared(fields)) for name in batch if name not in declared]
    return _Outcome(values, findings)


def _arrays(batch: Mapping[str, object]) -> tuple[dict[str, np.ndarray], list[tuple[str, Finding]]]:
    """The batch's values as arrays with a row axis; anything else is a finding."""
    arrays: dict[str, np.ndarray] = {}
    findings: list[tuple[str, Finding]] = []
    for name, value in batch.items():
        if isinstance(value, np.ndarray) and value.ndim > 0:
            arrays[name] = value
        elif isinstance(value, np.ndarray):
            findings.append((name, Finding("is a single value, not an array with one value per row")))
        else:
            findings.append(
                (name, Finding(f"is a {type(value).__name__} ({show(value)}), not a numpy array"))
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


def _undeclared(fields: Sequence[Field]) -> Finding:
    names = [f.name for f in fields]
    listed = ", ".join(repr(n) for n in names[:10]) + (", ..." if len(names) > 10 else "")
    return Finding(f"is not in the contract, which declares {listed or 'no inputs'}")


def _violations(findings: list[tuple[str, Finding]], limit: int | None) -> Violations:
    total = sum(f.count for _, f in findings)
    room = total if limit is None else max(limit, 0)
    items: list[Violation] = []
    for name, finding in findings:
        if len(items) >= room:
            break
        items += finding.violations(name, room - len(items))
    return Violations(items, total)
