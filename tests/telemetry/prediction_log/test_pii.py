"""Raw PII never leaves the request: not in the buffer, a file, the table, or a log line."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import psycopg
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from inferd.telemetry.prediction_log import (
    PiiMode,
    PredictionLog,
    PredictionLogSettings,
    PredictionRecord,
    mask_pii,
    open_prediction_log,
)
from tests.services import free_port
from tests.telemetry.prediction_log.conftest import CARD, EMAIL, RecordingSink, libpq, make_record

RAW = (EMAIL, CARD)
KEY = "pii-test-key"


def pii_records() -> list[PredictionRecord]:
    records = [make_record(rows=1 + i % 3, pii=True) for i in range(20)]
    misshapen = make_record(rows=2, pii=True)
    misshapen.outputs["label"] = np.array([1, 0, 1])  # refused by the writer, which logs why
    return [*records, misshapen]


def run_log(settings: PredictionLogSettings, home: Path) -> None:
    log = open_prediction_log(settings, home)
    assert log is not None
    with log:
        for record in pii_records():
            log.submit(record)


def hashed_email() -> str:
    masked = mask_pii({"email": np.array([EMAIL], dtype=object)}, frozenset({"email"}), "hash", KEY)
    return str(masked["email"][0])


def assert_no_raw_pii(text: str | bytes, where: str) -> None:
    for value in RAW:
        needle: str | bytes = value.encode() if isinstance(text, bytes) else value
        assert needle not in text, f"raw PII {value!r} found in {where}"


def test_the_sink_only_ever_receives_masked_records() -> None:
    sink = RecordingSink()
    with PredictionLog(PredictionLogSettings(flush_interval_s=0.02, pii_key=KEY), sink) as log:
        for record in pii_records():
            log.submit(record)
    assert len(sink.records) == 20
    for record in sink.records:
        assert_no_raw_pii(repr(record) + repr([v.tolist() for v in record.inputs.values()]), "the buffer")
    assert sink.records[0].inputs["email"][0] == hashed_email()


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["hash", "drop"])
def test_raw_pii_is_in_no_file_no_table_and_no_log_line(
    tmp_path: Path, postgres_url: str, table: str, caplog: pytest.LogCaptureFixture, mode: PiiMode
) -> None:
    caplog.set_level(logging.DEBUG)
    common = {"pii_mode": mode, "pii_key": KEY, "flush_interval_s": 0.02, "table": table}
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"  # a failing sink logs too
    for sink in ("parquet", postgres_url, unreachable):
        run_log(PredictionLogSettings(sink=sink, **common), tmp_path)  # type: ignore[arg-type]

    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert files
    for path in files:
        assert_no_raw_pii(path.read_bytes(), str(path))
        assert_no_raw_pii(str(pq.read_table(path).to_pylist()), f"the decoded rows of {path}")
    dataset = ds.dataset(tmp_path / "predictions", format="parquet", partitioning="hive").to_table()

    with psycopg.connect(libpq(postgres_url)) as connection:
        stored = connection.execute(f"SELECT t::text FROM {table} AS t").fetchall()
        assert len(stored) == dataset.num_rows == sum(1 + i % 3 for i in range(20))
        assert_no_raw_pii("\n".join(row[0] for row in stored), f"table {table}")
        emails = connection.execute(f"SELECT DISTINCT inputs->>'email' FROM {table}").fetchall()

    assert "columns disagree on rows" in caplog.text
    assert "OperationalError" in caplog.text
    assert_no_raw_pii(caplog.text, "the log output")
    if mode == "hash":
        hashed = hashed_email()
        assert set(dataset.column("input__email").to_pylist()) == {hashed}
        assert emails == [(hashed,)]  # the same hash in both sinks: rows join across them
    else:
        assert not {"input__email", "input__card"} & set(dataset.column_names)
        assert emails == [(None,)]
