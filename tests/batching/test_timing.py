"""Latency and throughput as a user notices them: no needless waits, full batches under load.

Bounds are generous on purpose: these run on small, noisy shared machines.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from inferd.batching import Batcher, BatchingSettings

from .fakes import FakeModel, RecordingObserver, check_answer, request_batch, run


async def timed_submit(batcher: Batcher, request_id: int, rows: int = 1) -> float:
    started = time.monotonic()
    check_answer(request_id, rows, await batcher.submit(request_batch(request_id, rows)))
    return time.monotonic() - started


def test_a_lone_request_on_an_idle_batcher_goes_out_at_once() -> None:
    async def body() -> list[float]:
        async with Batcher(FakeModel(), BatchingSettings(max_delay_us=200_000)) as batcher:
            latencies = []
            for i in range(5):
                latencies.append(await timed_submit(batcher, i))
                await asyncio.sleep(0.01)
            return latencies

    latencies = run(body())
    assert statistics.median(latencies) < 0.025, latencies  # max_delay is 200 ms
    assert max(latencies) < 0.1, latencies


def test_batches_fill_under_load_without_refusing_anyone() -> None:
    observer = RecordingObserver()

    async def client(batcher: Batcher, client_id: int) -> None:
        for round_ in range(8):
            await timed_submit(batcher, client_id * 100 + round_)

    async def body() -> None:
        async with Batcher(FakeModel(delay_s=0.001), BatchingSettings(), observer=observer) as batcher:
            await asyncio.gather(*(client(batcher, i) for i in range(64)))

    run(body())
    rows = [batch[0] for batch in observer.batches]
    assert sum(rows) == 64 * 8
    assert statistics.mean(rows) > 8, rows
    assert max(rows) <= 32
    assert observer.rejections == []


def test_a_request_queued_behind_a_busy_worker_goes_when_the_worker_frees_up() -> None:
    model = FakeModel(hold=1)

    async def body() -> float:
        async with Batcher(model, BatchingSettings(max_delay_us=300_000)) as batcher:
            first = asyncio.ensure_future(timed_submit(batcher, 1))
            await model.wait_started()
            queued = asyncio.ensure_future(timed_submit(batcher, 2))
            await asyncio.sleep(0.05)
            released = time.monotonic()
            model.release()
            await first
            await queued
            return time.monotonic() - released

    # Nothing else is arriving, so waiting cannot fill the batch: it goes at once, not
    # max_delay (300 ms) after the worker freed up, nor after its own arrival.
    assert run(body()) < 0.1


def test_the_delay_counts_from_the_oldest_arrival_not_the_latest() -> None:
    max_delay_s, compute_s = 0.04, 0.02
    config = BatchingSettings(max_batch_size=1000, max_delay_us=int(max_delay_s * 1e6))
    model = FakeModel(delay_s=compute_s)

    async def body() -> list[float]:
        async with Batcher(model, config) as batcher:
            tasks = []
            for i in range(60):  # a steady stream, one request every 5 ms, for 300 ms
                tasks.append(asyncio.ensure_future(timed_submit(batcher, i)))
                await asyncio.sleep(0.005)
            return list(await asyncio.gather(*tasks))

    latencies = run(body())
    # At worst: the delay, the call still running when it ends, its own call. A clock
    # restarted by every arrival would hold the first rows until the stream ends (300 ms).
    assert max(latencies) < max_delay_s + 2 * compute_s + 0.07, sorted(latencies)[-5:]
    assert statistics.mean(model.call_rows) > 1.5, model.call_rows


def test_a_preferred_size_goes_at_once_instead_of_waiting_for_the_stream_to_pause() -> None:
    def latency_after_release(preferred: tuple[int, ...]) -> float:
        model = FakeModel(hold=1)
        config = BatchingSettings(max_delay_us=2_000_000, preferred_batch_sizes=preferred)

        async def body() -> float:
            async with Batcher(model, config) as batcher:
                first = asyncio.ensure_future(timed_submit(batcher, 0))
                await model.wait_started()
                tasks = []
                for i in range(1, 5):  # requests streaming in, 150 ms apart, while the model is busy
                    tasks.append(asyncio.ensure_future(timed_submit(batcher, i)))
                    await asyncio.sleep(0.15 if i < 4 else 0)
                released = time.monotonic()
                model.release()
                await asyncio.gather(first, *tasks)
                return time.monotonic() - released

        latency = run(body())
        assert model.call_rows == [1, 4]
        return latency

    # Without a preferred size the 4 queued rows wait for the stream to pause (about two
    # usual gaps); with 4 preferred they go as soon as the model is free.
    assert latency_after_release((4,)) < 0.08
    assert latency_after_release(()) > 0.1


def test_the_event_loop_keeps_serving_while_predict_computes() -> None:
    async def heartbeat(ticks: list[float], stop: asyncio.Event) -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    async def body() -> int:
        ticks: list[float] = []
        stop = asyncio.Event()
        async with Batcher(FakeModel(delay_s=0.3), BatchingSettings()) as batcher:
            beating = asyncio.ensure_future(heartbeat(ticks, stop))
            await timed_submit(batcher, 1)
            stop.set()
            await beating
        return len(ticks)

    assert run(body()) >= 10  # about 30 ticks during a 300 ms call; none if predict blocked the loop


def test_instances_run_that_many_calls_at_once_and_never_more() -> None:
    def max_concurrent(instances: int) -> tuple[int, int]:
        model = FakeModel(delay_s=0.03)
        config = BatchingSettings(max_batch_size=1, instances=instances)

        async def body() -> int:
            async with Batcher(model, config) as batcher:
                tasks = [asyncio.ensure_future(timed_submit(batcher, i)) for i in range(4 * instances)]
                await model.wait_started()
                await asyncio.sleep(0.01)
                in_flight = batcher.in_flight
                await asyncio.gather(*tasks)
                return in_flight

        in_flight = run(body())
        return model.max_concurrent, in_flight

    assert max_concurrent(1) == (1, 1)
    assert max_concurrent(3) == (3, 3)
