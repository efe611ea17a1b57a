from __future__ import annotations

import datetime as dt
import threading

import numpy as np
import psycopg
import pytest

from inferd.telemetry.prediction_log.postgres_sink import PostgresSink
from inferd.telemetry.prediction_log.record import PredictionRecord
from tests.services import free_port
from tests.telemetry.prediction_log.conftest import libpq, make_record

pytestmark = pytest.mark.postgres


def fetch(url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(libpq(url)) as connection:
        return connection.execute(query).fetchall()


def test_the_table_is_created_with_the_documented_columns(postgres_url: str, table: str) -> None:
    sink = PostgresSink(postgres_url, table=table)
    sink.write([make_record()])
    sink.close()
    columns = fetch(
        postgres_url,
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_name = '{table}' ORDER BY ordinal_position",
    )
    assert columns == [
        ("prediction_id", "text"),
        ("row", "integer"),
        ("time", "timestamp with time zone"),
        ("model", "text"),
        ("version", "integer"),
        ("latency_s", "double precision"),
        ("trace_id", "text"),
        ("degraded", "boolean"),
        ("inputs", "jsonb"),
        ("outputs", "jsonb"),
    ]


def test_each_input_row_becomes_one_table_row(postgres_url: str, table: str) -> None:
    noon = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    record = make_record(rows=3, time_s=noon.timestamp())
    sink = PostgresSink(postgres_url, table=table)
    sink.write([record, make_record(rows=1, model="fraud", version=1, trace_id=None)])
    sink.close()
    rows = fetch(
        postgres_url,
        f"SELECT row, time, model, version, latency_s, trace_id, degraded, inputs, outputs FROM {table} "
        f"WHERE prediction_id = '{record.prediction_id}' ORDER BY row",
    )
    assert [row[0] for row in rows] == [0, 1, 2]
    assert rows[1][1:7] == (noon, "churn", 3, 0.0042, record.trace_id, False)
    assert rows[1][7] == {"age": 31.5, "visits": 1, "is_member": False, "plan": "pro"}
    assert rows[1][8] == {"label": 1, "probabilities": [0.25, 0.75]}
    assert fetch(postgres_url, f"SELECT count(*) FROM {table} WHERE trace_id IS NULL") == [(1,)]


def test_bytes_nul_characters_and_nan_do_not_break_a_batch(postgres_url: str, table: str) -> None:
    record = PredictionRecord(
        "id-odd",
        0.0,
        "m",
        1,
        {"blob": np.array([b"\xffraw"], dtype=object), "text": np.array(["a\x00b"], dtype=object)},
        {"score": np.array([np.nan])},
        0.1,
        None,
    )
    sink = PostgresSink(postgres_url, table=table)
    sink.write([record, make_record()])
    sink.close()
    assert fetch(postgres_url, f"SELECT inputs, outputs FROM {table} WHERE prediction_id = 'id-odd'") == [
        ({"blob": "\\xffraw", "text": "a\ufffdb"}, {"score": None})
    ]
    assert fetch(postgres_url, f"SELECT count(*) FROM {table}") == [(3,)]


def test_a_dropped_connection_costs_one_write_and_the_next_reconnects(postgres_url: str, table: str) -> None:
    sink = PostgresSink(postgres_url, table=table)
    sink.write([make_record()])
    with psycopg.connect(libpq(postgres_url), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'inferd-prediction-log' AND datname = current_database()"
        )
    with pytest.raises(psycopg.OperationalError):
        sink.write([make_record()])
    sink.write([make_record()])
    sink.close()
    assert fetch(postgres_url, f"SELECT count(*) FROM {table}") == [(4,)]


def test_workers_starting_together_create_the_table_once(postgres_url: str, table: str) -> None:
    sinks = [PostgresSink(postgres_url, table=table) for _ in range(4)]
    errors: list[BaseException] = []

    def write(sink: PostgresSink) -> None:
        try:
            sink.write([make_record(rows=1)])
        except BaseException as exc:
            errors.append(exc)
        finally:
            sink.close()

    threads = [threading.Thread(target=write, args=(sink,)) for sink in sinks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert fetch(postgres_url, f"SELECT count(*) FROM {table}") == [(4,)]


def test_an_unreachable_database_raises_on_write() -> None:
    sink = PostgresSink(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    with pytest.raises(psycopg.OperationalError):
        sink.write([make_record()])
    sink.close()


def test_the_password_is_hidden_in_the_url_for_messages() -> None:
    sink = PostgresSink("postgresql+psycopg://user:hunter2@db:5432/logs")
    assert sink.safe_url == "postgresql://user:***@db:5432/logs"


def test_compacted_requests_reach_the_table_row_for_row(postgres_url: str, table: str) -> None:
    """The log hands the sink CompactRecords; the table gets the same rows as from the records."""
    from inferd.telemetry.prediction_log import PredictionLog, PredictionLogSettings
    from inferd.telemetry.prediction_log.compact_records import COMPACT_RECORDS

    noon = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)
    records = [make_record(rows=1 + i % 3, time_s=noon.timestamp()) for i in range(2 * COMPACT_RECORDS + 5)]
    log = PredictionLog(PredictionLogSettings(pii_key="k"), PostgresSink(postgres_url, table=table))
    for record in records:
        assert log.submit(record)
    log.close()  # never started: the drain runs here, most of it compacted
    assert fetch(postgres_url, f"SELECT count(DISTINCT prediction_id), count(*) FROM {table}") == [
        (len(records), sum(r.row_count() for r in records))
    ]
    chosen = records[COMPACT_RECORDS + 5]  # inside the second compact batch: 1 + 133 % 3 = 2 rows
    rows = fetch(
        postgres_url,
        f"SELECT row, time, model, version, latency_s, inputs, outputs FROM {table} "
        f"WHERE prediction_id = '{chosen.prediction_id}' ORDER BY row",
    )
    assert [row[0] for row in rows] == [0, 1]
    assert rows[1][1:5] == (noon, "churn", 3, 0.0042)
    assert rows[1][5] == {"age": 31.5, "visits": 1, "is_member": False, "plan": "pro"}
    assert rows[1][6] == {"label": 1, "probabilities": [0.25, 0.75]}
