"""The seam between the prediction log's writer and where rows end up: :class:`PredictionSink`.

One implementation per backend (:class:`ParquetSink`, :class:`PostgresSink`), chosen
from the settings' ``sink`` text in :func:`open_sink`, the one place that knows the forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from inferd.errors import InvalidInputError
from inferd.telemetry.prediction_log.record import PredictionRecord

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


class PredictionSink(Protocol):
    """Writes batches of masked records, one row per input row; owned by the writer thread.

    ``write`` is called from one thread only, once or more per flush interval, with the
    records drained since the last call in chunks of a few hundred to a few thousand (or
    with none, so that a sink can close files on time). The writer passes
    :class:`CompactRecords` (requests of one model version, their columns joined) or
    :class:`CheckedRecords` (the others, checked; their columns gathered by name when
    they share names): either way every record's columns agree on their row count, and
    a sink may use the columns rather than look at each record again.
    It raises on failure; the writer counts the chunk as failed and carries on, so a sink
    must stay usable after a failed write (reconnect, reopen). ``close`` writes out
    whatever the sink still holds and releases its files or connections.
    """

    def write(self, records: Sequence[PredictionRecord]) -> None: ...

    def close(self) -> None: ...


def open_sink(sink: str, home: Path, *, table: str, rotate_s: float, rotate_rows: int) -> PredictionSink:
    """The sink that ``sink`` names: ``"parquet"``, a folder or ``file://`` URL, or a PostgreSQL URL.

    Starts nothing: files and connections are opened by the first write.
    """
    # Imported here: pyarrow costs ~0.1 s to import, and a server with the log off never needs it.
    from inferd.telemetry.prediction_log.parquet_sink import ParquetSink
    from inferd.telemetry.prediction_log.postgres_sink import PostgresSink

    if sink == "parquet":
        return ParquetSink(home / "predictions", rotate_s=rotate_s, rotate_rows=rotate_rows)
    scheme = urlsplit(sink).scheme.lower() if "://" in sink else ""
    if scheme in POSTGRES_SCHEMES:
        return PostgresSink(sink, table=table)
    if scheme == "file":
        return ParquetSink(Path(unquote(urlsplit(sink).path)), rotate_s=rotate_s, rotate_rows=rotate_rows)
    if scheme:
        raise InvalidInputError(
            f"prediction log sink {scheme}:// is not supported; use 'parquet', a folder, a file:// URL "
            "or a postgresql:// URL in INFERD_PREDICTION_LOG"
        )
    return ParquetSink(Path(sink), rotate_s=rotate_s, rotate_rows=rotate_rows)
