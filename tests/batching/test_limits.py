"""Bounds and deadlines: refuse at once when full, fail at the deadline, spare the others."""

from __future__ import annotations

import asyncio
import time

import pytest

from inferd.batching import Batcher, BatchingSettings
from inferd.errors import DeadlineExceededError, OverloadedError, PayloadTooLargeError

from .fakes import FakeModel, RecordingObserver, check_answer, request_batch, run


def test_a_full_queue_refuses_at_once_with_retry_after_and_serves_the_rest() -> None:
    model = FakeModel(hold=1)
    observer = RecordingObserver()
    config = BatchingSettings(max_batch_size=8, max_queue_rows=10)

    async def body() -> None:
        async with Batcher(model, config, observer=observer) as batcher:
            running = asyncio.ensure_future(batcher.submit(request_batch(0, 6)))
            await model.wait_started()  # running rows leave the queue
            queued = asyncio.ensure_future(batcher.submit(request_batch(1, 6)))
            await asyncio.sleep(0)
            assert batcher.queue_rows == 6
            started = time.monotonic()
            with pytest.raises(OverloadedError, match="overloaded: 6 rows are waiting") as refused:
                await batcher.submit(request_batch(2, 5))
            assert time.monotonic() - started < 0.05  # refused, not blocked
            assert refused.value.retry_after_s > 0
            assert batcher.queue_rows == 6
            model.release()
            check_answer(0, 6, await running)
            check_answer(1, 6, await queued)

    run(body())
    assert observer.rejections == ["overloaded"]


def test_a_request_larger_than_the_whole_queue_is_refused_as_too_large() -> None:
    async def body() -> None:
        async with Batcher(FakeModel(), BatchingSettings(max_queue_rows=100)) as batcher:
            with pytest.raises(PayloadTooLargeError, match=r"101 rows but .* queues at most 100"):
                await batcher.submit(request_batch(0, 101))
            check_answer(1, 100, await batcher.submit(request_batch(1, 100)))

    run(body())


def test_an_expired_deadline_fails_at_once() -> None:
    observer = RecordingObserver()
    model = FakeModel()

    async def body() -> None:
        async with Batcher(model, BatchingSettings(), observer=observer) as batcher:
            with pytest.raises(DeadlineExceededError):
                await batcher.submit(request_batch(0, 1), deadline=time.monotonic() - 0.001)

    run(body())
    assert observer.rejections == ["deadline"]
    assert model.calls == []


def test_a_deadline_passing_in_the_queue_fails_at_the_deadline_and_spares_the_requests_behind() -> None:
    model = FakeModel(hold=1)
    observer = RecordingObserver()

    async def body() -> None:
        async with Batcher(model, BatchingSettings(), observer=observer) as batcher:
            running = asyncio.ensure_future(batcher.submit(request_batch(0, 1)))
            await model.wait_started()
            submitted = time.monotonic()
            doomed = asyncio.ensure_future(batcher.submit(request_batch(1, 3), deadline=submitted + 0.05))
            behind = asyncio.ensure_future(batcher.submit(request_batch(2, 2), deadline=submitted + 60))
            with pytest.raises(DeadlineExceededError, match="deadline passed after"):
                await doomed
            # At its deadline, while the worker is still busy, not after the next call.
            assert time.monotonic() - submitted < 0.5
            assert not running.done()
            assert batcher.queue_rows == 2
            model.release()
            check_answer(0, 1, await running)
            check_answer(2, 2, await behind)

    run(body())
    assert observer.rejections == ["deadline"]
    assert model.call_rows == [1, 2]


def test_a_cancelled_request_leaves_the_queue() -> None:
    model = FakeModel(hold=1)

    async def body() -> None:
        async with Batcher(model, BatchingSettings()) as batcher:
            running = asyncio.ensure_future(batcher.submit(request_batch(0, 1)))
            await model.wait_started()
            abandoned = asyncio.ensure_future(batcher.submit(request_batch(1, 5)))
            kept = asyncio.ensure_future(batcher.submit(request_batch(2, 2)))
            await asyncio.sleep(0)
            assert batcher.queue_rows == 7
            abandoned.cancel()
            await asyncio.sleep(0)
            assert batcher.queue_rows == 2
            model.release()
            await running
            check_answer(2, 2, await kept)

    run(body())
    assert model.call_rows == [1, 2]
