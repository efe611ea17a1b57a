"""The Batcher: one model's bounded queue of rows, coalesced into calls of its predict.

How it works:

- ``submit`` runs on the event loop. It refuses at once what cannot be served
  (batcher closed -> 503, deadline already passed -> 504, queue full -> 429), else
  queues the request's rows with a future and a deadline timer and wakes idle workers.
- ``instances`` worker tasks each loop: wait on a future (woken by arrivals or a
  timer, never a sleep loop) until rows are queued and the dispatch policy says go;
  take up to ``max_batch_size`` ROWS of whole requests in arrival order (splitting
  only a request too large for any call); run predict in a thread pool so the loop
  keeps serving; slice the outputs back, in order, to the requests they belong to.
- So at most ``instances`` calls run at once, and while all of them run the queue
  simply fills for the next call. When a worker is free, the policy
  (:mod:`inferd.batching.policy`) sends a lone request at once and holds rows back
  only while requests keep streaming in, never past ``max_delay_us`` from the oldest
  arrival, and not at all once ``max_batch_size`` or a preferred size is queued.
- Failures stay with their call: a raising or malformed predict fails exactly the
  requests in it and the workers carry on. A deadline timer fails its request at its
  deadline wherever it is. ``close`` stops intake, drains, then stops the pool.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Executor, ThreadPoolExecutor
from types import TracebackType

import numpy as np

from inferd.batching.observer import BatchObserver
from inferd.batching.policy import DispatchPolicy
from inferd.batching.queue import PendingRequest, RowQueue, Share
from inferd.batching.settings import BatchingSettings
from inferd.errors import (
    DeadlineExceededError,
    InferdError,
    InvalidInputError,
    OverloadedError,
    PayloadTooLargeError,
    UnavailableError,
)
from inferd.tensors import Batch, batch_rows, concat_batches, slice_rows

_log = logging.getLogger(__name__)

Predict = Callable[[Batch], Batch]


class Batcher:
    """Coalesces concurrent requests for one model into calls of its ``predict``.

    ``predict`` is a synchronous ``Batch -> Batch`` function returning one output
    row per input row; the batcher wraps it and never changes it. The constructor
    only stores and checks its arguments: ``start()`` (or ``async with``) starts the
    workers and, unless ``executor`` is given, a thread pool of ``instances`` threads
    that ``close()`` shuts down again.
    """

    def __init__(
        self,
        predict: Predict,
        settings: BatchingSettings,
        *,
        observer: BatchObserver | None = None,
        executor: Executor | None = None,
        name: str = "",
    ) -> None:
        if not callable(predict):
            raise TypeError(f"predict must be a callable Batch -> Batch, got {type(predict).__name__}")
        if not isinstance(settings, BatchingSettings):
            raise TypeError(f"settings must be BatchingSettings, got {type(settings).__name__}")
        self.settings = settings
        self.name = name
        self._predict = predict
        self._observer = observer
        self._executor = executor
        self._owns_executor = executor is None
        self._queue = RowQueue(settings.max_queue_rows)
        self._policy = DispatchPolicy(settings)
        self._state = "new"  # -> "running" -> "closing" -> "closed"
        self._workers: list[asyncio.Task[None]] = []
        self._sleepers: list[asyncio.Future[None]] = []
        self._in_flight = 0
        self._call_s = settings.max_delay_s  # moving average of one call, for Retry-After

    @property
    def queue_rows(self) -> int:
        """Rows waiting to be sent to the model."""
        return self._queue.rows

    @property
    def in_flight(self) -> int:
        """Calls of predict running now (at most ``settings.instances``)."""
        return self._in_flight

    async def start(self) -> None:
        """Start the workers (and the thread pool, unless one was given)."""
        if self._state != "new":
            raise InferdError(f"{self._label} was already started; a batcher starts once")
        if self._executor is None:
            prefix = f"inferd-batcher-{self.name}" if self.name else "inferd-batcher"
            self._executor = ThreadPoolExecutor(self.settings.instances, thread_name_prefix=prefix)
        loop = asyncio.get_running_loop()
        self._workers = [
            loop.create_task(self._work(self._executor), name=f"{self._label} worker {i}")
            for i in range(self.settings.instances)
        ]
        self._state = "running"

    async def submit(self, batch: Batch, *, deadline: float | None = None) -> Batch:
        """Predict ``batch`` together with whatever else is waiting; return its own rows.

        ``deadline`` is a ``time.monotonic()`` value. Raises :class:`OverloadedError`
        (queue full, at once), :class:`DeadlineExceededError` (at the deadline),
        :class:`UnavailableError` (not started or closing), :class:`InvalidInputError`
        (not a Batch), :class:`PayloadTooLargeError` (more rows than the queue holds),
        or whatever predict raised for the call that carried these rows.
        """
        request = self._admit(batch, deadline)
        try:
            return await request.future
        except asyncio.CancelledError:
            self._forget(request)
            raise

    async def close(self, timeout_s: float = 10.0) -> None:
        """Refuse new requests, answer the queued ones within ``timeout_s``, stop the pool.

        Requests still unanswered at the timeout get :class:`UnavailableError`.
        """
        if self._state == "new":
            self._state = "closed"
        if self._state != "running":
            if self._workers:
                await asyncio.wait(self._workers, timeout=timeout_s)
            return
        self._state = "closing"
        self._wake_workers()
        _, late = await asyncio.wait(self._workers, timeout=timeout_s)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
        for request in self._queue.drain():
            self._settle(request, UnavailableError(f"{self._label} closed before this request was answered"))
        self._state = "closed"
        if self._owns_executor and self._executor is not None:
            self._executor.shutdown(wait=not late, cancel_futures=True)

    async def __aenter__(self) -> Batcher:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def _label(self) -> str:
        return f"model {self.name!r}" if self.name else "the batched model"

    # -- intake (event loop) ---------------------------------------------------------------

    def _admit(self, batch: Batch, deadline: float | None) -> PendingRequest:
        if self._state != "running":
            raise UnavailableError(self._why_unavailable())
        rows, layout = _describe(batch)
        now = time.monotonic()
        if deadline is not None and deadline <= now:
            self._reject("deadline")
            late_ms = (now - deadline) * 1000
            raise DeadlineExceededError(
                f"the request's deadline passed {late_ms:.1f} ms before it was queued"
            )
        if rows > self._queue.max_rows:
            raise PayloadTooLargeError(
                f"the request has {rows} rows but {self._label} queues at most {self._queue.max_rows}; "
                "send it as several smaller requests"
            )
        if not self._queue.has_room_for(rows):
            self._reject("overloaded")
            retry_s = self._retry_after_s()
            raise OverloadedError(
                f"{self._label} is overloaded: {self._queue.rows} rows are waiting "
                f"(limit {self._queue.max_rows}); retry in {retry_s:.3f} s",
                retry_after_s=retry_s,
            )
        self._policy.on_arrival(now, is_busy=self._queue.rows > 0 or self._in_flight > 0)
        loop = asyncio.get_running_loop()
        request = PendingRequest(batch, rows, layout, now, loop.create_future())
        if deadline is not None:
            request.timer = loop.call_later(deadline - now, self._expire, request)
        self._queue.push(request)
        self._wake_workers()
        return request

    def _why_unavailable(self) -> str:
        if self._state == "new":
            return f"{self._label} is not started; call start() or use 'async with'"
        return f"{self._label} is shutting down and accepts no new requests"

    def _retry_after_s(self) -> float:
        calls_ahead = math.ceil(self._queue.rows / self.settings.max_batch_size) / self.settings.instances
        return max(0.001, round(calls_ahead * self._call_s, 3))

    def _expire(self, request: PendingRequest) -> None:
        if request.is_finished:
            return
        waited_ms = (time.monotonic() - request.arrival_s) * 1000
        self._settle(
            request, DeadlineExceededError(f"the request's deadline passed after {waited_ms:.1f} ms")
        )
        self._reject("deadline")

    def _forget(self, request: PendingRequest) -> None:
        """The caller gave up (cancelled): its rows leave the queue."""
        self._queue.drop(request)
        if request.timer is not None:
            request.timer.cancel()

    def _settle(self, request: PendingRequest, error: BaseException) -> None:
        """Fail one unfinished request and drop whatever of it is still queued."""
        self._forget(request)
        request.future.set_exception(error)

    # -- workers -----------------------------------------------------------------------------

    async def _work(self, executor: Executor) -> None:
        while shares := await self._next_call():
            try:
                await self._run(shares, executor)
            except Exception as exc:  # a bug of ours: fail this call, keep serving the rest
                _log.exception("%s: batching failed", self._label)
                self._fail(shares, InferdError(f"{self._label}: internal batching error: {exc}"))

    async def _next_call(self) -> list[Share]:
        """Wait until the policy says go; the shares of the next call ([] once closed and empty)."""
        while True:
            oldest = self._queue.oldest()
            if oldest is None:
                if self._state != "running":
                    return []
                await self._sleep(None)
                continue
            now = time.monotonic()
            when = now
            if self._state == "running":
                when = self._policy.dispatch_at(now, self._queue.rows, oldest.arrival_s)
            if when <= now:
                return self._queue.take(self.settings.max_batch_size, whole_request=not self.settings.enabled)
            await self._sleep(when - now)

    async def _sleep(self, delay_s: float | None) -> None:
        """Wait for the next arrival (or close), or ``delay_s`` at most."""
        loop = asyncio.get_running_loop()
        wakeup: asyncio.Future[None] = loop.create_future()
        self._sleepers.append(wakeup)
        timer = None if delay_s is None else loop.call_later(delay_s, _resolve, wakeup)
        try:
            await wakeup
        finally:
            if timer is not None:
                timer.cancel()
            if wakeup in self._sleepers:
                self._sleepers.remove(wakeup)

    def _wake_workers(self) -> None:
        sleepers, self._sleepers = self._sleepers, []
        for wakeup in sleepers:
            _resolve(wakeup)

    async def _run(self, shares: list[Share], executor: Executor) -> None:
        inputs = _inputs_of(shares)
        rows = sum(share.rows for share in shares)
        started = time.monotonic()
        self._in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            outcome, compute_s = await loop.run_in_executor(executor, _call, self._predict, inputs)
        except asyncio.CancelledError:
            self._fail(shares, UnavailableError(f"{self._label} closed before this request was answered"))
            raise
        except Exception as exc:  # the executor itself refused, e.g. shut down by its owner
            outcome, compute_s = exc, 0.0
        finally:
            self._in_flight -= 1
        if isinstance(outcome, Exception):
            self._fail(shares, outcome)
        else:
            self._answer(shares, outcome, rows)
        self._report(shares, rows, started, compute_s)

    def _answer(self, shares: list[Share], outputs: Batch, rows: int) -> None:
        problem = self._check_outputs(outputs, rows)
        if problem is not None:
            self._fail(shares, problem)
            return
        offset = 0
        for share in shares:
            part = outputs if len(shares) == 1 else slice_rows(outputs, offset, offset + share.rows)
            offset += share.rows
            request = share.request
            if request.is_finished:
                continue
            answer = request.add_part(share, part)
            if answer is not None:
                if request.timer is not None:
                    request.timer.cancel()
                request.future.set_result(answer)

    def _check_outputs(self, outputs: object, rows: int) -> InferdError | None:
        if not isinstance(outputs, dict) or not outputs:
            got = "an empty dict" if isinstance(outputs, dict) else type(outputs).__name__
            return InferdError(f"{self._label}: predict returned {got}, expected a dict of numpy arrays")
        for name, array in outputs.items():
            if not isinstance(array, np.ndarray) or array.ndim == 0:
                got = f"a {type(array).__name__} without rows"
            elif len(array) != rows:
                got = f"{len(array)} rows"
            else:
                continue
            return InferdError(
                f"{self._label}: model output {name!r} has {got} for a batch of {rows} rows; "
                "predict must return one row per input row"
            )
        return None

    def _fail(self, shares: list[Share], error: BaseException) -> None:
        for share in shares:
            if not share.request.is_finished:
                self._settle(share.request, error)

    # -- reporting ---------------------------------------------------------------------------

    def _report(self, shares: list[Share], rows: int, started: float, compute_s: float) -> None:
        self._call_s += 0.25 * (time.monotonic() - started - self._call_s)
        if self._observer is None:
            return
        queue_wait_s = started - min(share.request.arrival_s for share in shares)
        try:
            self._observer.on_batch(rows, len(shares), queue_wait_s, compute_s)
        except Exception:
            _log.exception("%s: batch observer %r failed in on_batch", self._label, self._observer)

    def _reject(self, reason: str) -> None:
        if self._observer is None:
            return
        try:
            self._observer.on_rejected(reason)
        except Exception:
            _log.exception("%s: batch observer %r failed in on_rejected", self._label, self._observer)


def _describe(batch: Batch) -> tuple[int, Hashable]:
    """Rows and layout of a request, or InvalidInputError saying what is wrong with it."""
    if not isinstance(batch, dict) or not batch:
        raise InvalidInputError("a request must be a non-empty dict of numpy arrays, rows on the first axis")
    for name, array in batch.items():
        if not isinstance(array, np.ndarray) or array.ndim == 0:
            raise InvalidInputError(
                f"input {name!r} must be a numpy array with rows on the first axis, "
                f"got {type(array).__name__}"
            )
    layout = tuple(sorted((name, array.dtype, array.shape[1:]) for name, array in batch.items()))
    return batch_rows(batch), layout


def _inputs_of(shares: list[Share]) -> Batch:
    first = shares[0]
    if len(shares) == 1 and first.rows == first.request.rows:
        return first.request.batch
    return concat_batches([slice_rows(s.request.batch, s.start, s.stop) for s in shares])


def _call(predict: Predict, inputs: Batch) -> tuple[Batch | Exception, float]:
    """Run predict in a pool thread; return its outputs (or exception) and its duration."""
    started = time.perf_counter()
    try:
        outputs = predict(inputs)
    except Exception as exc:
        return exc, time.perf_counter() - started
    return outputs, time.perf_counter() - started


def _resolve(wakeup: asyncio.Future[None]) -> None:
    if not wakeup.done():
        wakeup.set_result(None)
