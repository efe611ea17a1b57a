"""Every request gets exactly its own rows back, whatever it was batched with."""

from __future__ import annotations

import asyncio
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferd.batching import Batcher, BatchingSettings
from inferd.errors import InvalidInputError
from inferd.tensors import Batch

from .fakes import FakeModel, check_answer, request_batch, run


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 50), min_size=1, max_size=40),
    max_batch_size=st.integers(1, 64),
    instances=st.integers(1, 3),
    max_delay_us=st.sampled_from([0, 300, 3000]),
    seed=st.integers(0, 2**16),
)
def test_every_request_gets_exactly_its_own_rows_back(
    sizes: list[int], max_batch_size: int, instances: int, max_delay_us: int, seed: int
) -> None:
    model = FakeModel()
    config = BatchingSettings(max_batch_size=max_batch_size, max_delay_us=max_delay_us, instances=instances)

    async def one(batcher: Batcher, request_id: int, rows: int, pause_s: float) -> None:
        await asyncio.sleep(pause_s)
        check_answer(request_id, rows, await batcher.submit(request_batch(request_id, rows)))

    async def body() -> None:
        pauses = random.Random(seed)
        async with Batcher(model, config) as batcher:
            await asyncio.gather(
                *(one(batcher, i, rows, pauses.choice([0, 0, 0.0005])) for i, rows in enumerate(sizes))
            )

    run(body())
    assert max(model.call_rows) <= max_batch_size
    assert sum(model.call_rows) == sum(sizes)


def test_a_request_larger_than_max_batch_size_is_split_across_calls_and_reassembled() -> None:
    model = FakeModel()

    async def body() -> Batch:
        async with Batcher(model, BatchingSettings(max_batch_size=32)) as batcher:
            return await batcher.submit(request_batch(7, 100))

    check_answer(7, 100, run(body()))
    assert model.call_rows == [32, 32, 32, 4]


def test_rows_coalesce_up_to_max_batch_size_counted_in_rows_not_requests() -> None:
    model = FakeModel(hold=1)

    async def body() -> None:
        async with Batcher(model, BatchingSettings(max_batch_size=32)) as batcher:
            first = asyncio.ensure_future(batcher.submit(request_batch(0, 1)))
            await model.wait_started()
            eight_of_4 = [asyncio.ensure_future(batcher.submit(request_batch(i, 4))) for i in range(1, 9)]
            three_of_20 = [asyncio.ensure_future(batcher.submit(request_batch(i, 20))) for i in range(9, 12)]
            await asyncio.sleep(0)
            assert batcher.queue_rows == 8 * 4 + 3 * 20
            model.release()
            check_answer(0, 1, await first)
            for i, task in enumerate(eight_of_4, start=1):
                check_answer(i, 4, await task)
            for i, task in enumerate(three_of_20, start=9):
                check_answer(i, 20, await task)

    run(body())
    # 8 requests of 4 rows fill one call of 32; the 20-row requests fit a call each and are never split.
    assert model.call_rows == [1, 32, 20, 20, 20]


def test_a_request_that_fits_the_next_call_is_not_split_to_fill_this_one() -> None:
    model = FakeModel(hold=1)

    async def body() -> None:
        async with Batcher(model, BatchingSettings(max_batch_size=32)) as batcher:
            first = asyncio.ensure_future(batcher.submit(request_batch(0, 1)))
            await model.wait_started()
            sizes = [10, 10, 10, 10, 10, 40, 3]
            tasks = [
                asyncio.ensure_future(batcher.submit(request_batch(i, n))) for i, n in enumerate(sizes, 1)
            ]
            model.release()
            await first
            for i, (task, n) in enumerate(zip(tasks, sizes, strict=True), start=1):
                check_answer(i, n, await task)

    run(body())
    ids_per_call = [set(call["request"].tolist()) for call in model.calls]
    # 10+10+10 go together; the 4th 10-row request waits for the next call rather than being cut;
    # the 40-row request can never fit, so it fills the room left and continues in the next call.
    assert model.call_rows == [1, 30, 32, 31]
    assert ids_per_call[1:] == [{1, 2, 3}, {4, 5, 6}, {6, 7}]


def test_requests_with_different_dtypes_are_never_mixed_in_one_call() -> None:
    model = FakeModel(hold=1)

    async def body() -> list[Batch]:
        async with Batcher(model, BatchingSettings(max_batch_size=64)) as batcher:
            first = asyncio.ensure_future(batcher.submit(request_batch(0, 1)))
            await model.wait_started()
            dtypes = ["float32", "float32", "float64", "float64"]
            tasks = [batcher.submit(request_batch(i, 3, dtype)) for i, dtype in enumerate(dtypes, 1)]
            model.release()
            await first
            return list(await asyncio.gather(*tasks))

    answers = run(body())
    assert [a["value"].dtype.name for a in answers] == ["float32", "float32", "float64", "float64"]
    # Mixing would silently upcast float32 rows to float64; alike requests still share a call.
    assert [call["value"].dtype.name for call in model.calls] == ["float64", "float32", "float64"]
    assert model.call_rows == [1, 6, 6]


def test_a_zero_row_request_gets_zero_rows_back() -> None:
    async def body() -> Batch:
        async with Batcher(FakeModel(), BatchingSettings()) as batcher:
            return await batcher.submit(request_batch(1, 0))

    answer = run(body())
    assert {name: len(array) for name, array in answer.items()} == {"request": 0, "row": 0, "value": 0}


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ({}, "non-empty dict"),
        ({"a": np.zeros(3), "b": np.zeros(4)}, "disagree on the number of rows"),
        ({"a": np.float64(1.0)}, "input 'a' must be a numpy array with rows"),
        ({"a": [1, 2, 3]}, "input 'a' must be a numpy array with rows"),
    ],
)
def test_a_malformed_request_is_refused_saying_what_is_wrong(batch: Batch, message: str) -> None:
    async def body() -> None:
        async with Batcher(FakeModel(), BatchingSettings()) as batcher:
            with pytest.raises(InvalidInputError, match=message):
                await batcher.submit(batch)

    run(body())
