"""Queued requests of one model version as joined columns: :class:`CompactRecords`.

A record queued for the writer keeps its request's objects alive: its dicts, arrays,
id and floats, a kilobyte or so scattered over the heap. Kept by the thousand for the
writer's next drain, they cost the serving process more than any step of the log
itself: the memory each new request takes is no longer the memory the one before it
gave back, still in the CPU's caches, and freeing them later, all at once, misses the
caches again. Measured in one process with rounds alternating (as
``benchmarks/serving/log_breakdown.py`` does) before this module existed: records
queued 4,096 at a time and then dropped unwritten cost 3.5 µs a request more than
the same records dropped 16 at a time, and the whole log cost +10.5 to +11.5 µs a
request over no log, against 27 µs for the request without it.

So :class:`PredictionLog` compacts every ``COMPACT_RECORDS`` requests of one model
version into one :class:`CompactRecords` while their objects are still warm: each
column's arrays joined end to end, the ids joined in one string (:mod:`joined_texts`),
the latencies in an array, the other fields in tuples. The records are then freed
where they were made. It is work the writer did anyway, done earlier (no
per-request pass is left for the writer); with it the whole log costs +6.4 to +8.7
µs a request in the same measurement (``log_breakdown.py``). Records that do not share column
names, dtypes and row shapes, or whose columns disagree on rows, stay records: the
writer checks them one by one as before and reports the broken ones.

A :class:`CompactRecords` is still a sequence of :class:`PredictionRecord`
(rebuilt on access, their columns views of the joined ones), so a sink that reads
records one by one (PostgreSQL) needs nothing new; the Parquet sink reads its columns.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np
import numpy.typing as npt

from inferd.telemetry.prediction_log.checked_records import RecordFields, shared_columns
from inferd.telemetry.prediction_log.joined_texts import JoinedTexts
from inferd.telemetry.prediction_log.record import Columns, PredictionRecord

COMPACT_RECORDS = 128  # requests per compaction: warm in the caches still (a few hundred KB at most)


@dataclass(frozen=True)
class CompactRecords(Sequence[PredictionRecord]):
    """Requests of one model version with the same columns, joined: ``inputs`` and ``outputs`` hold all rows.

    ``row_counts[i]`` is request i's row count; its rows are ``starts[i]:starts[i + 1]``.
    """

    fields: RecordFields
    row_counts: list[int]
    inputs: Columns
    outputs: Columns
    starts: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = np.zeros(len(self.row_counts) + 1, dtype=np.int64)
        np.cumsum(self.row_counts, out=starts[1:])
        object.__setattr__(self, "starts", starts)

    @classmethod
    def of(cls, records: Sequence[PredictionRecord]) -> CompactRecords | None:
        """``records`` compacted; None unless they share columns (names, dtypes, row shapes) and rows agree.

        The caller groups them by model version first.
        """
        shared = shared_columns(records)
        if shared is None or shared.columns is None or not records:
            return None
        columns = shared.columns
        try:
            inputs = {name: column.concatenated() for name, column in columns.inputs.items()}
            outputs = {name: column.concatenated() for name, column in columns.outputs.items()}
        except (TypeError, ValueError):  # a dtype (TypeError) or a row shape (ValueError) differs
            return None
        fields = columns.fields
        ids = JoinedTexts.of(fields.prediction_ids)
        fields = dataclasses.replace(  # one object each, not one a request (see joined_texts)
            fields,
            prediction_ids=fields.prediction_ids if ids is None else ids,
            latencies_s=np.fromiter(fields.latencies_s, np.float64, len(fields.latencies_s)),
        )
        return cls(fields, shared.row_counts, inputs, outputs)

    @classmethod
    def joined(cls, parts: Sequence[CompactRecords]) -> CompactRecords:
        """``parts`` end to end; they must share :meth:`key` (the writer checks)."""
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        return cls(
            RecordFields.joined([part.fields for part in parts]),
            list(itertools.chain.from_iterable(part.row_counts for part in parts)),
            {name: np.concatenate([part.inputs[name] for part in parts]) for name in first.inputs},
            {name: np.concatenate([part.outputs[name] for part in parts]) for name in first.outputs},
        )

    def key(self) -> Hashable:
        """What must match for two to be joined: model, version, column names, dtypes and row shapes."""
        fields = self.fields
        return (
            fields.models[0],
            fields.versions[0],
            tuple((name, values.dtype.str, values.shape[1:]) for name, values in self.inputs.items()),
            tuple((name, values.dtype.str, values.shape[1:]) for name, values in self.outputs.items()),
        )

    @property
    def rows(self) -> int:
        return int(self.starts[-1])

    def part(self, start: int, end: int) -> CompactRecords:
        """Requests ``start`` to ``end`` (views of the joined columns)."""
        first, last = int(self.starts[start]), int(self.starts[end])
        return CompactRecords(
            self.fields.part(start, end),
            self.row_counts[start:end],
            {name: values[first:last] for name, values in self.inputs.items()},
            {name: values[first:last] for name, values in self.outputs.items()},
        )

    def __len__(self) -> int:
        return len(self.row_counts)

    @overload
    def __getitem__(self, index: int) -> PredictionRecord: ...

    @overload
    def __getitem__(self, index: slice) -> list[PredictionRecord]: ...

    def __getitem__(self, index: int | slice) -> PredictionRecord | list[PredictionRecord]:
        if isinstance(index, slice):
            return [self._record(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._record(index)

    def __iter__(self) -> Iterator[PredictionRecord]:
        return map(self._record, range(len(self)))

    def _record(self, index: int) -> PredictionRecord:
        """Request ``index`` as a record (already masked: no PII fields left to mask)."""
        fields = self.fields
        first, last = int(self.starts[index]), int(self.starts[index + 1])
        return PredictionRecord(
            fields.prediction_ids[index],
            float(fields.times_s[index]),
            fields.models[index],
            fields.versions[index],
            {name: values[first:last] for name, values in self.inputs.items()},
            {name: values[first:last] for name, values in self.outputs.items()},
            float(fields.latencies_s[index]),
            fields.trace_ids[index],
            frozenset(),
            fields.degraded[index],
        )


Queued = list[CompactRecords | PredictionRecord]  # what the log queues and the writer drains, oldest first


def compacted(records: list[PredictionRecord]) -> Queued:
    """``records`` compacted by model version; those that cannot be, as they are (oldest first in each).

    Never raises: it runs inside ``submit``, and whatever it cannot compact the writer checks itself.
    """
    try:
        groups = _by_version(records)
    except Exception:
        return list(records)
    items: Queued = []
    for group in groups:
        try:
            compact = CompactRecords.of(group)
        except Exception:  # not only the dtype and shape errors: one odd request must not lose the rest
            compact = None
        if compact is None:
            items.extend(group)
        else:
            items.append(compact)
    return items


def _by_version(records: list[PredictionRecord]) -> list[list[PredictionRecord]]:
    models, versions = [record.model for record in records], [record.version for record in records]
    if models.count(models[0]) == len(records) and versions.count(versions[0]) == len(records):
        return [records]  # the usual case: one model version
    groups: dict[tuple[str, int], list[PredictionRecord]] = {}
    for record, key in zip(records, zip(models, versions, strict=True), strict=True):
        groups.setdefault(key, []).append(record)
    return list(groups.values())
