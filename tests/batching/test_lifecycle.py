"""Start, close and the settings: owned resources, draining, refusing when closed."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from inferd.batching import Batcher, BatchingSettings
from inferd.errors import InferdError, UnavailableError

from .fakes import FakeModel, RecordingObserver, check_answer, request_batch, run


def pool_threads(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def test_a_batcher_that_is_not_started_refuses_requests_and_starts_nothing() -> None:
    batcher = Batcher(FakeModel(), BatchingSettings(), name="cold")

    async def body() -> None:
        with pytest.raises(UnavailableError, match="model 'cold' is not started"):
            await batcher.submit(request_batch(0, 1))
        await batcher.close()

    run(body())
    assert pool_threads("inferd-batcher-cold") == []


def test_close_answers_what_is_queued_then_refuses_new_requests_and_stops_its_threads() -> None:
    model = FakeModel(delay_s=0.005)

    async def body() -> None:
        batcher = Batcher(model, BatchingSettings(max_batch_size=4), name="draining")
        await batcher.start()
        tasks = [asyncio.ensure_future(batcher.submit(request_batch(i, 3))) for i in range(20)]
        await asyncio.sleep(0)
        closing = asyncio.ensure_future(batcher.close())
        await asyncio.sleep(0)
        with pytest.raises(UnavailableError, match="shutting down"):
            await batcher.submit(request_batch(99, 1))
        await closing
        for i, task in enumerate(tasks):
            check_answer(i, 3, task.result())
        with pytest.raises(UnavailableError):
            await batcher.submit(request_batch(100, 1))

    run(body())
    assert sum(model.call_rows) == 60
    assert pool_threads("inferd-batcher-draining") == []


def test_close_gives_up_after_its_timeout_and_fails_what_is_left() -> None:
    model = FakeModel(hold=1)

    async def body() -> None:
        batcher = Batcher(model, BatchingSettings(), name="stuck")
        await batcher.start()
        running = asyncio.ensure_future(batcher.submit(request_batch(0, 1)))
        await model.wait_started()
        queued = asyncio.ensure_future(batcher.submit(request_batch(1, 1)))
        await asyncio.sleep(0)
        assert batcher.queue_rows == 1
        started = time.monotonic()
        try:
            await batcher.close(timeout_s=0.1)
        finally:
            model.release()
        assert time.monotonic() - started < 1.0
        for task in (running, queued):
            with pytest.raises(UnavailableError, match="closed before this request was answered"):
                await task

    run(body())


def test_a_given_executor_is_used_and_left_running() -> None:
    model = FakeModel()
    with ThreadPoolExecutor(2, thread_name_prefix="callers-pool") as executor:

        async def body() -> None:
            async with Batcher(model, BatchingSettings(instances=2), executor=executor) as batcher:
                check_answer(0, 4, await batcher.submit(request_batch(0, 4)))

        run(body())
        assert executor.submit(lambda: 42).result() == 42
        assert pool_threads("callers-pool")


def test_a_batcher_starts_only_once() -> None:
    async def body() -> None:
        async with Batcher(FakeModel(), BatchingSettings()) as batcher:
            with pytest.raises(InferdError, match="already started"):
                await batcher.start()

    run(body())


def test_with_batching_off_each_request_is_its_own_call_still_off_the_loop_and_bounded() -> None:
    model = FakeModel(hold=1)
    config = BatchingSettings(enabled=False, max_batch_size=4, max_queue_rows=20)

    async def body() -> None:
        async with Batcher(model, config) as batcher:
            first = asyncio.ensure_future(batcher.submit(request_batch(0, 2)))
            await model.wait_started()  # predict is blocked in its thread; the loop still runs
            tasks = [asyncio.ensure_future(batcher.submit(request_batch(i, n))) for i, n in [(1, 1), (2, 10)]]
            await asyncio.sleep(0)
            with pytest.raises(InferdError, match="overloaded"):
                await batcher.submit(request_batch(3, 10))
            model.release()
            check_answer(0, 2, await first)
            check_answer(1, 1, await tasks[0])
            check_answer(2, 10, await tasks[1])

    run(body())
    assert model.call_rows == [2, 1, 10]  # no coalescing, and no splitting either


def test_the_observer_hears_of_every_call_with_rows_requests_wait_and_compute() -> None:
    model = FakeModel(hold=1, delay_s=0.02)
    observer = RecordingObserver()

    async def body() -> None:
        async with Batcher(model, BatchingSettings(max_batch_size=8), observer=observer) as batcher:
            first = asyncio.ensure_future(batcher.submit(request_batch(0, 1)))
            await model.wait_started()
            tasks = [batcher.submit(request_batch(i, 3)) for i in (1, 2, 3)]
            gathered = asyncio.gather(*tasks)
            await asyncio.sleep(0.05)
            model.release()
            await first
            await gathered

    run(body())
    assert [(rows, requests) for rows, requests, _, _ in observer.batches] == [(1, 1), (6, 2), (3, 1)]
    first, second, third = observer.batches
    assert first[2] < 0.05  # the lone first request went at once
    assert second[2] >= 0.05  # the oldest of the second call waited for the held first call
    assert third[2] > second[2]
    assert all(compute_s >= 0.02 for *_, compute_s in observer.batches)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_batch_size": 0}, "max_batch_size must be at least 1"),
        ({"max_delay_us": -1}, "max_delay_us must be at least 0"),
        ({"max_queue_rows": 1.5}, "max_queue_rows must be an integer"),
        ({"instances": 0}, "instances must be at least 1"),
        ({"max_batch_size": 8, "preferred_batch_sizes": (4, 16)}, "16 is above max_batch_size"),
    ],
)
def test_impossible_settings_are_refused_saying_which(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BatchingSettings(**options)  # type: ignore[arg-type]


def test_preferred_sizes_are_kept_sorted_and_unique() -> None:
    assert BatchingSettings(preferred_batch_sizes=(16, 4, 16)).preferred_batch_sizes == (4, 16)
