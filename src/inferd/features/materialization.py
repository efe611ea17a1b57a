"""Loading features from a table (CSV, Parquet or a DataFrame) into an online store, in chunks.

One column is the entity key, an optional one the event time; every other
column is a feature. Each chunk is one ``put``; since a store never lets an
older row overwrite a newer one, running the same load twice changes nothing.
Event times may be epoch seconds, datetimes or ISO-8601 text (naive ones are
taken as UTC); without a timestamp column every row is stamped with the time
of the load.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from inferd._optional import require
from inferd.errors import InvalidInputError, NotFoundError
from inferd.features.store import FeatureStore
from inferd.tensors import Batch

if TYPE_CHECKING:
    import pandas as pd


class MaterializeProgress(Protocol):
    """Told about a load as it goes (the CLI draws a Rich progress bar from it)."""

    def start(self, total_rows: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...

    def finish(self) -> None: ...


def materialize(
    store: FeatureStore,
    source: Path | pd.DataFrame,
    *,
    entity: str,
    timestamp_column: str | None = None,
    chunk_rows: int = 10_000,
    progress: MaterializeProgress | None = None,
) -> int:
    """Load every row of ``source`` into ``store`` under ``entity``; returns the rows written."""
    if chunk_rows < 1:
        raise InvalidInputError(f"chunk_rows must be at least 1; got {chunk_rows}")
    now_s = time.time()
    written = 0
    total, chunks = _chunks(source, chunk_rows)
    if progress is not None:
        progress.start(total)
    try:
        for offset, frame in chunks:
            keys, values, times = _split(frame, entity, timestamp_column, now_s, offset)
            written += store.put(entity, keys, values, times)
            if progress is not None:
                progress.advance(len(frame))
    finally:
        if progress is not None:
            progress.finish()
    return written


def _chunks(
    source: Path | pd.DataFrame, chunk_rows: int
) -> tuple[int | None, Iterator[tuple[int, pd.DataFrame]]]:
    if not isinstance(source, Path | str):
        return len(source), _frame_chunks(source, chunk_rows)
    path = Path(source)
    if not path.is_file():
        raise NotFoundError(f"feature source {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        parquet = require("pyarrow.parquet", "parquet")
        file = parquet.ParquetFile(path)
        return file.metadata.num_rows, _parquet_chunks(file, chunk_rows)
    if suffix == ".csv":
        return None, _csv_chunks(path, chunk_rows)
    raise InvalidInputError(f"feature source {str(path)!r}: expected a .parquet or .csv file")


def _frame_chunks(frame: pd.DataFrame, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    for start in range(0, len(frame), chunk_rows):
        yield start, frame.iloc[start : start + chunk_rows]


def _parquet_chunks(file: Any, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    offset = 0
    for batch in file.iter_batches(batch_size=chunk_rows):
        frame = batch.to_pandas()
        yield offset, frame
        offset += len(frame)


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    pandas = require("pandas", "pandas")
    offset = 0
    with pandas.read_csv(path, chunksize=chunk_rows) as reader:
        for frame in reader:
            yield offset, frame
            offset += len(frame)


def _split(
    frame: pd.DataFrame, entity: str, timestamp_column: str | None, now_s: float, offset: int
) -> tuple[np.ndarray, Batch, np.ndarray]:
    for column in (entity, timestamp_column):
        if column is not None and column not in frame.columns:
            raise InvalidInputError(
                f"column {column!r} is not in the feature source "
                f"(it has: {', '.join(map(str, frame.columns))})"
            )
    keys = _numpy(frame[entity])
    if timestamp_column is None:
        times = np.full(len(frame), now_s)
    else:
        times = _epoch_seconds(frame[timestamp_column], timestamp_column, offset)
    features = [c for c in frame.columns if c not in (entity, timestamp_column)]
    return keys, {str(c): _numpy(frame[c]) for c in features}, times


def _numpy(series: pd.Series) -> np.ndarray:
    """A column as numpy: nullable and Arrow dtypes become their numpy dtype, or float/object with gaps."""
    if isinstance(series.dtype, np.dtype):
        return np.asarray(series.to_numpy())
    numpy_dtype = getattr(series.dtype, "numpy_dtype", None)
    has_gaps = bool(series.isna().any())
    if numpy_dtype is not None and numpy_dtype.kind in "biuf" and not has_gaps:
        return np.asarray(series.to_numpy(dtype=numpy_dtype))
    if numpy_dtype is not None and numpy_dtype.kind in "iuf":
        return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.asarray(series.to_numpy(dtype=object, na_value=None))


def _epoch_seconds(series: pd.Series, column: str, offset: int) -> np.ndarray:
    pandas = require("pandas", "pandas")
    if series.dtype.kind in "iuf":
        seconds = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        try:
            stamps = pandas.to_datetime(series, utc=True)
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(f"timestamp column {column!r}: {exc}") from exc
        # Whatever the unit (pandas 3 parses to microseconds): NaT becomes NaN.
        elapsed = stamps - pandas.Timestamp(0, tz="UTC")
        seconds = (elapsed / pandas.Timedelta(1, "s")).to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(seconds).any():
        row = offset + int(np.flatnonzero(np.isnan(seconds))[0])
        raise InvalidInputError(f"timestamp column {column!r} row {row} is empty; every row needs a time")
    return np.asarray(seconds, dtype=np.float64)
