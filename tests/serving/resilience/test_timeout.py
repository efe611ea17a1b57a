"""Bounded waits: a late dependency is a 503 that says what timed out."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from inferd.errors import InferdError, UnavailableError
from inferd.serving.resilience import DependencyTimeoutError, call_in_thread_with_timeout, call_with_timeout


async def answer() -> int:
    await asyncio.sleep(0)
    return 42


async def hang() -> int:
    await asyncio.sleep(10)
    return 0


def test_a_prompt_answer_comes_back_from_a_function_or_an_awaitable() -> None:
    assert asyncio.run(call_with_timeout(answer, 1.0)) == 42
    assert asyncio.run(call_with_timeout(answer(), 1.0)) == 42


def test_a_late_answer_is_a_503_naming_the_call_and_the_timeout() -> None:
    with pytest.raises(DependencyTimeoutError, match=r"timed out after 0\.05 s calling hang") as info:
        asyncio.run(call_with_timeout(hang, 0.05))
    assert isinstance(info.value, UnavailableError)
    assert info.value.http_status == 503


def test_the_late_call_is_cancelled() -> None:
    cancelled = []

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def main() -> None:
        with pytest.raises(DependencyTimeoutError, match=r"calling feature-store\.get"):
            await call_with_timeout(slow(), 0.02, name="feature-store.get")

    asyncio.run(main())
    assert cancelled == [True]


def test_a_blocking_call_in_a_thread_is_bounded_too() -> None:
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert call_in_thread_with_timeout(pool, lambda: 7, 1.0) == 7
        with pytest.raises(DependencyTimeoutError, match=r"timed out after 0\.05 s calling redis\.get"):
            call_in_thread_with_timeout(pool, lambda: release.wait(5), 0.05, name="redis.get")
        release.set()  # let the abandoned call end so the pool can shut down


def test_a_timeout_must_be_positive() -> None:
    with pytest.raises(InferdError, match="timeout_s must be positive"):
        asyncio.run(call_with_timeout(answer, 0))
