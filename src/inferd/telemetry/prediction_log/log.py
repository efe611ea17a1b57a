"""The prediction log's owner: :class:`PredictionLog` takes records on the request path.

:meth:`PredictionLog.submit` is what a request pays: a sampling draw, PII masking
when the record has PII fields (so raw values never reach the buffer, let alone a
file, a table or a log line), and an append to a bounded buffer under a lock; never
blocking, never raising. A full buffer drops the request and counts it. Every
``COMPACT_RECORDS`` requests, ``submit`` compacts the newest ones into joined columns
while their objects are still warm (see :mod:`compact_records` for why, and what it
saves). The :class:`Writer` thread drains the buffer once per flush interval, or
sooner when it passes half full. ``start()`` starts that thread; ``close()`` stops
accepting, writes what was accepted and closes the sink.

Accepted requests are counted as what the writer has taken plus what is queued.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from inferd.telemetry.prediction_log.compact_records import COMPACT_RECORDS, Queued, compacted
from inferd.telemetry.prediction_log.masking import PiiMasker
from inferd.telemetry.prediction_log.record import PredictionRecord
from inferd.telemetry.prediction_log.settings import PredictionLogSettings
from inferd.telemetry.prediction_log.sink import PredictionSink, open_sink
from inferd.telemetry.prediction_log.writer import Writer

logger = logging.getLogger("inferd.telemetry.prediction_log")


@dataclass(frozen=True)
class PredictionLogStats:
    """Counts, in requests unless named rows, since the log was made.

    Every submitted request ends in exactly one of ``sampled_out``, ``dropped`` (buffer
    full, or the log closed), ``queued``, ``written_requests`` or ``failed`` (the sink
    refused it, or it could not be masked or split into rows); the sum is exact whenever
    the writer is between batches, and always after :meth:`PredictionLog.close`.
    """

    submitted: int
    sampled_out: int
    dropped: int
    queued: int
    written_requests: int
    written_rows: int
    failed: int

    @property
    def unfinished(self) -> int:
        """Accepted requests neither written nor failed yet: queued, or in the writer's hands."""
        return self.submitted - self.sampled_out - self.dropped - self.written_requests - self.failed


