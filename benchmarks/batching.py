"""Overhead of the batcher: requests/s through it with a trivial predict, against calling predict directly.

Run: python benchmarks/batching.py [--runs 5] [--requests 20000]
Each request is one row. We measure, in the same run: predict called directly in
a loop (the baseline), one executor hop per request (what serving without a
batcher costs at least), and the batcher at concurrency 1 and 64 with default
settings, plus the batcher with predict run inline (its bookkeeping alone, no
thread hop). Every request carries a deadline, as in the server. Each figure is
the median of ``--runs`` interleaved runs; the overhead is 1/rate - 1/baseline rate.
Target: a few tens of microseconds at concurrency 1.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from inferd.batching import Batcher, BatchingSettings
from inferd.tensors import Batch

T = TypeVar("T")
DEADLINE_S = 30.0


def predict(batch: Batch) -> Batch:
    return {"y": batch["x"] * 2.0}


def one_row(i: int) -> Batch:
    return {"x": np.full((1, 4), float(i))}


def direct(requests: int) -> float:
    batches = [one_row(i) for i in range(requests)]
    started = time.perf_counter()
    for batch in batches:
        predict(batch)
    return requests / (time.perf_counter() - started)


async def executor_hop(requests: int) -> float:
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(1) as pool:
        started = time.perf_counter()
        for i in range(requests):
            await loop.run_in_executor(pool, predict, one_row(i))
        return requests / (time.perf_counter() - started)


class CallSizes:
    def __init__(self) -> None:
        self.rows: list[int] = []

    def on_batch(self, rows: int, requests: int, queue_wait_s: float, compute_s: float) -> None:
        self.rows.append(rows)

    def on_rejected(self, reason: str) -> None:
        raise AssertionError(f"a request was refused: {reason}")


async def through_batcher(
    requests: int, concurrency: int, sizes: CallSizes, executor: Executor | None = None
) -> float:
    async def client(batcher: Batcher, count: int) -> None:
        for i in range(count):
            # Every request with a deadline, as the server gives each one (its default timeout).
            await batcher.submit(one_row(i), deadline=time.monotonic() + DEADLINE_S)

    async with Batcher(predict, BatchingSettings(), observer=sizes, executor=executor) as batcher:
        started = time.perf_counter()
        await asyncio.gather(*(client(batcher, requests // concurrency) for _ in range(concurrency)))
        return (requests // concurrency * concurrency) / (time.perf_counter() - started)


class InlineExecutor(Executor):
    """Runs predict on the calling thread: isolates the batcher's own bookkeeping."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def measure_all(n: int) -> dict[str, float]:
    """One run of every path; runs interleave so that machine noise hits them alike."""
    rates = {"predict called directly": direct(n)}
    rates["executor hop per request, c=1"] = asyncio.run(executor_hop(n))
    rates["batcher, inline executor, c=1"] = asyncio.run(through_batcher(n, 1, CallSizes(), InlineExecutor()))
    for concurrency in (1, 64):
        sizes = CallSizes()
        rates[f"batcher, concurrency {concurrency}"] = asyncio.run(through_batcher(n, concurrency, sizes))
        rates[f"mean rows per call, concurrency {concurrency}"] = statistics.mean(sizes.rows)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20000)
    args = parser.parse_args()
    runs = [measure_all(args.requests) for _ in range(args.runs)]
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    baseline = median.pop("predict called directly")
    header = f"{'path':34} {'req/s':>10} {'x direct':>9} {'overhead us/req':>16}"
    print(f"{header}  ({args.requests} one-row requests, median of {args.runs} runs)")
    print(f"{'predict called directly':34} {baseline:10.0f} {1.0:9.3f} {0.0:16.1f}")
    batch_sizes = {label: median.pop(label) for label in list(median) if label.startswith("mean rows")}
    for label, rate in median.items():
        overhead_us = (1 / rate - 1 / baseline) * 1e6
        print(f"{label:34} {rate:10.0f} {rate / baseline:9.3f} {overhead_us:16.1f}")
    for label, rows in batch_sizes.items():
        print(f"{label}: {rows:.1f}")


if __name__ == "__main__":
    main()
