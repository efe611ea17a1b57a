"""The prediction log's background writer: one thread that drains the buffer into the sink.

It wakes every ``flush_interval_s`` (or sooner when the buffer passes half full),
takes everything queued, checks it (a request whose columns disagree on their row
count is counted failed and logged) and hands it to the sink in chunks. A failed write
is counted (``failed``, in requests) and logged once per burst of failures, with one
more line when writing recovers; the thread carries on with the next chunk. Stopping
wakes it for a last drain, so whatever was accepted before the log closed gets written.

The writer shares the GIL with the event loop that serves requests. A thread running
Python keeps the GIL until another has waited a whole switch interval (5 ms), so a
drain written in one go would stall every request in flight by that much, again and
again. The writer therefore writes a drain in chunks of at most ``CHUNK_ROWS`` rows
(and, of requests the log could not compact, ``CHUNK_RECORDS`` requests, which it
checks one by one) and sleeps between chunks: ``time.sleep(0)`` lets go of the GIL
for the kernel's shortest sleep (tens of µs), long enough for a waiting thread to
take it (``os.sched_yield`` is not: the yielding thread takes the GIL straight
back). Most of a drain comes compacted (:mod:`compact_records`): consecutive compact
batches of one model version are joined into a chunk, with no work per request left.
While the event loop is busy, each chunk waits for the GIL, up to a switch interval;
so that a writer far behind does not fall further behind, a drain is cut into at
most ``MAX_CHUNKS_PER_DRAIN`` chunks, larger ones when the drain is larger than usual.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from typing import TypeVar, cast

from inferd.telemetry.prediction_log.checked_records import CheckedRecords
from inferd.telemetry.prediction_log.compact_records import CompactRecords, Queued
from inferd.telemetry.prediction_log.record import PredictionRecord
from inferd.telemetry.prediction_log.sink import PredictionSink

logger = logging.getLogger("inferd.telemetry.prediction_log")

CHUNK_RECORDS = 256
CHUNK_ROWS = 2048
MAX_CHUNKS_PER_DRAIN = 32  # 8192 requests: more than the default buffer holds at half full
_Chunk = TypeVar("_Chunk", CheckedRecords, CompactRecords)


class Writer:
    """Drains ``drain()`` into ``sink`` on its own thread; started and stopped by :class:`PredictionLog`."""

    def __init__(self, drain: Callable[[], Queued], sink: PredictionSink, flush_interval_s: float) -> None:
        self.wake = threading.Event()
        self.written_requests = 0
        self.written_rows = 0
        self.failed = 0
        self._drain = drain
        self._sink = sink
        self._flush_interval_s = flush_interval_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._burst_failures = 0
        self._burst_lost = 0

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="inferd-prediction-log", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float) -> bool:
        """Write what is queued, close the sink, and stop; False when ``timeout_s`` ran out first.

        A writer that was never started does its last drain in the calling thread.
        """
        self._stopping.set()
        self.wake.set()
        if self._thread is None:
            self._finish()
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            self.wake.wait(self._flush_interval_s)
            self.wake.clear()
            stopping = self._stopping.is_set()  # read before draining: nothing is queued after stop
            if stopping:
                break
            self._flush(self._drain())
        self._finish()

    def _finish(self) -> None:
        self._flush(self._drain())
        try:
            self._sink.close()
        except Exception as exc:
            logger.error(
                "prediction log: closing %s failed, rows it still held are lost: %s", self._name, exc
            )

    def _flush(self, items: Queued) -> None:
        """Write ``items`` chunk by chunk, letting go of the GIL in between (see the module docstring)."""
        if not items:
            self._write(CheckedRecords([], []))  # so that the sink can close files that are due
            return
        for index, chunk in enumerate(self._chunks(items)):
            if index:
                time.sleep(0)
            self._write(chunk)

    def _chunks(self, items: Queued) -> Iterator[CheckedRecords | CompactRecords]:
        """``items`` in chunks: compact batches joined, records checked (see :meth:`_record_chunks`).

        Each bound grows for a drain of more than MAX_CHUNKS_PER_DRAIN chunks' worth.
        """
        # Runs of one kind, grouped by ``type`` (a C call): a Python pass over a drain of thousands
        # of records held the GIL for milliseconds in one stretch, longer than any chunk.
        runs = [(kind is CompactRecords, list(run)) for kind, run in itertools.groupby(items, key=type)]
        compacted_rows = sum(
            compact.rows
            for is_compact, run in runs
            if is_compact
            for compact in cast("list[CompactRecords]", run)
        )
        records = sum(len(run) for is_compact, run in runs if not is_compact)
        scale = max(  # 1 unless far behind
            1,
            -(-compacted_rows // (CHUNK_ROWS * MAX_CHUNKS_PER_DRAIN)),
            -(-records // (CHUNK_RECORDS * MAX_CHUNKS_PER_DRAIN)),
        )
        for is_compact, run in runs:
            if is_compact:
                yield from _compact_chunks(cast("list[CompactRecords]", run), CHUNK_ROWS * scale)
            else:
                yield from self._record_chunks(cast("list[PredictionRecord]", run), scale)

    def _record_chunks(self, records: list[PredictionRecord], scale: int) -> Iterator[CheckedRecords]:
        """The well-formed ``records`` in chunks of at most CHUNK_RECORDS requests and CHUNK_ROWS rows.

        A chunk has at least one request, however many rows that has. Counts and logs the others.
        """
        size, max_rows = CHUNK_RECORDS * scale, CHUNK_ROWS * scale
        for start in range(0, len(records), size):
            checked, errors = CheckedRecords.check(records[start : start + size])
            for error in errors:
                self.failed += 1
                logger.error("prediction log: request not logged: %s", error)
            yield from _row_bounded(checked, max_rows)

    def _write(self, records: CheckedRecords | CompactRecords) -> None:
        try:
            self._sink.write(records)
        except Exception as exc:
            self.failed += len(records)
            self._on_failure(exc, len(records))
            return
        self.written_requests += len(records)
        self.written_rows += records.rows
        if records:
            self._on_success()

    def _on_failure(self, exc: Exception, lost: int) -> None:
        if not self._burst_failures:
            logger.warning(
                "prediction log: writing %d requests to %s failed (%s: %s); further failures are only "
                "counted (stats.failed) until a write succeeds",
                lost,
                self._name,
                type(exc).__name__,
                exc,
            )
        self._burst_failures += 1
        self._burst_lost += lost

    def _on_success(self) -> None:
        if self._burst_failures:
            logger.warning(
                "prediction log: writing to %s works again after %d failed writes (%d requests lost)",
                self._name,
                self._burst_failures,
                self._burst_lost,
            )
        self._burst_failures = self._burst_lost = 0

    @property
    def _name(self) -> str:
        return repr(self._sink)


def _compact_chunks(compacts: list[CompactRecords], max_rows: int) -> Iterator[CompactRecords]:
    """Consecutive compact batches of one model version and its columns joined, up to ``max_rows`` rows."""
    pending: list[CompactRecords] = []
    pending_key: Hashable = None
    rows = 0
    for compact in compacts:
        key = compact.key()
        if pending and (rows + compact.rows > max_rows or key != pending_key):
            yield CompactRecords.joined(pending)
            pending, rows = [], 0
        if compact.rows > max_rows:  # large requests: cut between them, as for records
            yield from _row_bounded(compact, max_rows)
            continue
        pending.append(compact)
        pending_key = key
        rows += compact.rows
    if pending:
        yield CompactRecords.joined(pending)


def _row_bounded(chunk: _Chunk, max_rows: int) -> Iterator[_Chunk]:
    """``chunk`` as it is, or cut between requests into parts of at most ``max_rows`` rows or one request."""
    if chunk.rows <= max_rows:
        yield chunk
        return
    ends: list[int] = _row_bounded_ends(chunk.row_counts, max_rows)
    for begin, end in itertools.pairwise([0, *ends]):
        yield chunk.part(begin, end)


def _row_bounded_ends(counts: list[int], max_rows: int) -> list[int]:
    """Where to cut requests of ``counts`` rows into pieces of at most ``max_rows`` rows (or one request)."""
    ends: list[int] = []
    rows = 0
    for index, count in enumerate(counts):
        if rows and rows + count > max_rows:
            ends.append(index)
            rows = 0
        rows += count
    ends.append(len(counts))
    return ends
