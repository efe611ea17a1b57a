"""Checking one field's column against its declaration, all rows at once.

:func:`check_column` casts the column (see :mod:`inferd.contract.casting`),
applies the field's null and default rules, then its range and allowed values,
and returns the normalised column with a :class:`Finding` per reason that some
rows break. Findings hold row indices; they become
:class:`~inferd.contract.violation.Violation` objects only when asked, so a bad
million-row batch costs arrays, not a million Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from inferd.contract.casting import Cast, any_of, cast_column
from inferd.contract.field import Field
from inferd.contract.violation import Violation, show


@dataclass(frozen=True)
class Finding:
    """Rows of one field that break the contract for one reason; ``rows`` is ``None`` for the whole field.

    ``reason`` may hold a ``{value}`` slot, filled with each row's offending value.
    """

    reason: str
    rows: np.ndarray | None = None
    values: np.ndarray | None = None

    @property
    def count(self) -> int:
        return 1 if self.rows is None else len(self.rows)

    def violations(self, field: str, limit: int) -> list[Violation]:
        """The first ``limit`` violations of this finding."""
        if self.rows is None or self.values is None:
            return [Violation(field, None, self.reason)]
        return [
            Violation(field, int(row), self.reason.replace("{value}", show(value)))
            for row, value in zip(self.rows[:limit], self.values[:limit], strict=True)
        ]


@dataclass(frozen=True)
class CheckedColumn:
    """A column cast to its field's dtype with defaults filled (``None`` if unusable), and what is wrong."""

    values: np.ndarray | None
    findings: tuple[Finding, ...] = ()


def check_column(field: Field, array: np.ndarray) -> CheckedColumn:
    """Check ``array`` (one value per row) against ``field``; never raises for bad data."""
    shape_problem = _shape_problem(field, array)
    if shape_problem:
        return CheckedColumn(None, (Finding(shape_problem),))
    cast = cast_column(array, np.dtype(field.dtype))
    if cast.values is None:
        return CheckedColumn(None, (Finding(cast.problem or "cannot be cast"),))
    findings = [finding for f in cast.failures if (finding := row_finding(f.mask, array, f.reason))]
    values, open_nulls, null_findings = _apply_null_rules(field, cast)
    findings += null_findings
    if field.min is not None or field.max is not None or field.allowed is not None:
        skip = any_of([f.mask for f in cast.failures] + ([open_nulls] if open_nulls is not None else []))
        findings += _value_findings(field, values, skip)
    return CheckedColumn(values, tuple(findings))


def default_column(field: Field, rows: int) -> CheckedColumn:
    """The column a missing field gets: its default on every row (or a finding if it has none)."""
    if not field.has_default:
        return CheckedColumn(None, (Finding("is missing, and the contract gives it no default"),))
    default, problem = default_row(field)
    if default is None:
        return CheckedColumn(None, (Finding(problem),))
    return CheckedColumn(np.repeat(default, rows, axis=0))


def default_row(field: Field) -> tuple[np.ndarray | None, str]:
    """The field's default as a one-row column of its dtype, or ``None`` and why it is unusable."""
    try:
        one = np.empty(1, dtype=object)
        one[0] = field.default
        if isinstance(field.default, list | tuple):
            one = np.asarray([field.default], dtype=object)
    except ValueError as exc:
        return None, f"its default {show(field.default)} is not a value of one row: {exc}"
    checked = check_column(replace(field, has_default=False), one)
    if checked.findings or checked.values is None:
        reasons = "; ".join(f.violations(field.name, 1)[0].reason for f in checked.findings)
        return None, f"its default {show(field.default)} breaks the contract: {reasons}"
    return checked.values, ""


def row_finding(mask: np.ndarray, shown: np.ndarray, reason: str) -> Finding | None:
    """The rows where an element ``mask`` is set, each with its first offending element of ``shown``."""
    if not mask.any():
        return None
    if mask.ndim == 1:
        rows = np.flatnonzero(mask)
        return Finding(reason, rows, shown[rows])
    flat = mask.reshape(len(mask), -1)
    rows = np.flatnonzero(flat.any(axis=1))
    first = flat[rows].argmax(axis=1)
    return Finding(reason, rows, shown.reshape(len(shown), -1)[rows, first])


