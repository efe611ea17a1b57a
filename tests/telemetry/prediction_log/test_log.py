from __future__ import annotations

import logging
import random
import statistics
import time
from pathlib import Path

import duckdb
import numpy as np
import psycopg
import pytest

from inferd.errors import InvalidInputError
from inferd.telemetry.prediction_log import (
    PredictionLog,
    PredictionLogSettings,
    open_prediction_log,
)
from tests.telemetry.prediction_log.conftest import RecordingSink, libpq, make_record

FAST = {"flush_interval_s": 0.02, "pii_key": "test-key"}


def wait_until(condition: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_close_writes_every_accepted_request_to_parquet(tmp_path: Path) -> None:
    log = open_prediction_log(PredictionLogSettings(sink="parquet", **FAST), tmp_path)
    assert log is not None
    log.start()
    records = [make_record(rows=1 + i % 4) for i in range(200)]
    assert all(log.submit(record) for record in records)
    log.close(timeout_s=10)
    source = f"read_parquet('{tmp_path}/predictions/**/*.parquet', hive_partitioning = true)"
    counted = duckdb.sql(f"SELECT count(DISTINCT prediction_id), count(*) FROM {source}").fetchall()
    assert counted == [(200, sum(r.row_count() for r in records))]
    stats = log.stats
    assert (stats.submitted, stats.written_requests, stats.written_rows) == (200, 200, counted[0][1])
    assert (stats.unfinished, stats.dropped, stats.failed) == (0, 0, 0)


@pytest.mark.postgres
def test_close_writes_every_accepted_request_to_postgres(postgres_url: str, table: str) -> None:
    log = open_prediction_log(PredictionLogSettings(sink=postgres_url, table=table, **FAST), Path("unused"))
    assert log is not None
    with log:
        records = [make_record(rows=1 + i % 3) for i in range(150)]
        for record in records:
            log.submit(record)
    with psycopg.connect(libpq(postgres_url)) as connection:
        query = f"SELECT count(DISTINCT prediction_id), count(*) FROM {table}"
        counted = connection.execute(query).fetchall()
    assert counted == [(150, sum(r.row_count() for r in records))]
    assert log.stats.written_requests == 150


def test_requests_accepted_before_start_are_written_at_close() -> None:
    sink = RecordingSink()
    log = PredictionLog(PredictionLogSettings(**FAST), sink)
    log.submit(make_record())
    log.close()
    assert len(sink.records) == 1
    assert sink.closed


def test_after_close_submit_refuses_and_counts_a_drop() -> None:
    log = PredictionLog(PredictionLogSettings(**FAST), RecordingSink())
    log.start()
    log.close()
    assert log.submit(make_record()) is False
    assert log.stats.dropped == 1
    log.close()  # twice is harmless


def test_a_close_that_times_out_says_how_many_requests_may_be_lost(caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink(stalled=True)
    log = PredictionLog(PredictionLogSettings(**FAST), sink)
    log.start()
    for _ in range(3):
        log.submit(make_record())
    try:
        log.close(timeout_s=0.05)
    finally:
        sink.release.set()
    assert "did not finish within 0.1 s; 3 unwritten requests may be lost" in caplog.text
    wait_until(lambda: sink.closed)
    assert log.stats.written_requests == 3  # the writer still finishes, late


def test_sampling_logs_whole_requests_at_about_the_rate() -> None:
    sink = RecordingSink()
    log = PredictionLog(PredictionLogSettings(sample_rate=0.25, **FAST), sink, rng=random.Random(7))
    with log:
        for _ in range(4000):
            log.submit(make_record(rows=3))
    stats = log.stats
    assert 850 < stats.written_requests < 1150
    assert stats.sampled_out + stats.written_requests == 4000
    assert all(record.row_count() == 3 for record in sink.records)


@pytest.mark.parametrize(("rate", "logged"), [(0.0, 0), (1.0, 50)])
def test_sample_rates_zero_and_one_log_nothing_and_everything(rate: float, logged: int) -> None:
    log = PredictionLog(PredictionLogSettings(sample_rate=rate, **FAST), RecordingSink())
    with log:
        results = [log.submit(make_record()) for _ in range(50)]
    assert sum(results) == logged
    assert log.stats.written_requests == logged


def test_a_full_buffer_drops_and_counts_while_submit_stays_fast(caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink(stalled=True)
    log = PredictionLog(PredictionLogSettings(buffer_records=8, **FAST), sink)
    log.start()
    record = make_record(rows=32)
    durations_s = []
    with caplog.at_level(logging.WARNING, logger="inferd.telemetry.prediction_log"):
        for _ in range(2000):
            started = time.perf_counter()
            log.submit(record)
            durations_s.append(time.perf_counter() - started)
        sink.release.set()
        log.close()
    stats = log.stats
    assert stats.dropped >= 2000 - 2 * 8 - 1  # the writer holds at most one drained buffer while stalled
    assert stats.written_requests + stats.dropped == 2000
    assert (stats.unfinished, stats.queued, stats.failed) == (0, 0, 0)
    assert statistics.median(durations_s) < 50e-6  # measured ~1 µs; a blocked submit would take the stall
    assert caplog.text.count("the buffer of 8 requests is full") == 1


def test_a_failing_sink_is_counted_logged_once_per_burst_and_the_writer_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = RecordingSink(failures=3)
    log = PredictionLog(PredictionLogSettings(**FAST), sink)
    with caplog.at_level(logging.WARNING, logger="inferd.telemetry.prediction_log"), log:
        for done in range(1, 6):
            log.submit(make_record())
            wait_until(lambda: log.stats.written_requests + log.stats.failed == done)  # noqa: B023
    stats = log.stats
    assert (stats.failed, stats.written_requests) == (3, 2)
    assert caplog.text.count("failed (OSError: the disk is full)") == 1
    assert "works again after 3 failed writes (3 requests lost)" in caplog.text


def test_a_request_whose_columns_disagree_on_rows_is_counted_failed(caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink()
    broken = make_record(rows=2)
    broken.outputs["label"] = np.array([1, 0, 1])
    log = PredictionLog(PredictionLogSettings(**FAST), sink)
    with log:
        log.submit(broken)
        log.submit(make_record())
    assert (log.stats.failed, log.stats.written_requests) == (1, 1)
    assert "columns disagree on rows" in caplog.text
    assert "output label: 3" in caplog.text


def test_hashing_pii_without_a_key_is_refused_when_the_log_opens(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="set INFERD_PREDICTION_LOG_PII_KEY"):
        open_prediction_log(PredictionLogSettings(sink="parquet"), tmp_path)


def test_dropping_pii_needs_no_key(tmp_path: Path) -> None:
    log = open_prediction_log(PredictionLogSettings(sink="parquet", pii_mode="drop"), tmp_path)
    assert isinstance(log, PredictionLog)
    log.close()


def test_no_sink_means_no_log(tmp_path: Path) -> None:
    assert open_prediction_log(PredictionLogSettings(pii_key=None), tmp_path) is None


@pytest.mark.parametrize("form", ["folder", "file_url"])
def test_parquet_can_go_to_any_folder(tmp_path: Path, form: str) -> None:
    target = tmp_path / "elsewhere"
    sink = str(target) if form == "folder" else target.as_uri()
    log = open_prediction_log(PredictionLogSettings(sink=sink, **FAST), tmp_path / "home")
    assert log is not None
    with log:
        log.submit(make_record())
    assert len(list(target.rglob("*.parquet"))) == 1
    assert not (tmp_path / "home").exists()


def test_an_unsupported_sink_is_refused_naming_the_accepted_forms(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="s3:// is not supported; use 'parquet'"):
        open_prediction_log(PredictionLogSettings(sink="s3://bucket/predictions", **FAST), tmp_path)


@pytest.mark.postgres
def test_an_unreachable_database_is_counted_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    from tests.services import free_port

    url = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/nowhere"
    log = open_prediction_log(PredictionLogSettings(sink=url, **FAST), Path("unused"))
    assert log is not None
    with caplog.at_level(logging.WARNING, logger="inferd.telemetry.prediction_log"), log:
        assert log.submit(make_record()) is True
        wait_until(lambda: log.stats.failed == 1)
    assert "OperationalError" in caplog.text
    assert "hunter2" not in caplog.text


def test_interleaved_requests_of_models_with_other_columns_are_each_written_whole(tmp_path: Path) -> None:
    log = open_prediction_log(PredictionLogSettings(sink="parquet", **FAST), tmp_path)
    assert log is not None
    log.start()
    for index in range(600):
        record = make_record(rows=1 + index % 2, model="churn" if index % 3 else "fraud")
        if record.model == "fraud":
            record.inputs["amount"] = np.full(record.row_count(), 9.5)
        log.submit(record)
    log.close()
    source = (
        f"read_parquet('{tmp_path}/predictions/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    )
    counted = duckdb.sql(
        f"SELECT model, count(DISTINCT prediction_id), count(*), count(input__amount) FROM {source} "
        "GROUP BY model ORDER BY model"
    ).fetchall()
    assert counted == [("churn", 400, 600, 0), ("fraud", 200, 300, 300)]
    assert (log.stats.written_requests, log.stats.written_rows, log.stats.failed) == (600, 900, 0)
