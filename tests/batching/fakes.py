"""A fake model and observer for the batcher tests (fakes of our own seams, no mocks)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import numpy as np

from inferd.tensors import Batch

T = TypeVar("T")

GATE_TIMEOUT_S = 10.0  # a held call never blocks a broken test for longer than this


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one async test body on a fresh event loop."""
    return asyncio.run(coro)


def request_batch(request_id: int, rows: int, dtype: str = "float64") -> Batch:
    """Rows that carry their request id and row index, so every answer can be checked."""
    return {
        "request": np.full(rows, request_id, dtype=np.int64),
        "row": np.arange(rows, dtype=np.int64),
        "value": (request_id * 1000 + np.arange(rows * 2, dtype=dtype)).reshape(rows, 2),
    }


def check_answer(request_id: int, rows: int, answer: Batch) -> None:
    """The answer is exactly what the fake model computes from this request's own rows."""
    expected = request_batch(request_id, rows)
    np.testing.assert_array_equal(answer["request"], expected["request"])
    np.testing.assert_array_equal(answer["row"], expected["row"])
    np.testing.assert_array_equal(answer["value"], expected["value"] * 2 + 1)


class FakeModel:
    """A predict function that echoes ids, transforms values and records every call.

    ``hold`` calls block on a gate until ``release()``; ``delay_s`` makes each call slow.
    """

    def __init__(self, *, delay_s: float = 0.0, hold: int = 0) -> None:
        self.delay_s = delay_s
        self.calls: list[Batch] = []
        self.max_concurrent = 0
        self.started = threading.Event()
        self._hold = hold
        self._gate = threading.Event()
        self._lock = threading.Lock()
        self._running = 0

    def __call__(self, batch: Batch) -> Batch:
        with self._lock:
            self.calls.append(batch)
            held = len(self.calls) <= self._hold
            self._running += 1
            self.max_concurrent = max(self.max_concurrent, self._running)
        self.started.set()
        try:
            if held:
                self._gate.wait(GATE_TIMEOUT_S)
            if self.delay_s:
                time.sleep(self.delay_s)
            return {"request": batch["request"], "row": batch["row"], "value": batch["value"] * 2 + 1}
        finally:
            with self._lock:
                self._running -= 1

    def release(self) -> None:
        self._gate.set()

    async def wait_started(self) -> None:
        """Until the first call is inside predict."""
        assert await asyncio.to_thread(self.started.wait, GATE_TIMEOUT_S)

    @property
    def call_rows(self) -> list[int]:
        return [len(call["request"]) for call in self.calls]


class RecordingObserver:
    """Keeps every event the batcher reports."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, int, float, float]] = []
        self.rejections: list[str] = []

    def on_batch(self, rows: int, requests: int, queue_wait_s: float, compute_s: float) -> None:
        self.batches.append((rows, requests, queue_wait_s, compute_s))

    def on_rejected(self, reason: str) -> None:
        self.rejections.append(reason)
