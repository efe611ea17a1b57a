"""Per-version inference statistics, in the shape of the Open Inference Protocol statistics extension.

Counters are cumulative (so rates can be taken between two samples, as Triton's
are): ``inference_count`` counts rows, ``execution_count`` model calls, and each
duration stat is ``{count, ns}``. Implements the batcher's observer seam; every
method runs on the event loop thread, so plain integer updates need no lock.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DurationStat:
    count: int = 0
    ns: int = 0

    def add(self, seconds: float, count: int = 1) -> None:
        self.count += count
        self.ns += int(seconds * 1e9)

    def to_dict(self) -> dict[str, int]:
        return {"count": self.count, "ns": self.ns}


@dataclass
class BatchSizeStat:
    compute_input: DurationStat = field(default_factory=DurationStat)
    compute_infer: DurationStat = field(default_factory=DurationStat)
    compute_output: DurationStat = field(default_factory=DurationStat)


@dataclass
class ModelStatistics:
    """Cumulative statistics of one served model version."""

    name: str
    version: int
    inference_count: int = 0
    execution_count: int = 0
    last_inference_ms: int = 0
    success: DurationStat = field(default_factory=DurationStat)
    fail: DurationStat = field(default_factory=DurationStat)
    queue: DurationStat = field(default_factory=DurationStat)
    compute_input: DurationStat = field(default_factory=DurationStat)
    compute_infer: DurationStat = field(default_factory=DurationStat)
    compute_output: DurationStat = field(default_factory=DurationStat)
    rejected: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0  # requests inside the pipeline now (not part of the OIP statistics)
    by_batch_size: dict[int, BatchSizeStat] = field(default_factory=dict)

    # The batcher's observer seam.
    def on_batch(self, rows: int, requests: int, queue_wait_s: float, compute_s: float) -> None:
        self.execution_count += 1
        self.queue.add(queue_wait_s, requests)
        self.compute_infer.add(compute_s, requests)
        stat = self.by_batch_size.get(rows)
        if stat is None:
            stat = self.by_batch_size[rows] = BatchSizeStat()
        stat.compute_infer.add(compute_s)

    def on_rejected(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1

    # What the handle reports around each request.
    def on_request_done(self, rows: int, total_s: float, input_s: float, *, ok: bool) -> None:
        self.last_inference_ms = int(time.time() * 1000)
        if ok:
            self.inference_count += rows
            self.success.add(total_s)
            self.compute_input.add(input_s)
        else:
            self.fail.add(total_s)

    def on_output_encoded(self, seconds: float) -> None:
        self.compute_output.add(seconds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": str(self.version),
            "last_inference": self.last_inference_ms,
            "inference_count": self.inference_count,
            "execution_count": self.execution_count,
            "inference_stats": {
                "success": self.success.to_dict(),
                "fail": self.fail.to_dict(),
                "queue": self.queue.to_dict(),
                "compute_input": self.compute_input.to_dict(),
                "compute_infer": self.compute_infer.to_dict(),
                "compute_output": self.compute_output.to_dict(),
                "cache_hit": DurationStat().to_dict(),
            },
            "batch_stats": [
                {
                    "batch_size": size,
                    "compute_input": stat.compute_input.to_dict(),
                    "compute_infer": stat.compute_infer.to_dict(),
                    "compute_output": stat.compute_output.to_dict(),
                }
                for size, stat in sorted(self.by_batch_size.items())
            ],
        }


def merged_statistics(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reports of :meth:`ModelStatistics.to_dict` from several processes, added up per name and version.

    Counts and durations add; ``last_inference`` is the latest; batch stats add per batch size.
    """
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for report in reports:
        key = (report["name"], report["version"])
        total = merged.get(key)
        if total is None:
            merged[key] = copy.deepcopy(report)
            continue
        total["last_inference"] = max(total["last_inference"], report["last_inference"])
        total["inference_count"] += report["inference_count"]
        total["execution_count"] += report["execution_count"]
        _add_durations(total["inference_stats"], report["inference_stats"])
        sizes = {stat["batch_size"]: stat for stat in total["batch_stats"]}
        for stat in report["batch_stats"]:
            known = sizes.get(stat["batch_size"])
            if known is None:
                sizes[stat["batch_size"]] = copy.deepcopy(stat)
            else:
                _add_durations(known, stat)
        total["batch_stats"] = [sizes[size] for size in sorted(sizes)]
    return [merged[key] for key in sorted(merged, key=lambda key: (key[0], int(key[1])))]


def _add_durations(total: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and "ns" in value:
            total[key]["count"] += value["count"]
            total[key]["ns"] += value["ns"]
