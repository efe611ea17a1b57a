"""A circuit breaker per dependency: stop calling what keeps failing, probe it now and then.

CLOSED lets every call through and watches the results. It opens after
``failure_threshold`` consecutive failures, or when the failures among the last
``window`` results reach ``failure_ratio`` (judged once at least ``window // 2``
results are in). OPEN refuses every call for ``reset_timeout_s``, then turns
HALF_OPEN and lets up to ``half_open_max_calls`` probes through: the first
probe that succeeds closes the breaker, one that fails opens it again. A probe
that never reports back frees its slot after another ``reset_timeout_s``.

The caller decides what a failure is: ``allow()`` (or ``guard()``) before the
call, ``record_success()`` or ``record_failure()`` after it. Thread-safe; the
CLOSED path of ``allow()`` takes no lock.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import deque
from collections.abc import Callable

from inferd.errors import InferdError, UnavailableError

StateListener = Callable[["CircuitBreaker", "BreakerState", "BreakerState"], None]


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(UnavailableError):
    """A call was refused because its dependency's breaker is open: 503 / UNAVAILABLE."""


class CircuitBreaker:
    """Guards calls to one dependency, named ``name`` in errors and state changes.

    ``clock`` returns monotonic seconds (injectable for tests). ``on_state_change``
    is called as ``(breaker, old_state, new_state)`` after each transition,
    outside the breaker's lock; it must be quick and must not raise.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        failure_ratio: float | None = 0.5,
        window: int = 20,
        reset_timeout_s: float = 5.0,
        half_open_max_calls: int = 1,
        clock: Callable[[], float] = time.monotonic,
        on_state_change: StateListener | None = None,
    ) -> None:
        _check(failure_threshold, failure_ratio, window, reset_timeout_s, half_open_max_calls)
        self.name = name
        self.failure_threshold = failure_threshold
        self.failure_ratio = failure_ratio
        self.window = window
        self.min_calls = max(1, window // 2)
        self.reset_timeout_s = reset_timeout_s
        self.half_open_max_calls = half_open_max_calls
        self._clock = clock
        self._on_state_change = on_state_change
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._results: deque[bool] = deque(maxlen=window)  # True = failure
        self._window_failures = 0
        self._consecutive = 0
        self._changed_at = clock()
        self._probes = 0
        self._reason = ""

    @property
    def state(self) -> BreakerState:
        """The state now (an OPEN breaker whose timeout has passed reads HALF_OPEN)."""
        if self._state is BreakerState.OPEN:
            with self._lock:
                change = self._expire_open()
            self._notify(change)
        return self._state

    def allow(self) -> bool:
        """Whether a call may go to the dependency now; a True in HALF_OPEN takes a probe slot."""
        if self._state is BreakerState.CLOSED:
            return True
        with self._lock:
            change = self._expire_open()
            allowed = self._take_probe()
        self._notify(change)
        return allowed

    def guard(self) -> None:
        """Return if :meth:`allow` does, else raise :class:`CircuitOpenError` saying when it retries."""
        if self.allow():
            return
        wait_s = max(0.0, self._changed_at + self.reset_timeout_s - self._clock())
        raise CircuitOpenError(
            f"{self.name} is unavailable: its circuit breaker is open ({self._reason}); "
            f"the next attempt goes through in {wait_s:.1f} s"
        )

    def record_success(self) -> None:
        """The last allowed call succeeded."""
        with self._lock:
            change = None
            if self._state is BreakerState.HALF_OPEN:
                change = self._move(BreakerState.CLOSED, "")
            elif self._state is BreakerState.CLOSED:
                self._consecutive = 0
                self._add_result(failed=False)
        self._notify(change)

    def record_failure(self) -> None:
        """The last allowed call failed (a result arriving while OPEN, from before it opened, is ignored)."""
        with self._lock:
            change = None
            if self._state is BreakerState.HALF_OPEN:
                change = self._move(BreakerState.OPEN, "a probe call failed")
            elif self._state is BreakerState.CLOSED:
                self._consecutive += 1
                self._add_result(failed=True)
                reason = self._open_reason()
                if reason:
                    change = self._move(BreakerState.OPEN, reason)
        self._notify(change)

    def _add_result(self, *, failed: bool) -> None:
        if len(self._results) == self.window and self._results[0]:
            self._window_failures -= 1
        self._results.append(failed)
        self._window_failures += failed

    def _open_reason(self) -> str:
        if self._consecutive >= self.failure_threshold:
            return f"{self._consecutive} consecutive failures"
        seen = len(self._results)
        ratio = self.failure_ratio
        if ratio is not None and seen >= self.min_calls and self._window_failures >= ratio * seen:
            return f"{self._window_failures} failures in the last {seen} calls"
        return ""

    def _expire_open(self) -> tuple[BreakerState, BreakerState] | None:
        now = self._clock()
        if now < self._changed_at + self.reset_timeout_s:
            return None
        if self._state is BreakerState.OPEN:
            return self._move(BreakerState.HALF_OPEN, self._reason)
        if self._state is BreakerState.HALF_OPEN and self._probes >= self.half_open_max_calls:
            self._probes = 0  # the probes never reported back: let new ones through
            self._changed_at = now
        return None

    def _take_probe(self) -> bool:
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.HALF_OPEN and self._probes < self.half_open_max_calls:
            self._probes += 1
            return True
        return False

    def _move(self, new: BreakerState, reason: str) -> tuple[BreakerState, BreakerState]:
        old, self._state = self._state, new
        self._changed_at = self._clock()
        self._reason = reason
        self._probes = 0
        if new is BreakerState.CLOSED:
            self._results.clear()
            self._window_failures = 0
            self._consecutive = 0
        return old, new

    def _notify(self, change: tuple[BreakerState, BreakerState] | None) -> None:
        if change is not None and self._on_state_change is not None:
            self._on_state_change(self, *change)

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, state={self._state.value})"


def _check(threshold: int, ratio: float | None, window: int, reset_s: float, probes: int) -> None:
    if threshold < 1 or window < 1 or probes < 1:
        raise InferdError(
            "CircuitBreaker: failure_threshold, window and half_open_max_calls must be at least 1, "
            f"got {threshold}, {window} and {probes}"
        )
    if ratio is not None and not 0.0 < ratio <= 1.0:
        raise InferdError(f"CircuitBreaker: failure_ratio must be in (0, 1] or None, got {ratio}")
    if reset_s <= 0:
        raise InferdError(f"CircuitBreaker: reset_timeout_s must be positive, got {reset_s}")
