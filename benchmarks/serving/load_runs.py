"""Load runs: every target at every concurrency, interleaved, each run sampled for server memory.

Targets are driven in turn within each round (inferd, then the peers, at one
concurrency, then the next), so a burst of noise from the shared machine hits
them alike; with ``repeats`` > 1 each cell is the median of its runs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grpc_load import run_grpc_load
from measurement import Measurement, median_of
from process_group import ProcessGroup
from rss_sampler import RssSampler
from targets import GrpcTarget, HttpTarget
from wrk_load import run_wrk

RSS_INTERVAL_S = 0.5
SHARED_CORES_NOTE = "load generator shares the 2 cores"


@dataclass(frozen=True)
class LoadSettings:
    duration_s: float
    warmup_s: float
    repeats: int
    grpc_clients: int


def warm_up(targets: Sequence[HttpTarget], body_file: Path, settings: LoadSettings) -> None:
    for target in targets:
        try:
            run_wrk(target.infer_url, body_file, connections=16, duration_s=settings.warmup_s)
        finally:
            target.group.check_running(f"the warm-up of {target.label}")


def run_http_rounds(
    targets: Sequence[HttpTarget], body_file: Path, settings: LoadSettings
) -> list[Measurement]:
    runs: dict[str, list[Measurement]] = defaultdict(list)
    for round_number in range(settings.repeats):
        for connections in sorted({c for t in targets for c in t.concurrencies}):
            for target in (t for t in targets if connections in t.concurrencies):
                measured = _http_run(target, body_file, connections, settings.duration_s)
                _progress(round_number, settings.repeats, measured)
                runs[measured.key].append(measured)
    return [median_of(runs[f"{t.key}-c{c}"]) for t in targets for c in t.concurrencies]


def run_grpc_rounds(
    targets: Sequence[GrpcTarget], row: np.ndarray, settings: LoadSettings
) -> list[Measurement]:
    runs: dict[str, list[Measurement]] = defaultdict(list)
    for round_number in range(settings.repeats):
        for concurrency in sorted({c for t in targets for c in t.concurrencies}):
            for target in (t for t in targets if concurrency in t.concurrencies):
                measured = _grpc_run(target, row, concurrency, settings)
                _progress(round_number, settings.repeats, measured)
                runs[measured.key].append(measured)
    return [median_of(runs[f"{t.key}-c{c}"]) for t in targets for c in t.concurrencies]


def _http_run(target: HttpTarget, body_file: Path, connections: int, duration_s: float) -> Measurement:
    started = _cpu_clock(target.group)
    label = f"{target.label} c={connections}"
    with RssSampler(target.group.rss_bytes, RSS_INTERVAL_S) as rss:
        try:
            result = run_wrk(target.infer_url, body_file, connections=connections, duration_s=duration_s)
        finally:
            target.group.check_running(label)
    return Measurement(
        key=f"{target.key}-c{connections}",
        label=label,
        requests_per_s=result.requests_per_s,
        rows_per_s=result.requests_per_s,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        errors=result.errors,
        rss_mb=rss.max_mb,
        server_cpu_percent=_cpu_percent(target.group, started),
        notes=(f"wrk -t1 -c{connections}, {SHARED_CORES_NOTE}",),
    )


def _grpc_run(target: GrpcTarget, row: np.ndarray, concurrency: int, settings: LoadSettings) -> Measurement:
    started = _cpu_clock(target.group)
    label = f"{target.label} c={concurrency}"
    with RssSampler(target.group.rss_bytes, RSS_INTERVAL_S) as rss:
        try:
            result = run_grpc_load(
                target.address,
                target.model,
                row,
                concurrency=concurrency,
                duration_s=settings.duration_s,
                clients=settings.grpc_clients,
            )
        finally:
            target.group.check_running(label)
    notes = [f"{min(settings.grpc_clients, concurrency)} grpc.aio client processes, {SHARED_CORES_NOTE}"]
    if result.first_error:
        notes.append(f"first error: {result.first_error}")
    return Measurement(
        key=f"{target.key}-c{concurrency}",
        label=label,
        requests_per_s=result.requests_per_s,
        rows_per_s=result.requests_per_s,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        errors=result.errors,
        rss_mb=rss.max_mb,
        server_cpu_percent=_cpu_percent(target.group, started),
        notes=tuple(notes),
    )


def _cpu_clock(group: ProcessGroup) -> tuple[float, float]:
    return time.monotonic(), group.cpu_seconds()


def _cpu_percent(group: ProcessGroup, started: tuple[float, float]) -> float:
    wall_s, cpu_s = _cpu_clock(group)
    return 100 * (cpu_s - started[1]) / (wall_s - started[0])


def _progress(round_number: int, repeats: int, measured: Measurement) -> None:
    prefix = f"[{round_number + 1}/{repeats}] " if repeats > 1 else ""
    print(
        f"  {prefix}{measured.label:44} {measured.requests_per_s:9.0f} req/s  p50 {measured.p50_ms:6.2f} ms  "
        f"p99 {measured.p99_ms:7.2f} ms  errors {measured.errors}  "
        f"server CPU {measured.server_cpu_percent:.0f}%",
        flush=True,
    )
