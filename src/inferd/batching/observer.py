"""What a batcher reports as it works: the seam for metrics and statistics.

Prometheus metrics and the Open Inference Protocol statistics extension implement
:class:`BatchObserver`; the batcher calls it on the event loop thread, so an
implementation must be quick and must not block.
"""

from __future__ import annotations

from typing import Protocol


class BatchObserver(Protocol):
    """Receives one event per model call and one per refused request."""

    def on_batch(self, rows: int, requests: int, queue_wait_s: float, compute_s: float) -> None:
        """One call of predict finished (successfully or not).

        ``rows`` and ``requests`` are what the call carried (a split request counts
        once in each call it is part of), ``queue_wait_s`` is how long its oldest
        request waited before the call started, ``compute_s`` how long predict ran.
        """

    def on_rejected(self, reason: str) -> None:
        """A request was refused: ``"overloaded"`` (queue full) or ``"deadline"``."""
