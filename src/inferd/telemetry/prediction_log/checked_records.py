"""Records the writer has checked, seen column by column: :class:`CheckedRecords`.

The writer handles records by the thousand, nearly all from one served version and
so with the same column names. For such a batch, :func:`shared_columns` turns the
records inside out with one C-level pass (``zip(*records)``: a record is a named tuple)
and gathers each column's arrays by name with one more (``map(itemgetter(name), ...)``),
then checks that every record's columns agree on their row count. Each pass costs tens
of nanoseconds a record, against a Python loop's microsecond; that is why a pass is
saved wherever one can be: a column whose arrays all have one shape (the usual case:
one row a request, the same features) has its row counts from that shape, and its
arrays are copied end to end without numpy's per-array setup
(:meth:`Column.concatenated`). The writer hands the result to the sink, which builds
its columns from it without looking at each record again.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from inferd.telemetry.prediction_log.joined_texts import JoinedTexts
from inferd.telemetry.prediction_log.record import Columns, PredictionRecord

Shape = tuple[int, ...]
_SHAPE, _DTYPE = attrgetter("shape"), attrgetter("dtype")
_ID_AT, _TIME_AT, _MODEL_AT, _VERSION_AT, _INPUTS_AT, _OUTPUTS_AT, _LATENCY_AT, _TRACE_AT, _DEGRADED_AT = map(
    PredictionRecord._fields.index,
    ("prediction_id", "time_s", "model", "version", "inputs", "outputs", "latency_s", "trace_id", "degraded"),
)
# Dtypes whose arrays export their bytes as they are (no pointers, no units): safe to join as bytes.
_JOINABLE_KINDS = frozenset("biufSU")


@dataclass(frozen=True)
class Column:
    """One input or output of a batch of records: its arrays, one a record, and the shape they share."""

    arrays: list[npt.NDArray[np.generic]]
    shape: Shape | None  # None when the shapes differ

    @classmethod
    def of(cls, arrays: list[npt.NDArray[np.generic]]) -> Column:
        try:
            shapes: list[Shape] = list(map(_SHAPE, arrays))
        except AttributeError:  # not arrays: numpy.concatenate will tell
            return cls(arrays, None)
        if not shapes or shapes.count(shapes[0]) != len(shapes):
            return cls(arrays, None)
        return cls(arrays, shapes[0])

    def part(self, start: int, end: int) -> Column:
        return Column(self.arrays[start:end], self.shape)

    def concatenated(self) -> npt.NDArray[np.generic]:
        """The arrays end to end, never cast: TypeError if dtypes differ, ValueError if row shapes do."""
        if self.shape:
            joined = _joined(self.arrays, self.shape)
            if joined is not None:
                return joined
        return np.concatenate(self.arrays, casting="no")


@dataclass(frozen=True)
class RecordFields:
    """What records hold besides their columns, field by field in record order (times as an array)."""

    prediction_ids: Sequence[str]  # a tuple, or JoinedTexts once compacted
    times_s: npt.NDArray[np.float64]
    models: tuple[str, ...]
    versions: tuple[int, ...]
    latencies_s: tuple[float, ...] | npt.NDArray[np.float64]  # an array once compacted
    trace_ids: tuple[str | None, ...]
    degraded: tuple[bool, ...]

    @classmethod
    def of(cls, records: Sequence[PredictionRecord]) -> RecordFields:
        """The fields of ``records``; TypeError or ValueError when a time is not a number."""
        return cls.transposed(_transposed(records))

    @classmethod
    def transposed(cls, fields: list[tuple[Any, ...]]) -> RecordFields:
        """The fields from ``zip(*records)``; TypeError or ValueError when a time is not a number."""
        times = fields[_TIME_AT]
        return cls(
            fields[_ID_AT],
            np.fromiter(times, np.float64, len(times)),
            fields[_MODEL_AT],
            fields[_VERSION_AT],
            fields[_LATENCY_AT],
            fields[_TRACE_AT],
            fields[_DEGRADED_AT],
        )

    @classmethod
    def joined(cls, parts: Sequence[RecordFields]) -> RecordFields:
        """``parts`` end to end."""
        chain = itertools.chain.from_iterable
        ids = [part.prediction_ids for part in parts]
        joined_ids = [part for part in ids if isinstance(part, JoinedTexts)]
        latencies = [part.latencies_s for part in parts]
        latency_arrays = [part for part in latencies if isinstance(part, np.ndarray)]
        return cls(
            JoinedTexts.joined(joined_ids) if len(joined_ids) == len(ids) else tuple(chain(ids)),
            np.concatenate([part.times_s for part in parts]),
            tuple(chain(part.models for part in parts)),
            tuple(chain(part.versions for part in parts)),
            np.concatenate(latency_arrays) if len(latency_arrays) == len(parts) else tuple(chain(latencies)),
            tuple(chain(part.trace_ids for part in parts)),
            tuple(chain(part.degraded for part in parts)),
        )

    def part(self, start: int, end: int) -> RecordFields:
        return RecordFields(
            self.prediction_ids[start:end],
            self.times_s[start:end],
            self.models[start:end],
            self.versions[start:end],
            self.latencies_s[start:end],
            self.trace_ids[start:end],
            self.degraded[start:end],
        )


@dataclass(frozen=True)
class RecordColumns:
    """Records that share column names: their fields, and their inputs and outputs by name."""

    fields: RecordFields
    inputs: dict[str, Column]
    outputs: dict[str, Column]

    def part(self, start: int, end: int) -> RecordColumns:
        """The columns of records ``start`` to ``end``."""
        return RecordColumns(
            self.fields.part(start, end),
            {name: column.part(start, end) for name, column in self.inputs.items()},
            {name: column.part(start, end) for name, column in self.outputs.items()},
        )


@dataclass(frozen=True)
class CheckedRecords(Sequence[PredictionRecord]):
    """Records whose columns agree on their row count, as the writer hands them to a sink.

    ``row_counts[i]`` is record i's row count. ``columns`` holds their columns gathered by
    name when they all share names (the usual case), else None.
    """

    records: list[PredictionRecord]
    row_counts: list[int]
    columns: RecordColumns | None = None

    @classmethod
    def check(cls, records: Sequence[PredictionRecord]) -> tuple[CheckedRecords, list[Exception]]:
        """The well-formed ``records``, and for each of the others the error that says why not.

        :meth:`PredictionRecord.row_count` raises :class:`InvalidInputError` naming the columns.
        """
        shared = shared_columns(records)
        if shared is not None:
            return shared, []
        kept: list[PredictionRecord] = []
        counts: list[int] = []
        errors: list[Exception] = []
        for record in records:
            try:
                counts.append(record.row_count())
            except Exception as exc:  # not only InvalidInputError: one odd request must not stop the rest
                errors.append(exc)
                continue
            kept.append(record)
        return cls(kept, counts), errors

    @property
    def rows(self) -> int:
        return sum(self.row_counts)

    def part(self, start: int, end: int) -> CheckedRecords:
        """Records ``start`` to ``end``, their row counts and columns."""
        columns = None if self.columns is None else self.columns.part(start, end)
        return CheckedRecords(self.records[start:end], self.row_counts[start:end], columns)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[PredictionRecord]:
        return iter(self.records)

    @overload
    def __getitem__(self, index: int) -> PredictionRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[PredictionRecord]: ...

    def __getitem__(self, index: int | slice) -> PredictionRecord | list[PredictionRecord]:
        return self.records[index]


def shared_columns(records: Sequence[PredictionRecord]) -> CheckedRecords | None:
    """``records`` with their columns gathered, when they share column names and each agrees on rows.

    None when some record has other names than the first (group the records, or check
    each one), its columns disagree on rows (:meth:`PredictionRecord.row_count` says how),
    or its time is not a number. ``records`` that are already :class:`CheckedRecords` with
    columns come back as they are.
    """
    if isinstance(records, CheckedRecords) and records.columns is not None:
        return records
    transposed = _transposed(records)
    inputs, outputs = _by_name(transposed[_INPUTS_AT]), _by_name(transposed[_OUTPUTS_AT])
    if inputs is None or outputs is None:
        return None
    counts = _agreed_row_counts([*inputs.values(), *outputs.values()], len(records))
    if counts is None:
        return None
    try:
        fields = RecordFields.transposed(transposed)
    except (TypeError, ValueError):
        return None
    return CheckedRecords(list(records), counts, RecordColumns(fields, inputs, outputs))


def row_counts(records: Sequence[PredictionRecord]) -> list[int]:
    """Each record's row count: known already for checked or compacted records, else asked of each record.

    Raises :class:`InvalidInputError` for a record whose columns disagree on rows.
    """
    known = getattr(records, "row_counts", None)  # CheckedRecords and CompactRecords know theirs
    if isinstance(known, list):
        return known
    return [record.row_count() for record in records]


def _transposed(records: Sequence[PredictionRecord]) -> list[tuple[Any, ...]]:
    """Each field of ``records`` as a tuple in record order (empty tuples for no records)."""
    return list(zip(*records, strict=True)) or [()] * len(PredictionRecord._fields)


def _by_name(batches: tuple[Columns, ...]) -> dict[str, Column] | None:
    """One side's columns, each with its arrays in record order; None unless all have the first's names."""
    if not batches:
        return {}
    names = batches[0]
    if list(map(len, batches)).count(len(names)) != len(batches):
        return None
    try:
        return {name: Column.of(list(map(itemgetter(name), batches))) for name in names}
    except KeyError:  # as many names, not the same ones
        return None


def _agreed_row_counts(columns: list[Column], records: int) -> list[int] | None:
    """Each record's row count, given every column; None when a record's columns disagree.

    A 0-d array (no rows) disagrees with everything; records without columns have 0 rows.
    """
    if not columns:
        return [0] * records
    rows = {column.shape[0] if column.shape else -1 for column in columns}
    if len(rows) == 1 and -1 not in rows:  # every array of every column has one shape: one row count
        return [rows.pop()] * records
    try:
        counts = list(map(len, columns[0].arrays))
        if all(list(map(len, column.arrays)) == counts for column in columns[1:]):
            return counts
    except TypeError:  # len() of a 0-d array
        pass
    return None


def _joined(arrays: list[npt.NDArray[np.generic]], shape: Shape) -> npt.NDArray[np.generic] | None:
    """Arrays of one ``shape`` end to end, their bytes joined; None unless of one plain dtype, C-ordered.

    For a thousand one-row arrays, a third of what ``numpy.concatenate`` costs: it sets
    up a copy for each array, where this checks the dtypes in one pass and joins the bytes.
    """
    dtype = arrays[0].dtype
    if dtype.kind not in _JOINABLE_KINDS or not dtype.itemsize:
        return None
    if list(map(_DTYPE, arrays)).count(dtype) != len(arrays):
        return None
    try:
        data = b"".join(arrays)  # type: ignore[arg-type]  # numpy arrays export their buffer
    except BufferError:  # not C-contiguous
        return None
    return np.frombuffer(data, dtype).reshape(len(arrays) * shape[0], *shape[1:])
