"""Fake model nodes (async functions over numpy) and their signatures for the graph tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import numpy as np

from inferd.tensors import Batch, Signature, TensorSpec

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one async test body on a fresh event loop."""
    return asyncio.run(coro)


class FakeModel:
    """A node call computing ``fn`` over the whole batch and remembering each batch it was sent."""

    def __init__(self, fn: Callable[[Batch], Batch]) -> None:
        self.fn = fn
        self.calls: list[Batch] = []

    async def __call__(self, batch: Batch) -> Batch:
        self.calls.append(batch)
        await asyncio.sleep(0)
        return self.fn(batch)


def spec(name: str, dtype: str, *row_shape: int) -> TensorSpec:
    return TensorSpec(name, dtype, (-1, *row_shape))


def signature(inputs: list[TensorSpec], outputs: list[TensorSpec]) -> Signature:
    return Signature(tuple(inputs), tuple(outputs))


def scaler() -> FakeModel:
    """x -> output = 2x."""
    return FakeModel(lambda b: {"output": b["x"] * 2})


def classifier(bias: float) -> FakeModel:
    """input (n, 3) -> probabilities (n, 2) and label (n,); different biases give different models."""

    def predict(batch: Batch) -> Batch:
        score = 1 / (1 + np.exp(-(batch["input"].sum(axis=1) + bias)))
        probabilities = np.stack([1 - score, score], axis=1).astype(np.float32)
        return {"probabilities": probabilities, "label": (score > 0.5).astype(np.int64)}

    return FakeModel(predict)


SCALER_SIGNATURE = signature([spec("x", "float32", 3)], [spec("output", "float32", 3)])
CLASSIFIER_SIGNATURE = signature(
    [spec("input", "float32", 3)], [spec("probabilities", "float32", 2), spec("label", "int64")]
)
