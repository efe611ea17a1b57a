"""Feature lookup latency: 64 keys in one call, against 64 single-key calls, on SQLite and Redis.

Run: python benchmarks/features_lookup.py [--runs 5] [--lookups 300] [--redis redis://127.0.0.1:6379/15]
Loads 10,000 rows of 16 float features into a SQLite file and into Redis (under
a throwaway key prefix, deleted afterwards), then times ``get`` of 64 random keys
(one round trip) and 64 ``get`` calls of one key each (64 round trips, the
baseline). p50 and p99 are per lookup of 64 keys; each figure is the median over
``--runs`` interleaved runs, and the ratio is baseline p50 / batched p50.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from inferd.features import FeatureStore, open_feature_store

ROWS = 10_000
FEATURES = [f"f{i}" for i in range(16)]
BATCH = 64


def load(store: FeatureStore) -> None:
    rng = np.random.default_rng(0)
    values = {name: rng.normal(size=ROWS) for name in FEATURES}
    store.put("customer_id", np.arange(ROWS), values, np.full(ROWS, time.time()))


def percentiles_us(lookup: Callable[[np.ndarray], object], lookups: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    times_us = []
    for _ in range(lookups):
        keys = rng.integers(0, ROWS, size=BATCH)
        started = time.perf_counter()
        lookup(keys)
        times_us.append((time.perf_counter() - started) * 1e6)
    p50, p99 = np.percentile(times_us, [50, 99])
    return float(p50), float(p99)


def measure(store: FeatureStore, runs: int, lookups: int) -> dict[str, float]:
    def batched(keys: np.ndarray) -> object:
        return store.get("customer_id", keys, FEATURES)

    def one_by_one(keys: np.ndarray) -> object:
        return [store.get("customer_id", keys[i : i + 1], FEATURES) for i in range(len(keys))]

    batched(np.arange(BATCH))  # connect, warm caches
    results: dict[str, list[float]] = {"p50": [], "p99": [], "single_p50": [], "single_p99": []}
    for run in range(runs):
        p50, p99 = percentiles_us(batched, lookups, run)
        s50, s99 = percentiles_us(one_by_one, max(lookups // 4, 20), run)
        results["p50"].append(p50)
        results["p99"].append(p99)
        results["single_p50"].append(s50)
        results["single_p99"].append(s99)
    out = {name: statistics.median(values) for name, values in results.items()}
    out["ratio"] = out["single_p50"] / out["p50"]
    return out


def report(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name:<7} 64 keys, 1 call:  p50 {figures['p50']:8.0f} us  p99 {figures['p99']:8.0f} us | "
        f"64 calls of 1 key: p50 {figures['single_p50']:8.0f} us  p99 {figures['single_p99']:8.0f} us | "
        f"{figures['ratio']:.1f}x faster batched"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    print(
        f"{ROWS} rows x {len(FEATURES)} float features; lookups of {BATCH} keys; median of {args.runs} runs"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = open_feature_store(f"sqlite:///{Path(folder) / 'features.db'}", timeout_s=5.0)
        try:
            load(store)
            report("sqlite", measure(store, args.runs, args.lookups))
        finally:
            store.close()
    prefix = f"inferd-bench-{uuid.uuid4().hex[:8]}"
    store = open_feature_store(f"{args.redis}?prefix={prefix}", timeout_s=5.0)
    try:
        load(store)
        report("redis", measure(store, args.runs, args.lookups))
    finally:
        store.close()
        drop(args.redis, prefix)


def drop(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        for keys in batched_keys(client.scan_iter(f"{prefix}:*", count=1000)):
            client.delete(*keys)
    finally:
        client.close()


def batched_keys(keys: object) -> list[list[bytes]]:
    items = list(keys)  # type: ignore[call-overload]
    return [items[i : i + 1000] for i in range(0, len(items), 1000)]


if __name__ == "__main__":
    main()
