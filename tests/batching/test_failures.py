"""A failing or malformed call fails exactly its own requests; the batcher carries on."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from inferd.batching import Batcher, BatchingSettings
from inferd.errors import InferdError, InvalidInputError
from inferd.tensors import Batch

from .fakes import FakeModel, check_answer, request_batch, run


class FlakyModel(FakeModel):
    """Misbehaves on every call that carries the request id ``bad_id``."""

    def __init__(self, bad_id: int, misbehave: str) -> None:
        super().__init__(hold=1)
        self.bad_id = bad_id
        self.misbehave = misbehave

    def __call__(self, batch: Batch) -> Batch:
        outputs = super().__call__(batch)
        if self.bad_id not in batch["request"]:
            return outputs
        if self.misbehave == "invalid":
            raise InvalidInputError("feature 'x' row 2: -3 is below the minimum 0")
        if self.misbehave == "crash":
            raise ZeroDivisionError("division by zero")
        if self.misbehave == "short":
            return {**outputs, "score": np.zeros(len(batch["request"]) - 1)}
        return [outputs]  # type: ignore[return-value]  # not a Batch at all


async def submit_batched(model: FlakyModel, max_batch_size: int = 32) -> list[BaseException | Batch]:
    """Request 0 alone; then 1, 2, 3 together in the call that may fail; then 4 on its own."""
    async with Batcher(model, BatchingSettings(max_batch_size=max_batch_size)) as batcher:
        first = asyncio.ensure_future(batcher.submit(request_batch(0, 1)))
        await model.wait_started()
        together = [batcher.submit(request_batch(i, 3)) for i in (1, 2, 3)]
        gathered = asyncio.gather(*together, return_exceptions=True)
        model.release()
        await first
        answers = list(await gathered)
        answers.append(await batcher.submit(request_batch(4, 2)))
        return answers


@pytest.mark.parametrize(
    ("misbehave", "error"), [("invalid", InvalidInputError), ("crash", ZeroDivisionError)]
)
def test_every_request_in_a_failing_call_gets_its_exception_and_later_ones_succeed(
    misbehave: str, error: type[BaseException]
) -> None:
    model = FlakyModel(bad_id=2, misbehave=misbehave)
    *failed, last = run(submit_batched(model))
    assert [type(answer) for answer in failed] == [error, error, error]
    assert isinstance(last, dict)
    check_answer(4, 2, last)
    assert model.call_rows == [1, 9, 2]


@pytest.mark.parametrize(
    ("misbehave", "message"),
    [
        ("short", "model output 'score' has 8 rows for a batch of 9 rows"),
        ("not-a-batch", "predict returned list, expected a dict"),
    ],
)
def test_malformed_outputs_fail_the_call_with_an_internal_error_naming_them(
    misbehave: str, message: str
) -> None:
    model = FlakyModel(bad_id=2, misbehave=misbehave)
    *failed, last = run(submit_batched(model))
    for answer in failed:
        assert type(answer) is InferdError
        assert message in str(answer)
    assert isinstance(last, dict)
    check_answer(4, 2, last)


def test_a_split_request_fails_once_when_one_of_its_calls_fails() -> None:
    model = FlakyModel(bad_id=2, misbehave="crash")

    async def body() -> list[BaseException | Batch]:
        async with Batcher(model, BatchingSettings(max_batch_size=4)) as batcher:
            first = asyncio.ensure_future(batcher.submit(request_batch(0, 1)))
            await model.wait_started()
            big = batcher.submit(request_batch(1, 10))
            tail = batcher.submit(request_batch(3, 2))
            gathered = asyncio.gather(big, tail, return_exceptions=True)
            model.release()
            await first
            return list(await gathered)

    model.bad_id = 1
    big, tail = run(body())
    assert isinstance(big, ZeroDivisionError)
    assert isinstance(tail, dict)
    check_answer(3, 2, tail)
    # The failing first chunk drops the rest of that request: its other rows are never sent.
    assert model.call_rows == [1, 4, 2]
