"""The report: the results table, the ratios the targets are set on, and the JSON file."""

from __future__ import annotations

import json
import operator
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from measurement import Measurement
from soak import SoakResult

RESULTS = Path(__file__).resolve().parent.parent / "results"


@dataclass(frozen=True)
class Ratio:
    """A figure derived from the table, with its target; ``is_met`` is None for figures without one."""

    name: str
    value: float
    unit: str
    target: str
    is_met: bool | None


def ratios(
    cells: Sequence[Measurement], soak: SoakResult | None, configurations: Mapping[str, str]
) -> list[Ratio]:
    """Every ratio whose cells were measured in this run: the targets first, then figures to read.

    ``configurations`` names the inferd configurations to check against every target: key -> label.
    """
    found = []
    for key, name in configurations.items():
        found += _server_targets(cells, key, name)
    if soak is not None:
        found.append(
            _target(f"soak of {soak.server}: RSS growth, first to last", soak.growth_percent, "%", "<", 5)
        )
        found.append(_target(f"soak of {soak.server}: RSS max", soak.max_rss_mb, "MB", "<", 250))
    return found + _figures({m.key: m for m in cells}.get)


def _server_targets(cells: Sequence[Measurement], key: str, name: str) -> list[Ratio]:
    """Issue 3's targets for one inferd configuration (``key``: its cells' key without ``-cN``)."""
    cell = {m.key: m for m in cells}.get
    at_1, at_64, peer_64, raw_1 = (
        cell(f"{key}-c1"),
        cell(f"{key}-c64"),
        cell("mlserver-rest-c64"),
        cell("raw-ort-b1"),
    )
    found = []
    if at_64 and peer_64:
        found.append(_target(f"{name} c=64 / MLServer REST c=64, req/s", _rate(at_64, peer_64), "x", ">=", 2))
        found.append(_target(f"{name} c=64 p99 / MLServer REST c=64 p99", _p99(at_64, peer_64), "x", "<=", 1))
    if at_1 and at_1.p50_ms is not None:
        found.append(_target(f"{name} c=1 p50", at_1.p50_ms, "ms", "<", 1))
    if at_64 and raw_1:
        found.append(
            _target(f"{name} c=64 / raw onnxruntime batch 1", 100 * _rate(at_64, raw_1), "%", ">=", 15)
        )
    rss = [m.rss_mb for m in cells if m.key.startswith(f"{key}-c") and m.rss_mb is not None]
    if rss:
        # Added up over the server's processes: a library page that forked workers share counts once
        # per worker, so this overstates what several workers hold (a sum of PSS would not, but PSS
        # also divides pages with the other servers this benchmark runs at the same time).
        found.append(_target(f"{name} server RSS (max over its runs)", max(rss), "MB", "<", 250))
    return found


def _figures(cell: Callable[[str], Measurement | None]) -> list[Ratio]:
    """Ratios without a target that explain the others."""
    pairs = {
        "adaptive batching gain at c=64 (vs --no-batching)": ("inferd-rest-c64", "inferd-rest-unbatched-c64"),
        "inferd gRPC c=64 / inferd REST c=64": ("inferd-grpc-c64", "inferd-rest-c64"),
        "inferd REST c=64 / bare granian RSGI c=64": ("inferd-rest-c64", "bare-rsgi-c64"),
        "inferd gRPC c=64 / MLServer gRPC c=64": ("inferd-grpc-c64", "mlserver-grpc-c64"),
    }
    found = []
    for name, (a, b) in pairs.items():
        first, second = cell(a), cell(b)
        if first and second:
            found.append(Ratio(name, _rate(first, second), "x", "", None))
    wrapped, raw = cell("raw-runtime-b1"), cell("raw-ort-b1")
    if wrapped and raw:
        cost_us = 1e6 / wrapped.requests_per_s - 1e6 / raw.requests_per_s
        found.append(Ratio("inferd runtime wrapper cost per batch-1 call", cost_us, "us", "", None))
    return found


def print_report(cells: Sequence[Measurement], found: Sequence[Ratio], soak: SoakResult | None) -> None:
    header = (
        f"{'what':46} {'req/s':>9} {'rows/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'RSS MB':>7} "
        f"{'srv CPU%':>8}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for m in cells:
        print(
            f"{m.label:46} {m.requests_per_s:9.0f} {m.rows_per_s:9.0f} {_num(m.p50_ms, 3):>8} "
            f"{_num(m.p99_ms, 2):>8} {m.errors:7d} {_num(m.rss_mb, 0):>7} {_num(m.server_cpu_percent, 0):>8}"
        )
    if soak is not None:
        print(
            f"\nsoak of {soak.server}: {soak.duration_s:.0f} s offered {soak.target_rate_per_s:.0f} req/s, "
            f"got {soak.achieved_rate_per_s:.0f}; RSS first {soak.first_rss_mb:.0f} MB, "
            f"last {soak.last_rss_mb:.0f} MB, "
            f"max {soak.max_rss_mb:.0f} MB ({soak.growth_percent:+.1f}%); p99 {soak.p99_ms:.2f} ms, "
            f"errors {soak.errors}"
        )
    print("\nratios (target; verdict):")
    for r in found:
        verdict = "" if r.is_met is None else ("  ok" if r.is_met else "  MISSED")
        target = f"  (target {r.target} {r.unit})" if r.target else ""
        print(f"  {r.name:48} {r.value:9.2f} {r.unit:3}{target}{verdict}")
    print(
        "\nnotes: wrk (1 thread) and the gRPC client processes share the machine's cores with the servers;"
        "\nthe machine is shared and noisy, so single runs move by 10-40%: compare ratios within one run."
    )


def write_json(
    cells: Sequence[Measurement], found: Sequence[Ratio], soak: SoakResult | None, context: dict[str, Any]
) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"serving-{time.strftime('%Y%m%d-%H%M%S')}.json"
    document = {
        "context": context,
        "measurements": [m.to_dict() for m in cells],
        "ratios": [asdict(r) for r in found],
        "soak": soak.to_dict() if soak else None,
    }
    path.write_text(json.dumps(document, indent=2))
    return path


_COMPARE: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le, "<": operator.lt}


def _target(name: str, value: float, unit: str, compare: str, bound: float) -> Ratio:
    return Ratio(name, value, unit, f"{compare} {bound:g}", _COMPARE[compare](value, bound))


def _rate(a: Measurement, b: Measurement) -> float:
    return a.requests_per_s / b.requests_per_s


def _p99(a: Measurement, b: Measurement) -> float:
    return (a.p99_ms or 0.0) / (b.p99_ms or float("nan"))


def _num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
