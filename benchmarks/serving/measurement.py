"""Measurement: one row of the results table (a raw timing or one load run against one server)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Measurement:
    """What one run measured; ``None`` where a figure does not apply (no p99 for a raw timing).

    ``key`` names the cell for lookups and the JSON (``inferd-rest-c64``); ``label`` is for people.
    ``requests_per_s`` counts calls (a raw batch-32 call is one request of 32 rows);
    ``rows_per_s`` counts predictions. ``errors`` adds non-2xx answers and socket
    errors. ``server_cpu_percent`` is the server's CPU time over the run's wall
    time (100 = one core): well under the machine's cores means the load
    generator or neighbours held it back.
    """

    key: str
    label: str
    requests_per_s: float
    rows_per_s: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    rss_mb: float | None = None
    server_cpu_percent: float | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def median_of(runs: Sequence[Measurement]) -> Measurement:
    """The median of repeated runs of one cell, figure by figure (errors are summed, RSS is the max)."""
    first = runs[0]
    if len(runs) == 1:
        return first
    return Measurement(
        key=first.key,
        label=first.label,
        requests_per_s=statistics.median(r.requests_per_s for r in runs),
        rows_per_s=statistics.median(r.rows_per_s for r in runs),
        p50_ms=_median_or_none([r.p50_ms for r in runs]),
        p99_ms=_median_or_none([r.p99_ms for r in runs]),
        errors=sum(r.errors for r in runs),
        rss_mb=max((r.rss_mb for r in runs if r.rss_mb is not None), default=None),
        server_cpu_percent=_median_or_none([r.server_cpu_percent for r in runs]),
        notes=tuple(dict.fromkeys(n for r in runs for n in r.notes)),
    )


def _median_or_none(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None
