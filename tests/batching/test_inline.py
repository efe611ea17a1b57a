"""Short calls of a computing model run on the event loop; slow ones, and any Python model's, in the pool."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from inferd.batching import Batcher, BatchingSettings
from inferd.tensors import Batch

from .fakes import check_answer, request_batch, run

WARM_CALLS = 8  # calls timed in the pool before any may run inline
REQUEST = contextvars.ContextVar("request", default="none")


class ThreadRecordingModel:
    """Echoes like FakeModel and records which thread ran each call; ``delay_s`` can change."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.threads: list[int] = []
        self.contexts: list[str] = []
        self.fail_request: int | None = None

    def __call__(self, batch: Batch) -> Batch:
        self.threads.append(threading.get_ident())
        self.contexts.append(REQUEST.get())
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail_request is not None and self.fail_request in batch["request"]:
            raise ValueError(f"the model cannot score request {self.fail_request}")
        return {"request": batch["request"], "row": batch["row"], "value": batch["value"] * 2 + 1}


async def one_at_a_time(batcher: Batcher, first: int, count: int) -> None:
    for request_id in range(first, first + count):
        check_answer(request_id, 2, await batcher.submit(request_batch(request_id, 2)))


def test_short_calls_of_a_computing_model_run_on_the_loop_once_timed_in_the_pool() -> None:
    model = ThreadRecordingModel()

    async def scenario() -> int:
        async with Batcher(model, BatchingSettings(), inline=True) as batcher:
            await one_at_a_time(batcher, 0, WARM_CALLS + 12)
        assert (batcher.calls_in_pool, batcher.calls_on_loop) == (WARM_CALLS, 12)  # what metrics count
        return threading.get_ident()

    loop_thread = run(scenario())
    assert loop_thread not in model.threads[:WARM_CALLS]
    assert model.threads[WARM_CALLS:] == [loop_thread] * 12


def test_slow_calls_stay_in_the_pool_and_the_loop_runs_while_they_compute() -> None:
    model = ThreadRecordingModel(delay_s=0.005)  # 5 ms a call: far above the 200 µs bound

    async def scenario() -> tuple[int, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0)
                ticks += 1

        async with Batcher(model, BatchingSettings(), inline=True) as batcher:
            task = asyncio.create_task(ticker())
            await one_at_a_time(batcher, 0, WARM_CALLS + 6)
            task.cancel()
        return threading.get_ident(), ticks

    loop_thread, ticks = run(scenario())
    assert loop_thread not in model.threads
    assert ticks > 100  # the loop ran on while each 5 ms call computed


def test_a_model_that_turns_slow_goes_back_to_the_pool_after_one_call() -> None:
    model = ThreadRecordingModel()

    async def scenario() -> int:
        async with Batcher(model, BatchingSettings(), inline=True) as batcher:
            await one_at_a_time(batcher, 0, WARM_CALLS + 2)
            model.delay_s = 0.02
            await one_at_a_time(batcher, 100, 3)
        return threading.get_ident()

    loop_thread = run(scenario())
    # The first slow call was expected to be short and ran inline; it is what the next are judged by.
    assert model.threads[WARM_CALLS : WARM_CALLS + 3] == [loop_thread] * 3
    assert loop_thread not in model.threads[WARM_CALLS + 3 :]


@pytest.mark.parametrize("settings", [BatchingSettings(), BatchingSettings(inline_call_us=0)])
def test_without_inline_or_with_a_zero_bound_every_call_runs_in_the_pool(settings: BatchingSettings) -> None:
    model = ThreadRecordingModel()
    inline = settings.inline_call_us == 0  # the bound of 0 turns it off even for a computing model

    async def scenario() -> int:
        async with Batcher(model, settings, inline=inline) as batcher:
            await one_at_a_time(batcher, 0, WARM_CALLS + 6)
        return threading.get_ident()

    assert run(scenario()) not in model.threads


def test_an_inline_call_that_raises_fails_its_requests_and_the_next_are_served() -> None:
    model = ThreadRecordingModel()

    async def scenario() -> int:
        async with Batcher(model, BatchingSettings(), inline=True) as batcher:
            await one_at_a_time(batcher, 0, WARM_CALLS + 2)
            model.fail_request = 7
            with pytest.raises(ValueError, match="cannot score request 7"):
                await batcher.submit(request_batch(7, 3))
            ids = range(20, 30)
            answers = await asyncio.gather(*(batcher.submit(request_batch(i, i % 3 + 1)) for i in ids))
            for request_id, answer in zip(ids, answers, strict=True):
                check_answer(request_id, request_id % 3 + 1, answer)
        return threading.get_ident()

    loop_thread = run(scenario())
    assert model.threads[-1] == loop_thread


def test_an_inline_call_runs_outside_the_context_of_the_request_that_dispatched_it() -> None:
    # In the pool a call sees no request's context; inline it must not see one either, or a log
    # line of the model's would carry the id of one request of the many in its batch.
    model = ThreadRecordingModel()

    async def scenario() -> None:
        async with Batcher(model, BatchingSettings(), inline=True) as batcher:
            await one_at_a_time(batcher, 0, WARM_CALLS)
            REQUEST.set("request 99")
            check_answer(99, 2, await batcher.submit(request_batch(99, 2)))

    run(scenario())
    assert model.contexts[-1] == "none"


def test_the_inline_bound_is_a_setting_of_whole_microseconds() -> None:
    assert BatchingSettings().inline_call_us == 200
    with pytest.raises(ValueError, match="inline_call_us must be at least 0"):
        BatchingSettings(inline_call_us=-1)


def test_one_fast_call_in_the_pool_is_enough_for_the_next_to_run_inline() -> None:
    # A pool call is timed with its wait for the GIL after the model's native code returns;
    # the fastest pool call is the one that waited least, so the estimate follows it down.
    model = ThreadRecordingModel(delay_s=0.005)

    async def scenario() -> int:
        async with Batcher(model, BatchingSettings(), inline=True) as batcher:
            await one_at_a_time(batcher, 0, WARM_CALLS - 1)
            model.delay_s = 0.0
            await one_at_a_time(batcher, 100, 3)
        return threading.get_ident()

    loop_thread = run(scenario())
    assert loop_thread not in model.threads[:WARM_CALLS]
    assert model.threads[WARM_CALLS:] == [loop_thread] * 2
