"""The production sink: one PostgreSQL table, one row per input row, written with ``COPY``.

Columns: ``prediction_id text, row int, time timestamptz, model text, version int,
latency_s double precision, trace_id text, degraded bool, inputs jsonb, outputs jsonb``.
The table and two indexes (by prediction id, for joining ground truth; by model,
version and time, for monitors) are created when missing, under an advisory lock so
that several workers starting at once do not race. Each write is one transaction of
one ``COPY``. After a failure the connection is dropped and the next write reconnects,
so a database restart costs the batches written while it was down, nothing more.
A row costs ~10 µs of Python (two JSON texts), so the copy lets go of the GIL every
``PAUSE_ROWS`` rows, as the writer does between chunks, not to stall the event loop.

psycopg (the ``postgres`` extra) is imported when the first write connects.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from inferd._optional import require
from inferd.telemetry.prediction_log.checked_records import row_counts
from inferd.telemetry.prediction_log.record import Columns, PredictionRecord

CONNECT_TIMEOUT_S = 5
PAUSE_ROWS = 64
COLUMNS = (
    "prediction_id",
    "row",
    "time",
    "model",
    "version",
    "latency_s",
    "trace_id",
    "degraded",
    "inputs",
    "outputs",
)
_CREATE = """
CREATE TABLE IF NOT EXISTS {table} (
    prediction_id text NOT NULL,
    row integer NOT NULL,
    time timestamptz NOT NULL,
    model text NOT NULL,
    version integer NOT NULL,
    latency_s double precision NOT NULL,
    trace_id text,
    degraded boolean NOT NULL,
    inputs jsonb NOT NULL,
    outputs jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS {by_id} ON {table} (prediction_id);
CREATE INDEX IF NOT EXISTS {by_time} ON {table} (model, version, time);
"""
Row = tuple[str, int, dt.datetime, str, int, float, str | None, bool, str, str]


class PostgresSink:
    """Writes prediction records to the PostgreSQL table ``table`` at ``url``."""

    def __init__(self, url: str, *, table: str = "inferd_predictions") -> None:
        self.url = _libpq_url(url)
        self.table = table
        self._connection: Any = None

    def __repr__(self) -> str:
        return f"PostgresSink({self.safe_url!r}, table={self.table!r})"

    @property
    def safe_url(self) -> str:
        """The URL with its password hidden, for messages."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))

    def write(self, records: Sequence[PredictionRecord]) -> None:
        """Copy one row per input row of ``records`` in one transaction."""
        if not records:
            return
        connection = self._connect()
        psycopg = require("psycopg", "postgres")
        try:
            with connection.cursor() as cursor:
                columns = psycopg.sql.SQL(", ").join(map(psycopg.sql.Identifier, COLUMNS))
                query = psycopg.sql.SQL("COPY {} ({}) FROM STDIN").format(self._table_name(psycopg), columns)
                with cursor.copy(query) as copy:
                    for index, row in enumerate(_rows(records), 1):
                        copy.write_row(row)
                        if index % PAUSE_ROWS == 0:
                            time.sleep(0)
            connection.commit()
        except Exception:
            self._disconnect()
            raise

    def close(self) -> None:
        """Close the connection, if one is open."""
        self._disconnect()

    def _connect(self) -> Any:
        if self._connection is not None and not self._connection.closed:
            return self._connection
        psycopg = require("psycopg", "postgres")
        connection = psycopg.connect(
            self.url, connect_timeout=CONNECT_TIMEOUT_S, application_name="inferd-prediction-log"
        )
        try:
            self._create_table(connection, psycopg)
        except Exception:
            connection.close()
            raise
        self._connection = connection
        return connection

    def _create_table(self, connection: Any, psycopg: Any) -> None:
        sql = psycopg.sql
        bare = self.table.rsplit(".", 1)[-1]
        statement = sql.SQL(_CREATE).format(
            table=self._table_name(psycopg),
            by_id=sql.Identifier(f"{bare}_prediction_id_idx"),
            by_time=sql.Identifier(f"{bare}_model_time_idx"),
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.table,))
            cursor.execute(statement)
        connection.commit()

    def _table_name(self, psycopg: Any) -> Any:
        return psycopg.sql.Identifier(*self.table.split("."))

    def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def _rows(records: Sequence[PredictionRecord]) -> Iterator[Row]:
    for record, rows in zip(records, row_counts(records), strict=True):
        arrived = dt.datetime.fromtimestamp(record.time_s, dt.UTC)
        inputs, outputs = _json_rows(record.inputs, rows), _json_rows(record.outputs, rows)
        for index, (row_inputs, row_outputs) in enumerate(zip(inputs, outputs, strict=True)):
            yield (
                record.prediction_id,
                index,
                arrived,
                record.model,
                record.version,
                record.latency_s,
                record.trace_id,
                record.degraded,
                row_inputs,
                row_outputs,
            )


def _json_rows(columns: Columns, rows: int) -> list[str]:
    """Each row of ``columns`` as a JSON object text (field -> value; extra axes as arrays)."""
    if not columns:
        return ["{}"] * rows
    names = list(columns)
    values = [columns[name].tolist() for name in names]
    return [_json_object(dict(zip(names, row, strict=True))) for row in zip(*values, strict=True)]


def _json_object(row: dict[str, Any]) -> str:
    text = orjson.dumps(row, default=_json_default)
    if b"\\u0000" in text:
        # PostgreSQL's jsonb refuses the NUL character; one request must not sink a whole batch.
        text = orjson.dumps(_without_nul(row), default=_json_default)
    return text.decode()


def _json_default(value: object) -> object:
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return str(value)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, bytes):
        return _without_nul(value.decode("utf-8", "backslashreplace"))
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _libpq_url(url: str) -> str:
    """SQLAlchemy's ``postgresql+psycopg://`` spelling as the plain URL libpq understands."""
    scheme, rest = url.split("://", 1)
    return f"postgresql://{rest}" if scheme.lower() in ("postgresql+psycopg", "postgres") else url
