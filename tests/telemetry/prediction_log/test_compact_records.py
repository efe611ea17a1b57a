"""The log compacts queued requests into joined columns; what it writes stays exactly what was submitted."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np
import pytest

from inferd.telemetry.prediction_log import PredictionLog, PredictionLogSettings, PredictionRecord
from inferd.telemetry.prediction_log.compact_records import COMPACT_RECORDS, CompactRecords, compacted
from inferd.telemetry.prediction_log.joined_texts import JoinedTexts
from inferd.telemetry.prediction_log.parquet_sink import ParquetSink
from tests.telemetry.prediction_log.conftest import RecordingSink, make_record


def assert_same_request(got: PredictionRecord, expected: PredictionRecord) -> None:
    assert (got.prediction_id, got.time_s, got.model, got.version) == (
        expected.prediction_id,
        expected.time_s,
        expected.model,
        expected.version,
    )
    assert (got.latency_s, got.trace_id, got.degraded) == (
        expected.latency_s,
        expected.trace_id,
        expected.degraded,
    )
    for side, wanted in ((got.inputs, expected.inputs), (got.outputs, expected.outputs)):
        assert list(side) == list(wanted)
        for name, values in wanted.items():
            assert side[name].dtype == values.dtype
            np.testing.assert_array_equal(side[name], values)


def test_a_compact_batch_gives_back_each_request_as_it_was_submitted() -> None:
    records = [make_record(rows=1 + i % 4, trace_id=None if i % 3 else "ab" * 16) for i in range(50)]
    compact = CompactRecords.of(records)
    assert compact is not None
    assert (len(compact), compact.rows) == (50, sum(r.row_count() for r in records))
    for got, expected in zip(compact, records, strict=True):
        assert_same_request(got, expected)
    assert_same_request(compact[-1], records[-1])
    part = compact.part(10, 20)
    assert [r.prediction_id for r in part] == [r.prediction_id for r in records[10:20]]
    assert_same_request(part[3], records[13])


def test_batches_join_end_to_end() -> None:
    records = [make_record(rows=1 + i % 3) for i in range(30)]
    first, second = CompactRecords.of(records[:10]), CompactRecords.of(records[10:])
    assert first is not None
    assert second is not None
    assert first.key() == second.key()
    joined = CompactRecords.joined([first, second])
    for got, expected in zip(joined, records, strict=True):
        assert_same_request(got, expected)


def test_requests_are_compacted_per_model_version_and_odd_ones_stay_records() -> None:
    churn = [make_record(version=3) for _ in range(6)]
    newer = [make_record(version=4) for _ in range(4)]
    fraud = [make_record(model="fraud") for _ in range(3)]
    fraud[1].outputs["probabilities"] = np.full((2, 3), 0.5)  # another row shape: fraud's cannot be joined
    items = compacted([churn[0], newer[0], fraud[0], *churn[1:], fraud[1], *newer[1:], fraud[2]])
    compacts = [item for item in items if isinstance(item, CompactRecords)]
    assert [(c.fields.models[0], c.fields.versions[0], len(c)) for c in compacts] == [
        ("churn", 3, 6),
        ("churn", 4, 4),
    ]
    assert [r.prediction_id for c in compacts for r in c] == [r.prediction_id for r in churn + newer]
    assert [item for item in items if not isinstance(item, CompactRecords)] == fraud


def test_a_batch_with_a_broken_request_is_written_but_that_one() -> None:
    sink = RecordingSink()
    records = [make_record() for _ in range(2 * COMPACT_RECORDS)]
    records[5].outputs["label"] = np.array([1, 0, 1])  # three rows where the other columns have two
    log = PredictionLog(PredictionLogSettings(pii_key="k"), sink)
    for record in records:
        assert log.submit(record)
    log.close()
    assert (log.stats.failed, log.stats.written_requests) == (1, len(records) - 1)
    assert {r.prediction_id for r in sink.records} == {r.prediction_id for r in records} - {
        records[5].prediction_id
    }


def test_compacted_requests_are_written_to_parquet_value_for_value(tmp_path: Path) -> None:
    records = [
        make_record(rows=1 + i % 4, time_s=1_764_000_000.0 + i) for i in range(3 * COMPACT_RECORDS + 7)
    ]
    log = PredictionLog(PredictionLogSettings(pii_key="k"), ParquetSink(tmp_path))
    for record in records:
        log.submit(record)
    log.close()
    source = f"read_parquet('{tmp_path}/**/*.parquet', hive_partitioning = true)"
    rows = duckdb.sql(
        "SELECT prediction_id, row, input__age, input__plan, output__probabilities, epoch(time) "
        f"FROM {source} ORDER BY prediction_id, row"
    ).fetchall()
    expected = sorted(
        (
            r.prediction_id,
            row,
            float(r.inputs["age"][row]),
            r.inputs["plan"][row],
            r.outputs["probabilities"][row].tolist(),
            r.time_s,
        )
        for r in records
        for row in range(r.row_count())
    )
    assert [(i, n, pytest.approx(a), p, list(q), pytest.approx(t)) for i, n, a, p, q, t in rows] == expected


def test_submit_stays_fast_when_it_compacts() -> None:
    """One submit in COMPACT_RECORDS compacts; the median, and the compacting ones, stay small."""
    log = PredictionLog(PredictionLogSettings(pii_key="k", buffer_records=100_000), RecordingSink())
    records = [make_record(rows=1) for _ in range(20 * COMPACT_RECORDS)]
    durations_s = []
    for record in records:
        started = time.perf_counter()
        log.submit(record)
        durations_s.append(time.perf_counter() - started)
    log.close()
    compacting = sorted(durations_s[COMPACT_RECORDS - 1 :: COMPACT_RECORDS])
    assert sorted(durations_s)[len(durations_s) // 2] < 50e-6  # ~1 µs here
    assert compacting[len(compacting) // 2] < 5e-3  # ~0.1 ms here: 128 requests' columns joined


def test_joined_texts_give_back_each_text_and_an_arrow_column_of_them() -> None:
    texts = ["0191f3a2b4c5-8e41d07a9b3c-00002a", "", "short", "x" * 70]
    joined = JoinedTexts.of(texts)
    assert joined is not None
    assert list(joined) == texts
    assert (joined[2], joined[-1]) == ("short", "x" * 70)
    assert list(joined[1:3]) == texts[1:3]
    assert list(JoinedTexts.joined([joined, joined[2:]])) == texts + texts[2:]
    assert joined.to_arrow().to_pylist() == texts
    assert JoinedTexts.of(["café"]) is None  # lengths would not be byte counts


def test_requests_with_ids_of_any_text_are_compacted_and_written_as_they_came(tmp_path: Path) -> None:
    records = [make_record(rows=1) for _ in range(COMPACT_RECORDS)]
    records[7] = records[7]._replace(prediction_id="commande-é-7")
    log = PredictionLog(PredictionLogSettings(pii_key="k"), ParquetSink(tmp_path))
    for record in records:
        log.submit(record)
    log.close()
    source = f"read_parquet('{tmp_path}/**/*.parquet', hive_partitioning = true)"
    ids = duckdb.sql(f"SELECT prediction_id FROM {source}").fetchall()
    assert sorted(i for (i,) in ids) == sorted(r.prediction_id for r in records)


def test_a_compact_batch_across_midnight_is_written_to_both_days(tmp_path: Path) -> None:
    midnight = 1_764_028_800.0  # 2025-11-25 00:00 UTC
    records = [make_record(rows=2, time_s=midnight - 64 + i) for i in range(COMPACT_RECORDS)]
    log = PredictionLog(PredictionLogSettings(pii_key="k"), ParquetSink(tmp_path))
    for record in records:
        log.submit(record)
    log.close()
    days = sorted(path.name for path in tmp_path.glob("model=churn/version=3/date=*"))
    assert days == ["date=2025-11-24", "date=2025-11-25"]
    source = f"read_parquet('{tmp_path}/**/*.parquet', hive_partitioning = true)"
    counted = duckdb.sql(
        f"SELECT date, count(DISTINCT prediction_id), count(*) FROM {source} GROUP BY date ORDER BY date"
    )
    assert [(str(day), ids, rows) for day, ids, rows in counted.fetchall()] == [
        ("2025-11-24", 64, 128),
        ("2025-11-25", 64, 128),
    ]


def test_requests_submitted_from_many_threads_while_the_writer_drains_are_each_written_once() -> None:
    import threading

    sink = RecordingSink()
    log = PredictionLog(
        PredictionLogSettings(pii_key="k", flush_interval_s=0.005, buffer_records=100_000), sink
    )
    log.start()
    submitted: list[list[str]] = [[] for _ in range(4)]

    def submit_many(ids: list[str]) -> None:
        for index in range(10 * COMPACT_RECORDS + 17):
            record = make_record(rows=1 + index % 2, version=3 + index % 2)  # two versions: two compactions
            ids.append(record.prediction_id)
            assert log.submit(record)

    threads = [threading.Thread(target=submit_many, args=(ids,)) for ids in submitted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    written = [r.prediction_id for r in sink.records]
    assert sorted(written) == sorted(i for ids in submitted for i in ids)  # all, and none twice
    stats = log.stats
    assert (stats.submitted, stats.written_requests, stats.unfinished, stats.failed) == (
        len(written),
        len(written),
        0,
        0,
    )
