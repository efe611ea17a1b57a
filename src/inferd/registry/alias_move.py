"""AliasMove: one recorded change of an alias (set, moved, rolled back or deleted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AliasMove:
    """``alias`` of model ``name`` went from ``from_version`` to ``to_version`` at ``at``.

    ``from_version`` is ``None`` when the alias was created; ``to_version`` is
    ``None`` when it was deleted. ``is_rollback`` marks moves made by
    ``Registry.rollback``, so that repeated rollbacks walk further back instead of
    undoing each other.
    """

    name: str
    alias: str
    from_version: int | None
    to_version: int | None
    at: datetime
    by: str
    reason: str
    is_rollback: bool = False
