"""Masked prediction records as Arrow tables, one row per input row, for the Parquet sink.

Columns: ``prediction_id``, ``row`` (index within the request), ``time`` (UTC),
``latency_s``, ``trace_id``, ``degraded``, then ``input__<field>`` and
``output__<name>``. Model and version are not columns: they are the Parquet
partition (``model=<name>/version=<v>``), which readers turn back into columns.
An array with more than one axis becomes a fixed-size list column per extra axis
(probabilities ``n x k`` -> ``fixed_size_list<double>[k]``).

Work is per column, never per row or per record. Most records come compacted
(:class:`CompactRecords`: their columns joined already). Records of one served version
nearly always share names, dtypes and row shapes, so for the others :func:`records_to_tables` first
builds one table for the lot from their columns gathered by name (as the writer
hands them over, see :mod:`checked_records`), checking the dtypes and row shapes on
the way: ``numpy.concatenate(casting="no")`` refuses rather than casts. Only when that
fails are the records grouped by :func:`column_signature`, one table a group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from inferd.telemetry.prediction_log.checked_records import RecordFields, row_counts, shared_columns
from inferd.telemetry.prediction_log.compact_records import CompactRecords
from inferd.telemetry.prediction_log.joined_texts import JoinedTexts
from inferd.telemetry.prediction_log.record import Columns, PredictionRecord

INPUT_PREFIX = "input__"
OUTPUT_PREFIX = "output__"
TIME_TYPE = pa.timestamp("us", tz="UTC")
_PREFIXES = (INPUT_PREFIX, OUTPUT_PREFIX)
_METADATA_NAMES = ("prediction_id", "row", "time", "latency_s", "trace_id", "degraded")


def column_signature(record: PredictionRecord) -> Hashable:
    """What must match for records to share one table: column names, dtypes and row shapes."""
    return tuple(
        (prefix + name, values.dtype.str, values.shape[1:])
        for prefix, columns in zip(_PREFIXES, (record.inputs, record.outputs), strict=True)
        for name, values in columns.items()
    )


def records_to_tables(records: Sequence[PredictionRecord]) -> list[pa.Table]:
    """``records`` as tables: one when they share columns, else one per :func:`column_signature`.

    Raises :class:`InvalidInputError` when a record's columns disagree on their row count.
    """
    if isinstance(records, CompactRecords):  # the usual case: columns joined already
        sides = (records.inputs, records.outputs)
        columns = {
            prefix + name: values
            for prefix, side in zip(_PREFIXES, sides, strict=True)
            for name, values in side.items()
        }
        return [_table(records.fields, records.row_counts, columns)]
    table = _shared_columns_table(records)
    if table is not None:
        return [table]
    groups: defaultdict[Hashable, list[PredictionRecord]] = defaultdict(list)
    for record in records:
        groups[column_signature(record)].append(record)
    return [_signature_table(group) for group in groups.values()]


def _shared_columns_table(records: Sequence[PredictionRecord]) -> pa.Table | None:
    """One table of ``records`` if they share names, dtypes and row shapes, and each agrees on rows."""
    shared = shared_columns(records)
    if shared is None or shared.columns is None:
        return None
    gathered = (shared.columns.inputs, shared.columns.outputs)
    try:
        columns = {
            prefix + name: column.concatenated()
            for prefix, side in zip(_PREFIXES, gathered, strict=True)
            for name, column in side.items()
        }
    except (TypeError, ValueError):  # a dtype (TypeError) or a row shape (ValueError) differs
        return None
    return _table(shared.columns.fields, shared.row_counts, columns)


def _signature_table(records: list[PredictionRecord]) -> pa.Table:
    """One table of ``records``, all of one :func:`column_signature`, built record by record."""
    counts = row_counts(records)
    sides = ([r.inputs for r in records], [r.outputs for r in records])
    columns = {
        prefix + name: np.concatenate([side[name] for side in batches])
        for prefix, batches in zip(_PREFIXES, sides, strict=True)
        for name in batches[0]
    }
    return _table(RecordFields.of(records), counts, columns)


def _table(fields: RecordFields, counts: list[int], columns: Columns) -> pa.Table:
    """The table: each record's ``fields`` over each of its ``counts`` rows, then ``columns``."""
    metadata = _metadata(fields)
    if counts.count(1) == len(counts):  # one row a request, the usual case: nothing to repeat
        row = pa.array(np.zeros(len(counts), dtype=np.int32))
    else:
        repeats = np.asarray(counts, dtype=np.int64)
        owner = pa.array(np.repeat(np.arange(len(counts), dtype=np.int64), repeats))
        metadata = [array.take(owner) for array in metadata]
        row = pa.array(_row_indexes(repeats), type=pa.int32())
    ids, *others = metadata
    arrays = [ids, row, *others, *map(to_arrow, columns.values())]
    return pa.Table.from_arrays(arrays, names=[*_METADATA_NAMES, *columns])


def _metadata(fields: RecordFields) -> list[pa.Array]:
    """One value a request: id, time, latency, trace id and degraded."""
    count = len(fields.prediction_ids)
    no_trace, not_degraded = fields.trace_ids.count(None), fields.degraded.count(False)  # the usual case
    return [
        ids.to_arrow()
        if isinstance(ids := fields.prediction_ids, JoinedTexts)
        else pa.array(ids, pa.string()),
        pa.array(np.round(fields.times_s * 1e6).astype(np.int64)).view(TIME_TYPE),  # a view: no conversion
        pa.array(np.asarray(fields.latencies_s, dtype=np.float64)),
        pa.nulls(count, pa.string()) if no_trace == count else pa.array(fields.trace_ids, pa.string()),
        pa.array(
            np.zeros(count, dtype=bool)
            if not_degraded == count
            else np.fromiter(fields.degraded, dtype=bool, count=count)
        ),
    ]


def to_arrow(values: npt.NDArray[np.generic]) -> pa.Array:
    """A numpy column as an Arrow array; extra axes become nested fixed-size lists."""
    flat = _flat_to_arrow(values if values.ndim == 1 else values.reshape(-1))
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
