"""A :class:`Violation` of a contract by one field (and row) of a batch, and the error that lists them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inferd.errors import ContractViolationError

# How many violations an error message spells out before it says "and N more".
MESSAGE_LIMIT = 10


@dataclass(frozen=True)
class Violation:
    """One way a batch breaks its contract: the field, the row (``None`` for the whole field) and why."""

    field: str
    row: int | None
    reason: str

    def __str__(self) -> str:
        where = f"field {self.field!r}" if self.row is None else f"field {self.field!r} row {self.row}"
        return f"{where}: {self.reason}"


class Violations(list[Violation]):
    """The violations found in a batch, in field order then row order.

    A list like any other, plus ``total``: how many were found, which is more
    than ``len(self)`` when validation was capped (see ``Contract.validate``).
    """

    def __init__(self, items: Sequence[Violation] = (), total: int | None = None) -> None:
        super().__init__(items)
        self.total = len(items) if total is None else total

    @property
    def is_capped(self) -> bool:
        """Whether more violations were found than this list holds."""
        return self.total > len(self)


def violation_error(violations: Violations) -> ContractViolationError:
    """The error for ``violations``: its message names the first few, ``.violations`` holds them all."""
    shown = "; ".join(str(v) for v in violations[:MESSAGE_LIMIT])
    more = violations.total - min(len(violations), MESSAGE_LIMIT)
    if more:
        shown += f"; and {more} more"
    if violations.total == 1:
        return ContractViolationError(shown, tuple(violations))
    return ContractViolationError(f"{violations.total} contract violations: {shown}", tuple(violations))


def show(value: Any) -> str:
    """A short, readable rendering of one offending value for a message."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
