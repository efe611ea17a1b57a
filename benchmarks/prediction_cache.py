"""Prediction cache: throughput of the hit path against the miss path, one-row requests.

Run: python benchmarks/prediction_cache.py [--runs 5] [--requests 2000] [--redis redis://127.0.0.1:6379/15]
The reference model (the demo ``tabular-gbm``: gradient boosting, 30 float32
features, ONNX) is trained into a temporary folder and loaded with
``load_runtime``. Each request is one distinct row, served the way the pipeline
serves it:

- hit path:  row_keys + split_hits (get_many) + merge_rows, every row cached;
- miss path: row_keys + split_hits (get_many) + runtime.predict + put_many + merge_rows.

Both run against the in-process MemoryCache and against Redis (under a
throwaway key prefix, deleted afterwards). Each figure is the median over
``--runs`` interleaved runs; the ratio is hit throughput / miss throughput.
Target (issue 4): the hit path at least 5x the miss path for the memory cache.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from inferd.demo.training import reference_dataset, train_tabular_gbm
from inferd.runtimes import Runtime, load_runtime
from inferd.serving.cache import MemoryCache, PredictionCache, RedisCache, merge_rows, row_keys, split_hits
from inferd.tensors import Batch

TARGET_RATIO = 5.0


def serve(cache: PredictionCache, runtime: Runtime, ref: str, inputs: Batch) -> Batch:
    """One request through the cache, as the pipeline does it."""
    keys = row_keys(ref, inputs)
    hits, misses = split_hits(cache, keys, 1)
    if not misses:
        return merge_rows(1, hits, {}, [])
    computed = runtime.predict({name: array[misses] for name, array in inputs.items()})
    rows = [{name: array[i : i + 1] for name, array in computed.items()} for i in range(len(misses))]
    cache.put_many([keys[i] for i in misses], rows)
    return merge_rows(1, hits, computed, misses)


def throughput(requests: list[Batch], handle: Callable[[Batch], Batch]) -> float:
    """Requests per second over ``requests``, one after another."""
    started = time.perf_counter()
    for inputs in requests:
        handle(inputs)
    return len(requests) / (time.perf_counter() - started)


def measure(
    make_cache: Callable[[], PredictionCache], runtime: Runtime, requests: list[Batch], runs: int
) -> dict[str, float]:
    hit_rates, miss_rates = [], []
    for run in range(runs + 1):  # run 0 warms up (connections, allocator, ONNX Runtime)
        miss, hit = one_run(make_cache(), runtime, requests)
        if run:
            hit_rates.append(hit)
            miss_rates.append(miss)
    hit, miss = statistics.median(hit_rates), statistics.median(miss_rates)
    return {"hit": hit, "miss": miss, "ratio": hit / miss}


def one_run(cache: PredictionCache, runtime: Runtime, requests: list[Batch]) -> tuple[float, float]:
    """Miss and hit throughput: every request once on an empty cache, then once more."""
    handle = functools.partial(serve, cache, runtime, f"tabular-gbm:{uuid.uuid4().hex[:8]}")
    try:
        miss = throughput(requests, handle)
        hit = throughput(requests, handle)
        stats = cache.stats
    finally:
        cache.close()
    if (stats.misses, stats.hits) != (len(requests), len(requests)):
        raise SystemExit(f"expected {len(requests)} misses then as many hits, the cache saw {stats}")
    return miss, hit


def check_hits_are_the_models_outputs(runtime: Runtime, requests: list[Batch]) -> None:
    cache = MemoryCache()
    for inputs in requests[:50]:
        serve(cache, runtime, "check", inputs)
    for inputs in requests[:50]:
        cached, fresh = serve(cache, runtime, "check", inputs), runtime.predict(inputs)
        for name, array in fresh.items():
            np.testing.assert_array_equal(cached[name], array)
    assert cache.stats.hits == 50


def report(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name:<7} hit path {figures['hit']:9.0f} req/s ({1e6 / figures['hit']:6.1f} us) | "
        f"miss path {figures['miss']:9.0f} req/s ({1e6 / figures['miss']:6.1f} us) | "
        f"hit/miss {figures['ratio']:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    x, _ = reference_dataset(n_samples=args.requests, seed=1)
    requests = [{"input": x[i : i + 1]} for i in range(len(x))]
    with tempfile.TemporaryDirectory() as folder:
        runtime = load_runtime(train_tabular_gbm(Path(folder)).path)
        check_hits_are_the_models_outputs(runtime, requests)
        print(f"tabular-gbm (ONNX), {len(requests)} one-row requests per run; median of {args.runs} runs")
        memory = measure(MemoryCache, runtime, requests, args.runs)
        report("memory", memory)
        prefix = f"inferd-bench-{uuid.uuid4().hex[:8]}:"
        try:
            redis = measure(
                lambda: RedisCache(args.redis, ttl_s=600, prefix=prefix, timeout_s=1.0),
                runtime,
                requests,
                args.runs,
            )
            report("redis", redis)
        finally:
            drop(args.redis, prefix)
    verdict = "meets" if memory["ratio"] >= TARGET_RATIO else "MISSES"
    ratio = memory["ratio"]
    print(f"memory cache hit path is {ratio:.1f}x the miss path: {verdict} the {TARGET_RATIO:.0f}x target")


def drop(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    finally:
        client.close()


if __name__ == "__main__":
    main()
