"""Prediction log: what ``submit`` costs a request, and how fast the writer's sinks take rows.

Run: python benchmarks/prediction_log.py [--runs 5] [--requests 20000]
                                         [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

- submit: the median µs per ``PredictionLog.submit`` for a 1-row and a 32-row request
  (six inputs, two outputs, one 2-D), with the writer running against a sink that
  discards, and for a 1-row request with two PII fields (hashed). The baseline is
  building the record itself (``new_prediction_id`` + ``PredictionRecord``), measured
  in the same run. Target (issue 5): under ~10 µs for a 1-row submit.
- sinks: rows/s through ``ParquetSink.write`` (into a temporary folder, files closed
  at the end) and ``PostgresSink.write`` (a throwaway table, dropped afterwards), in
  batches of one flush (1000 requests), for 1-row and 32-row requests, ~100k rows a run.

Each figure is the median over ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from inferd.telemetry.prediction_log import (
    PredictionLog,
    PredictionLogSettings,
    PredictionRecord,
    new_prediction_id,
)
from inferd.telemetry.prediction_log.parquet_sink import ParquetSink
from inferd.telemetry.prediction_log.postgres_sink import PostgresSink

TARGET_SUBMIT_US = 10.0
FLUSH_REQUESTS = 1000
ROWS_PER_RUN = 100_000


class DiscardingSink:
    def write(self, records: Sequence[PredictionRecord]) -> None:
        pass

    def close(self) -> None:
        pass


def record(rows: int, *, pii: bool = False) -> PredictionRecord:
    rng = np.random.default_rng(rows)
    inputs = {
        "age": rng.random(rows, dtype=np.float32),
        "income": rng.random(rows),
        "visits": rng.integers(0, 100, rows),
        "is_member": rng.random(rows) > 0.5,
        "plan": np.array(["basic", "pro"] * rows, dtype=object)[:rows],
        "country": np.array(["FR"] * rows, dtype=object),
    }
    if pii:
        inputs["email"] = np.array([f"user{i}@example.org" for i in range(rows)], dtype=object)
        inputs["card"] = rng.integers(4_000_000_000_000_000, 5_000_000_000_000_000, rows)
    outputs = {"label": rng.integers(0, 2, rows), "probabilities": rng.random((rows, 2))}
    return PredictionRecord(
        prediction_id=new_prediction_id(),
        time_s=time.time(),
        model="churn",
        version=3,
        inputs=inputs,
        outputs=outputs,
        latency_s=0.002,
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        pii_fields=frozenset({"email", "card"}) if pii else frozenset(),
    )


def submit_us(template: PredictionRecord, requests: int) -> float:
    """Mean µs per submit over ``requests`` calls, the writer running."""
    settings = PredictionLogSettings(buffer_records=requests + 1, flush_interval_s=0.05, pii_key="bench-key")
    log = PredictionLog(settings, DiscardingSink())
    log.start()
    submit = log.submit
    started = time.perf_counter()
    for _ in range(requests):
        submit(template)
    elapsed_s = time.perf_counter() - started
    log.close()
    assert log.stats.dropped == 0
    return elapsed_s / requests * 1e6


def record_us(requests: int) -> float:
    """The baseline: µs to build one record of one row (a new id and the dataclass)."""
    inputs = record(1).inputs
    outputs = record(1).outputs
    started = time.perf_counter()
    for _ in range(requests):
        PredictionRecord(new_prediction_id(), 0.0, "churn", 3, inputs, outputs, 0.002, None)
    return (time.perf_counter() - started) / requests * 1e6


def rows_per_s(
    write: Callable[[list[PredictionRecord]], None], finish: Callable[[], None], rows: int
) -> float:
    batch = [record(rows) for _ in range(FLUSH_REQUESTS)]
    flushes = max(1, ROWS_PER_RUN // (rows * FLUSH_REQUESTS))
    started = time.perf_counter()
    for _ in range(flushes):
        write(batch)
    finish()
    return flushes * FLUSH_REQUESTS * rows / (time.perf_counter() - started)


def parquet_rows_per_s(rows: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        sink = ParquetSink(Path(folder))
        return rows_per_s(sink.write, sink.close, rows)


def postgres_rows_per_s(url: str, rows: int) -> float:
    import psycopg

    table = f"bench_predictions_{uuid.uuid4().hex[:8]}"
    sink = PostgresSink(url, table=table)
    try:
        return rows_per_s(sink.write, sink.close, rows)
    finally:
        with psycopg.connect(sink.url, autocommit=True) as connection:
            connection.execute(f"DROP TABLE IF EXISTS {table}")


def median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def postgres_reachable(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(PostgresSink(url).url, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    print(f"submit, {args.requests} requests per run; median of {args.runs} runs")
    baseline = median(args.runs, lambda: record_us(args.requests))
    print(f"  baseline: build a 1-row record (id + dataclass)  {baseline:6.2f} µs")
    one = median(args.runs, lambda: submit_us(record(1), args.requests))
    for name, template in (
        ("1-row", None),
        ("32-row", record(32)),
        ("1-row, 2 PII fields hashed", record(1, pii=True)),
    ):
        us = one if template is None else median(args.runs, lambda t=template: submit_us(t, args.requests))
        print(f"  submit {name:<28} {us:6.2f} µs  ({us / baseline:.1f}x the baseline)")
    verdict = "meets" if one < TARGET_SUBMIT_US else "MISSES"
    print(f"1-row submit {one:.2f} µs: {verdict} the {TARGET_SUBMIT_US:.0f} µs target")

    print(f"sinks, batches of {FLUSH_REQUESTS} requests; median of {args.runs} runs")
    for rows in (1, 32):
        rate = median(args.runs, lambda r=rows: parquet_rows_per_s(r))
        print(f"  Parquet     {rows:>2}-row requests  {rate:>12,.0f} rows/s")
    if not postgres_reachable(args.postgres):
        print(f"  PostgreSQL  skipped: {PostgresSink(args.postgres).safe_url} is not reachable")
        return
    for rows in (1, 32):
        rate = median(args.runs, lambda r=rows: postgres_rows_per_s(args.postgres, r))
        print(f"  PostgreSQL  {rows:>2}-row requests  {rate:>12,.0f} rows/s")


if __name__ == "__main__":
    main()
