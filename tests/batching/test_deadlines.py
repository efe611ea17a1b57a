"""Deadline timers shared per millisecond: never early, at most a tick late, gone once answered."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from inferd.batching.deadlines import TICK_S, Deadlines

from .fakes import run


@dataclass(eq=False)
class Request:
    deadline_s: float
    deadline_tick: int | None = None
    expired_at_s: float | None = None


def test_requests_expire_after_their_deadline_and_at_most_a_tick_later() -> None:
    async def body() -> None:
        expired: list[Request] = []

        def expire(request: Request) -> None:
            request.expired_at_s = time.monotonic()
            expired.append(request)

        deadlines: Deadlines[Request] = Deadlines(expire)
        now = time.monotonic()
        requests = [Request(now + 0.010 + i * 0.0003) for i in range(20)]  # several to one tick
        for request in requests:
            deadlines.add(request, request.deadline_s)
        for _ in range(100):
            await asyncio.sleep(0.01)
            if len(expired) == len(requests):
                break
        assert sorted(map(id, expired)) == sorted(map(id, requests))
        lateness_s = []
        for request in requests:
            assert request.expired_at_s is not None
            assert request.expired_at_s >= request.deadline_s  # never early
            lateness_s.append(request.expired_at_s - request.deadline_s)
        # A tick late at most, give or take a busy machine's scheduling.
        assert sorted(lateness_s)[len(lateness_s) // 2] < TICK_S + 0.02, lateness_s

    run(body())


def test_an_answered_request_never_expires() -> None:
    async def body() -> None:
        expired: list[Request] = []
        deadlines: Deadlines[Request] = Deadlines(expired.append)
        now = time.monotonic()
        answered, waiting = Request(now + 0.005), Request(now + 0.005)
        deadlines.add(answered, answered.deadline_s)
        deadlines.add(waiting, waiting.deadline_s)
        deadlines.remove(answered)
        deadlines.remove(answered)  # twice: harmless
        await asyncio.sleep(0.030)
        assert expired == [waiting]
        assert answered.deadline_tick is None

    run(body())


def test_after_cancel_all_nothing_expires() -> None:
    async def body() -> None:
        expired: list[Request] = []
        deadlines: Deadlines[Request] = Deadlines(expired.append)
        requests = [Request(time.monotonic() + 0.005 * i) for i in range(1, 5)]
        for request in requests:
            deadlines.add(request, request.deadline_s)
        deadlines.cancel_all()
        await asyncio.sleep(0.040)
        assert expired == []
        assert all(request.deadline_tick is None for request in requests)

    run(body())
