"""When a free worker should send the rows that are waiting.

The policy is adaptive: it holds rows back only when that is likely to fill the batch.

- Send at once when the queue holds ``max_batch_size`` rows or exactly a preferred
  size, when batching is off, or when ``max_delay_us`` is 0.
- Send at once when nothing suggests more is coming: the last request arrived at an
  idle batcher (nothing queued, nothing running). A lone request, or a client that
  waits for each answer before sending the next, is never held back.
- Otherwise requests are streaming in while the model works. Wait for more, but only
  while they keep coming at their usual pace (until ``QUIET_GAPS`` usual gaps pass
  with no arrival) and never past ``max_delay_us`` after the OLDEST waiting request
  arrived: a new arrival never restarts that clock.

While every worker is busy no policy is consulted at all: rows accumulate and the
next call simply takes what has gathered, up to ``max_batch_size``.
"""

from __future__ import annotations

import math

from inferd.batching.settings import BatchingSettings

QUIET_GAPS = 2.0
"""How many usual inter-arrival gaps of silence mean "the burst is over"."""

MIN_WAIT_S = 50e-6
"""Waits shorter than this are not worth a timer: send now."""

_GAP_WEIGHT = 0.25  # weight of the newest gap in the moving average


class DispatchPolicy:
    """Decides, from arrival times alone, when queued rows should go to the model.

    Pure bookkeeping with no clock of its own: every method takes ``now_s``
    (``time.monotonic()`` seconds), which keeps it deterministic to test.
    """

    def __init__(self, settings: BatchingSettings) -> None:
        self._max_rows = settings.max_batch_size
        self._preferred = frozenset(settings.preferred_batch_sizes)
        self._max_delay_s = settings.max_delay_s
        self._never_waits = not settings.enabled or settings.max_delay_us == 0
        self._last_arrival_s = -math.inf
        self._gap_s: float | None = None

    @property
    def usual_gap_s(self) -> float | None:
        """The moving average of gaps between arrivals at a busy batcher; None when idle."""
        return self._gap_s

    def on_arrival(self, now_s: float, *, is_busy: bool) -> None:
        """Record an accepted request; ``is_busy`` says whether rows were queued or running."""
        if not is_busy:
            self._gap_s = None
        elif self._gap_s is None:
            self._gap_s = now_s - self._last_arrival_s
        else:
            self._gap_s += _GAP_WEIGHT * (now_s - self._last_arrival_s - self._gap_s)
        self._last_arrival_s = now_s

    def dispatch_at(self, now_s: float, queued_rows: int, oldest_arrival_s: float) -> float:
        """When a free worker should send the queued rows: ``now_s`` or a later time.

        The caller re-asks after every arrival, so the answer only needs to hold
        until the next one.
        """
        if (
            self._never_waits
            or self._gap_s is None
            or queued_rows >= self._max_rows
            or queued_rows in self._preferred
        ):
            return now_s
        deadline_s = oldest_arrival_s + self._max_delay_s
        quiet_s = self._last_arrival_s + QUIET_GAPS * self._gap_s
        when_s = min(deadline_s, quiet_s)
        return now_s if when_s - now_s < MIN_WAIT_S else when_s
