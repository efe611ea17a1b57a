"""The circuit breaker, driven by a fake clock."""

from __future__ import annotations

import time

import pytest

from inferd.errors import InferdError, UnavailableError
from inferd.serving.resilience import BreakerState, CircuitBreaker, CircuitOpenError


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


def breaker(clock: FakeClock, **options: object) -> CircuitBreaker:
    settings: dict[str, object] = {"failure_threshold": 3, "failure_ratio": None, "reset_timeout_s": 5.0}
    settings.update(options)
    return CircuitBreaker("feature-store", clock=clock, **settings)  # type: ignore[arg-type]


def fail(b: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        assert b.allow()
        b.record_failure()


def test_it_opens_after_n_consecutive_failures_and_refuses_calls() -> None:
    b = breaker(FakeClock())
    fail(b, 2)
    assert b.state is BreakerState.CLOSED
    fail(b, 1)
    assert b.state is BreakerState.OPEN
    assert not b.allow()
    with pytest.raises(
        CircuitOpenError, match=r"feature-store is unavailable.*3 consecutive failures"
    ) as info:
        b.guard()
    assert isinstance(info.value, UnavailableError)
    assert info.value.http_status == 503


def test_a_success_resets_the_consecutive_count() -> None:
    b = breaker(FakeClock())
    for _ in range(5):
        fail(b, 2)
        b.record_success()
    assert b.state is BreakerState.CLOSED


def test_it_opens_on_the_failure_ratio_over_the_window() -> None:
    b = breaker(FakeClock(), failure_threshold=100, failure_ratio=0.5, window=10)
    for _ in range(2):  # 2 of 4: under the minimum of window // 2 = 5 calls, still closed
        fail(b, 1)
        b.record_success()
    assert b.state is BreakerState.CLOSED
    fail(b, 1)  # 3 of 5
    assert b.state is BreakerState.OPEN


def test_old_results_leave_the_window() -> None:
    b = breaker(FakeClock(), failure_threshold=100, failure_ratio=0.5, window=4)
    fail(b, 1)
    for _ in range(3):
        b.record_success()
    for _ in range(10):  # one failure in every four calls: 25% < 50%
        b.record_success()
        b.record_success()
        b.record_success()
        fail(b, 1)
    assert b.state is BreakerState.CLOSED


def test_after_the_reset_timeout_one_probe_goes_through_and_its_success_closes_it() -> None:
    clock = FakeClock()
    changes: list[tuple[BreakerState, BreakerState]] = []
    b = breaker(clock, on_state_change=lambda _, old, new: changes.append((old, new)))
    fail(b, 3)
    clock.advance(4.9)
    assert not b.allow()
    clock.advance(0.2)
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow()  # the probe
    assert not b.allow()  # only one at a time
    b.record_success()
    assert b.state is BreakerState.CLOSED
    assert b.allow()
    assert changes == [
        (BreakerState.CLOSED, BreakerState.OPEN),
        (BreakerState.OPEN, BreakerState.HALF_OPEN),
        (BreakerState.HALF_OPEN, BreakerState.CLOSED),
    ]


def test_a_failed_probe_reopens_it_for_a_full_timeout() -> None:
    clock = FakeClock()
    b = breaker(clock)
    fail(b, 3)
    clock.advance(5.0)
    assert b.allow()
    b.record_failure()
    assert b.state is BreakerState.OPEN
    with pytest.raises(CircuitOpenError, match=r"a probe call failed.*in 5\.0 s"):
        b.guard()
    clock.advance(5.0)
    assert b.allow()


def test_several_probes_when_allowed_and_closing_forgets_the_past() -> None:
    clock = FakeClock()
    b = breaker(clock, half_open_max_calls=2)
    fail(b, 3)
    clock.advance(5.0)
    assert [b.allow(), b.allow(), b.allow()] == [True, True, False]
    b.record_success()
    assert b.state is BreakerState.CLOSED
    fail(b, 2)  # the failures before it opened do not count again
    assert b.state is BreakerState.CLOSED


def test_a_probe_that_never_reports_frees_its_slot_after_another_timeout() -> None:
    clock = FakeClock()
    b = breaker(clock)
    fail(b, 3)
    clock.advance(5.0)
    assert b.allow()  # its caller never records a result
    clock.advance(4.0)
    assert not b.allow()
    clock.advance(1.0)
    assert b.allow()


def test_results_of_calls_started_before_it_opened_are_ignored() -> None:
    clock = FakeClock()
    b = breaker(clock)
    fail(b, 3)
    b.record_success()
    b.record_failure()
    assert b.state is BreakerState.OPEN


def test_allow_is_cheap() -> None:
    b = CircuitBreaker("cheap")
    started = time.perf_counter()
    for _ in range(100_000):
        b.allow()
    closed_s = time.perf_counter() - started
    fail(b, 5)
    started = time.perf_counter()
    for _ in range(100_000):
        b.allow()
    open_s = time.perf_counter() - started
    assert closed_s < 0.2  # about 0.1 us a call
    assert open_s < 1.0


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"failure_threshold": 0}, "at least 1"),
        ({"failure_ratio": 1.5}, r"failure_ratio must be in \(0, 1\]"),
        ({"reset_timeout_s": 0}, "reset_timeout_s must be positive"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, object], match: str) -> None:
    with pytest.raises(InferdError, match=match):
        CircuitBreaker("x", **options)  # type: ignore[arg-type]
