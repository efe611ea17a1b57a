"""The prediction log's background writer: one thread that drains the buffer into the sink.

It wakes every ``flush_interval_s`` (or sooner when the buffer passes half full),
takes everything queued, and hands it to the sink in one write. A failed write is
counted (``failed``, in requests) and logged once per burst of failures, with one more
line when writing recovers; the thread carries on with the next batch. Stopping wakes
it for a last drain, so whatever was accepted before the log closed gets written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from inferd.telemetry.prediction_log.record import PredictionRecord
from inferd.telemetry.prediction_log.sink import PredictionSink

logger = logging.getLogger("inferd.telemetry.prediction_log")


class Writer:
    """Drains ``drain()`` into ``sink`` on its own thread; started and stopped by :class:`PredictionLog`."""

    def __init__(
        self, drain: Callable[[], list[PredictionRecord]], sink: PredictionSink, flush_interval_s: float
    ) -> None:
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

    def _flush(self, records: list[PredictionRecord]) -> None:
        records, rows = self._well_formed(records)
        try:
            self._sink.write(records)
        except Exception as exc:
            self.failed += len(records)
            self._on_failure(exc, len(records))
            return
        self.written_requests += len(records)
        self.written_rows += rows
        if records:
            self._on_success()

    def _well_formed(self, records: Sequence[PredictionRecord]) -> tuple[list[PredictionRecord], int]:
        """The records whose columns agree on their row count, and their rows; counts and logs the others."""
        kept: list[PredictionRecord] = []
        rows = 0
        for record in records:
            try:
                rows += record.row_count()
            except Exception as exc:
                self.failed += 1
                logger.error("prediction log: request not logged: %s", exc)
                continue
            kept.append(record)
        return kept, rows

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
