"""Masked prediction records as one Arrow table, one row per input row, for the Parquet sink.

Columns: ``prediction_id``, ``row`` (index within the request), ``time`` (UTC),
``latency_s``, ``trace_id``, ``degraded``, then ``input__<field>`` and
``output__<name>``. Model and version are not columns: they are the Parquet
partition (``model=<name>/version=<v>``), which readers turn back into columns.
An array with more than one axis becomes a fixed-size list column per extra axis
(probabilities ``n x k`` -> ``fixed_size_list<double>[k]``). Work is per column,
never per row: metadata repeats with ``numpy.repeat``, columns concatenate.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from inferd.telemetry.prediction_log.record import Columns, PredictionRecord

INPUT_PREFIX = "input__"
OUTPUT_PREFIX = "output__"
TIME_TYPE = pa.timestamp("us", tz="UTC")


def column_signature(record: PredictionRecord) -> Hashable:
    """What must match for records to share one table: column names, dtypes and row shapes."""
    return tuple(
        (prefix + name, values.dtype.str, values.shape[1:])
        for prefix, columns in ((INPUT_PREFIX, record.inputs), (OUTPUT_PREFIX, record.outputs))
        for name, values in columns.items()
    )


def records_to_table(records: Sequence[PredictionRecord], rows: Sequence[int]) -> pa.Table:
    """One table of ``records`` (all of one :func:`column_signature`); ``rows[i]`` is record i's row count."""
    counts = np.asarray(rows, dtype=np.int64)
    columns: dict[str, pa.Array] = {
        "prediction_id": pa.array(
            np.repeat(np.array([r.prediction_id for r in records], dtype=object), counts)
        ),
        "row": pa.array(_row_indexes(counts), type=pa.int32()),
        "time": pa.array(np.repeat(_epoch_us(records), counts), type=TIME_TYPE),
        "latency_s": pa.array(np.repeat(np.array([r.latency_s for r in records], dtype=np.float64), counts)),
        "trace_id": pa.array(
            np.repeat(np.array([r.trace_id for r in records], dtype=object), counts), pa.string()
        ),
        "degraded": pa.array(np.repeat(np.array([r.degraded for r in records], dtype=bool), counts)),
    }
    for prefix, side in ((INPUT_PREFIX, _inputs), (OUTPUT_PREFIX, _outputs)):
        for name in side(records[0]):
            columns[prefix + name] = to_arrow(np.concatenate([side(r)[name] for r in records]))
    return pa.table(columns)


def to_arrow(values: npt.NDArray[np.generic]) -> pa.Array:
    """A numpy column as an Arrow array; extra axes become nested fixed-size lists."""
    flat = _flat_to_arrow(values.reshape(-1))
    for size in reversed(values.shape[1:]):
        flat = pa.FixedSizeListArray.from_arrays(flat, size)
    return flat


def _flat_to_arrow(values: npt.NDArray[np.generic]) -> pa.Array:
    if values.dtype != object:
        return pa.array(values)
    try:
        array = pa.array(values, from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Mixed Python types in one column (say str and bytes): keep their text.
        return pa.array([None if value is None else str(value) for value in values.tolist()], pa.string())
    return array.cast(pa.string()) if pa.types.is_null(array.type) else array


def _row_indexes(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(int(counts.sum()), dtype=np.int64) - starts


def _epoch_us(records: Sequence[PredictionRecord]) -> npt.NDArray[np.int64]:
    return np.round(np.array([r.time_s for r in records], dtype=np.float64) * 1e6).astype(np.int64)


def _inputs(record: PredictionRecord) -> Columns:
    return record.inputs


def _outputs(record: PredictionRecord) -> Columns:
    return record.outputs