class PredictionLog:
    """Samples, masks and buffers prediction records; a :class:`Writer` thread writes them to ``sink``.

    Raises :class:`InvalidInputError` when PII is to be hashed without a key. ``rng``
    (a seeded :class:`random.Random`) makes sampling repeatable in tests.
    """

    def __init__(
        self, settings: PredictionLogSettings, sink: PredictionSink, *, rng: random.Random | None = None
    ) -> None:
        self.settings = settings
        self._masker = PiiMasker(settings.pii_mode, settings.pii_key)
        self._sample_rate = settings.sample_rate
        self._random = (rng or random.Random()).random
        self._capacity = settings.buffer_records
        self._wake_at = max(1, settings.buffer_records // 2)
        self._lock = threading.Lock()
        self._compacted: Queued = []
        self._fresh: list[PredictionRecord] = []  # not yet compacted, newer than all of the above
        self._queued = 0  # requests in both
        self._closed = False
        self._sampled_out = self._dropped = self._unmaskable = 0
        self._taken = 0  # records the writer has drained: accepted = taken + queued
        self._drops_seen = self._burst_drops = 0
        self._writer = Writer(self._drain, sink, settings.flush_interval_s)

    def start(self) -> None:
        """Start the writer thread. Records submitted before are kept and written then."""
        self._writer.start()

    def submit(self, record: PredictionRecord) -> bool:
        """Offer one request to the log; True when it was queued for writing.

        False when it was sampled out, the buffer was full, or the log is closed (each
        counted in :attr:`stats`). Never blocks and never raises.
        """
        try:
            if self._sample_rate < 1.0 and self._random() >= self._sample_rate:
                with self._lock:
                    self._sampled_out += 1
                return False
            if record.pii_fields:
                record = self._masked(record)
            lock = self._lock
            lock.acquire()  # not ``with``: its __enter__ and __exit__ cost a request 1k instructions more
            try:
                if self._closed or self._queued >= self._capacity:
                    self._dropped += 1
                    return False
                fresh = self._fresh
                fresh.append(record)
                self._queued = queued = self._queued + 1
                if len(fresh) >= COMPACT_RECORDS:
                    # Under the lock, so that a drain never misses requests being compacted: ~0.1 ms.
                    self._fresh = []
                    self._compacted.extend(compacted(fresh))
            finally:
                lock.release()
            if queued == self._wake_at:  # once, as the buffer passes half full: the writer takes it all
                self._writer.wake.set()
            return True
        except Exception as exc:
            self._count_unmaskable(record, exc)
            return False

    def close(self, timeout_s: float = 10.0) -> None:
        """Stop accepting, write everything accepted, close the sink; waits up to ``timeout_s``."""
        with self._lock:
            self._closed = True
        if not self._writer.stop(timeout_s):
            logger.error(
                "prediction log: the writer did not finish within %.1f s; %d unwritten requests may be lost",
                timeout_s,
                self.stats.unfinished,
            )

    @property
    def stats(self) -> PredictionLogStats:
        """A snapshot of the counters."""
        with self._lock:
            queued = self._queued
            return PredictionLogStats(
                submitted=self._sampled_out + self._dropped + self._unmaskable + self._taken + queued,
                sampled_out=self._sampled_out,
                dropped=self._dropped,
                queued=queued,
                written_requests=self._writer.written_requests,
                written_rows=self._writer.written_rows,
                failed=self._writer.failed + self._unmaskable,
            )

    def __enter__(self) -> PredictionLog:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _masked(self, record: PredictionRecord) -> PredictionRecord:
        fields = record.pii_fields
        return PredictionRecord(  # positional: cheaper than _replace
            record.prediction_id,
            record.time_s,
            record.model,
            record.version,
            self._masker.mask(record.inputs, fields),
            self._masker.mask(record.outputs, fields),
            record.latency_s,
            record.trace_id,
            fields,
            record.degraded,
        )

    def _count_unmaskable(self, record: PredictionRecord, exc: Exception) -> None:
        with self._lock:
            self._unmaskable += 1
        # The type only: a message about the data could quote the very values we mask.
        logger.error(
            "prediction log: request %s of %s not logged, masking failed (%s)",
            getattr(record, "prediction_id", "?"),
            getattr(record, "model", "?"),
            type(exc).__name__,
        )

    def _drain(self) -> Queued:
        """Everything queued, oldest first; called by the writer thread, which also reports drops."""
        with self._lock:
            items, fresh = self._compacted, self._fresh
            self._compacted, self._fresh = [], []
            self._taken += self._queued
            self._queued = 0
            dropped = self._dropped
        self._report_drops(dropped)
        items.extend(fresh)
        return items

    def _report_drops(self, dropped: int) -> None:
        new, self._drops_seen = dropped - self._drops_seen, dropped
        if new and not self._burst_drops:
            logger.warning(
                "prediction log: the buffer of %d requests is full; dropping requests (stats.dropped)",
                self._capacity,
            )
        elif not new and self._burst_drops:
            logger.warning(
                "prediction log: the buffer has room again; %d requests were dropped", self._burst_drops
            )
        self._burst_drops = self._burst_drops + new if new else 0


def open_prediction_log(settings: PredictionLogSettings, home: Path) -> PredictionLog | None:
    """The prediction log that ``settings`` describe (not started), or None when ``settings.sink`` is empty.

    ``home`` is ``INFERD_HOME``: the ``"parquet"`` sink writes under ``<home>/predictions``.
    Raises :class:`InvalidInputError` for an unknown sink or PII hashing without a key.
    Opens no file or connection: the writer does on its first write.
    """
    if not settings.is_enabled:
        return None
    PiiMasker(settings.pii_mode, settings.pii_key)  # refuses hashing without a key before any file opens
    sink = open_sink(
        settings.sink,
        home,
        table=settings.table,
        rotate_s=settings.rotate_s,
        rotate_rows=settings.rotate_rows,
    )
    return PredictionLog(settings, sink)
