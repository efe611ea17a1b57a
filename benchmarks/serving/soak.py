"""The memory soak: a steady offered rate for minutes, the server's RSS sampled every 5 s.

wrk2 is not packaged here, and wrk alone offers as much load as its connections
allow, so the soak keeps wrk's 64 connections and paces them with post.lua's
``WRK_RATE`` schedule (see there): a steady rate below the peak, as wrk2's
``-R`` would give, from the same C client, not a Python one that would eat the
server's CPU at these rates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rss_sampler import RssSampler
from targets import HttpTarget
from wrk_load import run_wrk

SAMPLE_INTERVAL_S = 5.0
CONNECTIONS = 64


@dataclass(frozen=True)
class SoakResult:
    server: str
    target_rate_per_s: float
    achieved_rate_per_s: float
    duration_s: float
    errors: int
    p99_ms: float
    first_rss_mb: float
    last_rss_mb: float
    max_rss_mb: float
    samples_mb: tuple[float, ...]

    @property
    def growth_percent(self) -> float:
        return 100 * (self.last_rss_mb - self.first_rss_mb) / self.first_rss_mb

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "growth_percent": self.growth_percent}


def run_soak(target: HttpTarget, body_file: Path, *, rate_per_s: float, duration_s: float) -> SoakResult:
    """Offer ``rate_per_s`` to ``target`` for ``duration_s``; RSS from the first sample to the last."""
    with RssSampler(target.group.rss_bytes, SAMPLE_INTERVAL_S) as rss:
        try:
            result = run_wrk(
                target.infer_url,
                body_file,
                connections=CONNECTIONS,
                duration_s=duration_s,
                rate_per_s=rate_per_s,
            )
        finally:
            target.group.check_running("the soak")
    samples_mb = tuple(b / 2**20 for _, b in rss.samples)
    return SoakResult(
        server=target.label,
        target_rate_per_s=rate_per_s,
        achieved_rate_per_s=result.requests_per_s,
        duration_s=duration_s,
        errors=result.errors,
        p99_ms=result.p99_ms,
        first_rss_mb=samples_mb[0],
        last_rss_mb=samples_mb[-1],
        max_rss_mb=max(samples_mb),
        samples_mb=samples_mb,
    )
