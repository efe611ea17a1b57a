"""Records the writer has checked, seen column by column: :class:`CheckedRecords`.

The writer handles records by the thousand, nearly all from one served version and
so with the same column names. For such a batch, :func:`shared_columns` gathers each
column's arrays and checks that every record's columns agree on their row count with
a few C-level passes (``map`` over the records), a few dozen nanoseconds a column per
record instead of a Python loop per record. The writer hands the result to the sink,
which builds its columns from it without looking at each record again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import overload

import numpy as np
import numpy.typing as npt

from inferd.telemetry.prediction_log.record import Columns, PredictionRecord

ColumnArrays = dict[str, list[npt.NDArray[np.generic]]]
_INPUTS, _OUTPUTS = attrgetter("inputs"), attrgetter("outputs")


@dataclass(frozen=True)
class RecordColumns:
    """The inputs and outputs of records that share column names: each column's arrays, one per record."""

    inputs: ColumnArrays
    outputs: ColumnArrays

    def part(self, start: int, end: int) -> RecordColumns:
        """The columns of records ``start`` to ``end``."""
        return RecordColumns(
            {name: arrays[start:end] for name, arrays in self.inputs.items()},
            {name: arrays[start:end] for name, arrays in self.outputs.items()},
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
    each one), or its columns disagree on rows (:meth:`PredictionRecord.row_count` says how).
    ``records`` that are already :class:`CheckedRecords` with columns come back as they are.
    """
    if isinstance(records, CheckedRecords) and records.columns is not None:
        return records
    inputs, outputs = _by_name(records, _INPUTS), _by_name(records, _OUTPUTS)
    if inputs is None or outputs is None:
        return None
    counts = _agreed_row_counts([*inputs.values(), *outputs.values()], len(records))
    if counts is None:
        return None
    return CheckedRecords(list(records), counts, RecordColumns(inputs, outputs))


def row_counts(records: Sequence[PredictionRecord]) -> list[int]:
    """Each record's row count: known already for :class:`CheckedRecords`, else asked of each record.

    Raises :class:`InvalidInputError` for a record whose columns disagree on rows.
    """
    if isinstance(records, CheckedRecords):
        return records.row_counts
    return [record.row_count() for record in records]


def _by_name(
    records: Sequence[PredictionRecord], side: Callable[[PredictionRecord], Columns]
) -> ColumnArrays | None:
    """One side's columns, each as its arrays in record order; None unless all have the first's names."""
    if not records:
        return {}
    batches: list[Columns] = list(map(side, records))
    names = batches[0]
    if list(map(len, batches)).count(len(names)) != len(batches):
        return None
    try:
        return {name: list(map(itemgetter(name), batches)) for name in names}
    except KeyError:  # as many names, not the same ones
        return None


def _agreed_row_counts(columns: list[list[npt.NDArray[np.generic]]], records: int) -> list[int] | None:
    """Each record's row count, given every column's arrays; None when a record's columns disagree.

    A 0-d array (no rows) disagrees with everything; records without columns have 0 rows.
    """
    if not columns:
        return [0] * records
    try:
        counts = list(map(len, columns[0]))
        if all(list(map(len, arrays)) == counts for arrays in columns[1:]):
            return counts
    except TypeError:  # len() of a 0-d array
        pass
    return None
