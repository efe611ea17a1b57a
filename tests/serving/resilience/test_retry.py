"""Retries with jittered backoff, driven by a fake clock and a recording sleep."""

from __future__ import annotations

import asyncio
import random

import pytest

from inferd.errors import DeadlineExceededError, InferdError, InvalidInputError, UnavailableError
from inferd.serving.resilience import backoff_delay_s, retry_async


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now_s = 50.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now_s

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now_s += seconds


class Flaky:
    """Fails ``failures`` times with ``error``, then answers ``"ok"``."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or UnavailableError("store down")
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


def run(fn: Flaky, fake: FakeTime, **options: object) -> str:
    settings: dict[str, object] = {"retry_on": (UnavailableError,), "clock": fake.clock, "sleep": fake.sleep}
    settings.update(options)
    return asyncio.run(retry_async(fn, **settings))  # type: ignore[arg-type]


def test_a_failure_then_a_success_answers() -> None:
    fake, fn = FakeTime(), Flaky(2)
    assert run(fn, fake, attempts=3) == "ok"
    assert fn.calls == 3
    assert len(fake.sleeps) == 2


def test_it_gives_up_after_the_attempts_with_the_last_error() -> None:
    fake, fn = FakeTime(), Flaky(10)
    with pytest.raises(UnavailableError, match="store down"):
        run(fn, fake, attempts=4)
    assert fn.calls == 4
    assert len(fake.sleeps) == 3


def test_errors_it_was_not_told_to_retry_propagate_at_once() -> None:
    fake, fn = FakeTime(), Flaky(1, InvalidInputError("bad key"))
    with pytest.raises(InvalidInputError):
        run(fn, fake, attempts=5)
    assert fn.calls == 1
    assert fake.sleeps == []


def test_backoff_doubles_up_to_its_cap_without_jitter() -> None:
    fake = FakeTime()
    with pytest.raises(UnavailableError):
        run(Flaky(10), fake, attempts=6, base_delay_s=0.01, max_delay_s=0.05, jitter=0.0)
    assert fake.sleeps == pytest.approx([0.01, 0.02, 0.04, 0.05, 0.05])


def test_jittered_pauses_stay_in_range_and_vary() -> None:
    rng = random.Random(7)
    for jitter in (1.0, 0.3):
        delays = [
            backoff_delay_s(retry, base_delay_s=0.01, max_delay_s=0.2, jitter=jitter, rng=rng)
            for retry in range(1, 200)
        ]
        ceilings = [min(0.2, 0.01 * 2 ** (retry - 1)) for retry in range(1, 200)]
        assert all(c * (1 - jitter) <= d <= c for d, c in zip(delays, ceilings, strict=True))
        assert len(set(delays)) > 150


def test_seeded_jitter_is_reproducible() -> None:
    first, second = FakeTime(), FakeTime()
    for fake in (first, second):
        with pytest.raises(UnavailableError):
            run(Flaky(10), fake, attempts=5, rng=random.Random(3))
    assert first.sleeps == second.sleeps
    assert all(0 <= s <= 0.2 for s in first.sleeps)


def test_it_never_sleeps_past_the_deadline() -> None:
    fake, fn = FakeTime(), Flaky(10)
    deadline = fake.now_s + 0.025
    with pytest.raises(UnavailableError):
        run(fn, fake, attempts=10, base_delay_s=0.01, jitter=0.0, deadline=deadline)
    assert fake.sleeps == pytest.approx([0.01])  # the next pause (0.02) would have ended past it
    assert fake.now_s < deadline
    assert fn.calls == 2


def test_a_deadline_already_passed_calls_nothing() -> None:
    fake, fn = FakeTime(), Flaky(0)
    with pytest.raises(DeadlineExceededError, match="deadline passed before calling"):
        run(fn, fake, deadline=fake.now_s - 1)
    assert fn.calls == 0


def test_with_the_real_clock_and_sleep() -> None:
    fn = Flaky(2)
    result = asyncio.run(retry_async(fn, retry_on=(UnavailableError,), base_delay_s=0.001, max_delay_s=0.002))
    assert result == "ok"


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"attempts": 0}, "attempts must be at least 1"),
        ({"base_delay_s": 0.5, "max_delay_s": 0.1}, "base_delay_s <= max_delay_s"),
        ({"jitter": 2.0}, r"jitter must be in \[0, 1\]"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, object], match: str) -> None:
    with pytest.raises(InferdError, match=match):
        run(Flaky(0), FakeTime(), **options)