def _shape_problem(field: Field, array: np.ndarray) -> str:
    if array.ndim == 0:
        return "is a single value, not an array with one value per row"
    per_row = array.shape[1:]
    if per_row == field.shape:
        return ""
    if len(per_row) == len(field.shape) and all(
        w in (-1, g) for w, g in zip(field.shape, per_row, strict=True)
    ):
        return ""
    return f"has per-row shape {list(per_row)}, but the contract says {list(field.shape)}"


def _apply_null_rules(field: Field, cast: Cast) -> tuple[np.ndarray, np.ndarray | None, list[Finding]]:
    """Fill nulls with the default, keep them where the field is nullable, or report them.

    Returns the values, the nulls that remain open (kept or reported), and the findings.
    """
    values, nulls = cast.values, cast.nulls
    assert values is not None
    if nulls is None:
        return values, None, []
    if field.has_default:
        default, problem = default_row(field)
        if default is None:
            return values, nulls, [Finding(problem)]
        return _filled(values, nulls, default[0])
    if not field.nullable:
        reason = "is null, but the field is not nullable and has no default"
    elif values.dtype.kind in "fcO":
        return values, nulls, []
    else:
        reason = f"is null, and {values.dtype} has no null value: declare a default, or make the field float"
    finding = row_finding(nulls, np.full(nulls.shape, None, dtype=object), reason)
    return values, nulls, [finding] if finding else []


def _filled(
    values: np.ndarray, nulls: np.ndarray, default: Any
) -> tuple[np.ndarray, np.ndarray | None, list[Finding]]:
    try:
        fill = np.broadcast_to(np.asarray(default, dtype=values.dtype), values.shape)
    except ValueError:
        return values, nulls, [Finding(f"its default {show(default)} does not fit the per-row shape")]
    filled = values.copy()
    filled[nulls] = fill[nulls]
    return filled, None, []


def _value_findings(field: Field, values: np.ndarray, skip: np.ndarray | None) -> list[Finding]:
    def keep(mask: np.ndarray) -> np.ndarray:
        return mask if skip is None else mask & ~skip

    checks: list[tuple[np.ndarray, str]] = []
    if values.dtype.kind in "biuf":
        # Bounds as float64 scalars: a Python float would be cast to the column's dtype (float16 overflows).
        if field.min is not None:
            checks.append(
                (keep(values < np.float64(field.min)), f"{{value}} is below the minimum {field.min}")
            )
        if field.max is not None:
            checks.append(
                (keep(values > np.float64(field.max)), f"{{value}} is above the maximum {field.max}")
            )
    if field.allowed is not None:
        listed = ", ".join(show(a) for a in field.allowed[:10]) + (", ..." if len(field.allowed) > 10 else "")
        checks.append(
            (
                keep(~_is_allowed(values, field.allowed)),
                f"{{value}} is not one of the allowed values {listed}",
            )
        )
    return [f for mask, reason in checks if (f := row_finding(mask, values, reason))]


def _is_allowed(values: np.ndarray, allowed: tuple[Any, ...]) -> np.ndarray:
    if values.dtype.kind in "biuf":
        numbers = [a for a in allowed if isinstance(a, int | float)]
        return np.isin(values, np.asarray(numbers, dtype=np.float64))
    membership = _Membership(allowed)
    try:
        # set.__contains__ runs without a Python frame per element; misses are rechecked below.
        found = np.asarray(np.frompyfunc(membership.hashable.__contains__, 1, 1)(values), dtype=bool)
    except TypeError:  # an unhashable element: check every element the careful way
        return np.asarray(np.frompyfunc(membership, 1, 1)(values), dtype=bool)
    if not found.all():
        found[~found] = np.asarray(np.frompyfunc(membership, 1, 1)(values[~found]), dtype=bool)
    return found


class _Membership:
    """Whether one value is among the allowed ones (bytes compare as UTF-8 text)."""

    def __init__(self, allowed: tuple[Any, ...]) -> None:
        self.hashable = {a for a in allowed if _is_hashable(a)}
        self.others = [a for a in allowed if not _is_hashable(a)]

    def __call__(self, value: Any) -> bool:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if _is_hashable(value) and value in self.hashable:
            return True
        return any(_equal(value, other) for other in self.others)


def _equal(value: Any, other: Any) -> bool:
    try:
        return bool(value == other)
    except (TypeError, ValueError):  # e.g. arrays compared element-wise have no single truth value
        return False


def _is_hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
