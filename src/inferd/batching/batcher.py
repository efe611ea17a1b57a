"""The Batcher: one model's bounded queue of rows, coalesced into calls of its predict.

How it works (everything below runs on the event loop thread, except predict):

- ``submit`` refuses at once what cannot be served (closed -> 503, deadline passed
  -> 504, queue full -> 429), else queues the request's rows with a future and its
  deadline, and schedules one dispatch for the end of this loop tick, so that
  requests arriving together are seen together.
- A dispatch is an event handler, never a polling loop: it runs on an arrival, when
  a call finishes, and on its one timer. While fewer than ``instances`` calls run and
  the policy (:mod:`inferd.batching.policy`) says go, it takes up to
  ``max_batch_size`` ROWS of whole requests in arrival order (splitting only a
  request too large for any call) and hands predict to the thread pool; when the
  policy says wait, it arms the timer. While every instance is busy, rows simply
  accumulate and the next call takes what has gathered.
- The policy sends a lone request at once and holds rows back only while requests
  keep streaming in, never past ``max_delay_us`` from the OLDEST arrival.
- A short call runs on the event loop instead (``inline`` batchers only, see
  :meth:`Batcher._runs_inline`): handing a call of tens of microseconds to a thread
  and back costs more than the call, because both threads share one GIL.
- A finished call comes back through ``call_soon_threadsafe``; its outputs are
  sliced back, in order, to the requests they belong to. A raising or malformed
  predict fails exactly the requests in that call; the next call proceeds.
- A request fails at its deadline wherever it is (one loop timer per millisecond of
  deadlines, :mod:`inferd.batching.deadlines`). ``close``
  stops intake, dispatches the rest without waiting, and stops its own pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from functools import partial
from types import TracebackType
from typing import cast

import numpy as np

from inferd.batching.deadlines import Deadlines
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
# What predict returned is an ``object`` until ``_check_outputs`` has seen it (a model may return
# anything): compiled (mypyc) code checks declared types where values cross them.
_Outcome = tuple[object, float]


class Batcher:
    """Coalesces concurrent requests for one model into calls of its ``predict``.

    ``predict`` is a synchronous ``Batch -> Batch`` function returning one output
    row per input row; the batcher wraps it and never changes it. The constructor
    only stores and checks its arguments: ``start()`` (or ``async with``) binds the
    batcher to the running loop and, unless ``executor`` is given, starts a thread
    pool of ``instances`` threads that ``close()`` shuts down again.

    ``inline``: ``predict`` is pure computation (a compiled runtime's, never a Python
    model's, which may block on anything), so a call expected to take under
    ``settings.inline_call_us`` may run on the event loop (:meth:`_runs_inline`).
    """

    def __init__(
        self,
        predict: Predict,
        settings: BatchingSettings,
        *,
        observer: BatchObserver | None = None,
        executor: Executor | None = None,
        name: str = "",
        inline: bool = False,
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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dispatch_scheduled = False
        self._timer: asyncio.TimerHandle | None = None
        self._deadlines: Deadlines[PendingRequest] = Deadlines(self._expire)
        self._running: list[list[Share]] = []
        self._drained: asyncio.Future[None] | None = None
        self._call_s = settings.max_delay_s  # moving average of one call, for Retry-After
        self._inline_bound_s = settings.inline_call_us / 1e6 if inline else 0.0
        self._row_s = 0.0  # moving average of predict's time a row, once _timed_calls are measured
        self._timed_calls = 0
        # Inline calls run outside any request's context (as in the pool): a log line of the
        # model's must not carry the id of whichever request happened to dispatch the call.
        self._call_context = contextvars.Context()
        self.calls_on_loop = 0  # model calls started, by where they ran (for metrics)
        self.calls_in_pool = 0

    @property
    def queue_rows(self) -> int:
        """Rows waiting to be sent to the model."""
        return self._queue.rows

    @property
    def in_flight(self) -> int:
        """Calls of predict running now (at most ``settings.instances``)."""
        return len(self._running)

    async def start(self) -> None:
        """Bind to the running loop and start the thread pool (unless one was given)."""
        if self._state != "new":
            raise InferdError(f"{self._label} was already started; a batcher starts once")
        if self._executor is None:
            prefix = f"inferd-batcher-{self.name}" if self.name else "inferd-batcher"
            self._executor = ThreadPoolExecutor(self.settings.instances, thread_name_prefix=prefix)
        self._loop = asyncio.get_running_loop()
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
            if self._drained is not None:
                await asyncio.wait({self._drained}, timeout=timeout_s)
            return
        self._state = "closing"
        self._drained = asyncio.get_running_loop().create_future()
        self._dispatch()
        await asyncio.wait({self._drained}, timeout=timeout_s)
        drained = self._drained.done()
        self._abandon_everything()
        self._state = "closed"
        if self._owns_executor and self._executor is not None:
            self._executor.shutdown(wait=drained, cancel_futures=True)

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

    # -- intake --------------------------------------------------------------------------------

    def _admit(self, batch: Batch, deadline: float | None) -> PendingRequest:
        loop = self._loop
        if self._state != "running" or loop is None:
            raise UnavailableError(self._why_unavailable())
        rows, layout = _describe(batch)
        now = time.monotonic()
        if deadline is not None and deadline <= now:
            self._reject("deadline")
            late_ms = (now - deadline) * 1000
            raise DeadlineExceededError(f"the request's deadline had passed {late_ms:.1f} ms before it came")
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
        self._policy.on_arrival(now, is_busy=self._queue.rows > 0 or bool(self._running))
        request = PendingRequest(batch, rows, layout, now, loop.create_future())
        if deadline is not None:
            self._deadlines.add(request, deadline)
        self._queue.push(request)
        if not self._dispatch_scheduled:
            self._dispatch_scheduled = True
            loop.call_soon(self._dispatch)
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
        error = DeadlineExceededError(
            f"the request's deadline passed after {waited_ms:.1f} ms in {self._label}"
        )
        self._settle(request, error)
        self._reject("deadline")

    def _forget(self, request: PendingRequest) -> None:
        """The request finished early (failed, expired, cancelled): its rows leave the queue."""
        self._queue.drop(request)
        self._deadlines.remove(request)
        self._note_if_drained()

    def _settle(self, request: PendingRequest, error: BaseException) -> None:
        self._forget(request)
        request.future.set_exception(error)

    # -- dispatch ------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        """Start calls while an instance is free and the policy says go; else arm the timer."""
        self._dispatch_scheduled = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while len(self._running) < self.settings.instances and (oldest := self._queue.oldest()) is not None:
            now = time.monotonic()
            when = now
            if self._state == "running":
                when = self._policy.dispatch_at(now, self._queue.rows, oldest.arrival_s)
            if when > now and self._loop is not None:
                self._timer = self._loop.call_later(when - now, self._dispatch)
                return
            shares = self._queue.take(self.settings.max_batch_size, whole_request=not self.settings.enabled)
            self._start_call(shares)
        self._note_if_drained()

    def _start_call(self, shares: list[Share]) -> None:
        started = time.monotonic()
        if self._runs_inline(shares) and self._loop is not None:
            self._running.append(shares)
            self.calls_on_loop += 1
            # Soon, not now: dispatch runs inside submit, and other callbacks should interleave.
            self._loop.call_soon(self._call_inline, shares, started, context=self._call_context)
            return
        executor = self._executor
        try:
            if executor is None:
                raise UnavailableError(f"{self._label} has no thread pool; call start() first")
            future = executor.submit(_call, self._predict, _inputs_of(shares))
        except Exception as exc:  # the executor refused, e.g. shut down by its owner
            self._fail(shares, exc)
            return
        self._running.append(shares)
        self.calls_in_pool += 1
        future.add_done_callback(partial(self._call_done, shares, started))

    def _runs_inline(self, shares: list[Share]) -> bool:
        """Whether this call is expected to take under the inline bound, by predict's recent time a row.

        Never before ``_WARM_CALLS`` calls have been timed in the pool. The estimate counts every
        row at the average cost a row has had, fixed costs included, so it overstates larger
        calls: the loop is held for about the bound at most. A call that takes far longer (a
        stall of the model's) raises the average at once, and the calls after it go to the pool.
        """
        if not self._inline_bound_s or self._timed_calls < _WARM_CALLS:
            return False
        rows = sum(share.rows for share in shares)
        return self._row_s * rows < self._inline_bound_s

    def _call_inline(self, shares: list[Share], started: float) -> None:
        if self._loop is None or not any(running is shares for running in self._running):
            return  # closed, and these requests failed, before the call was due
        try:
            outcome = _call(self._predict, _inputs_of(shares))
        except BaseException as exc:  # a KeyboardInterrupt or SystemExit inside predict: fail the call
            self._finish(shares, started, (exc, 0.0), inline=True)
            raise
        self._finish(shares, started, outcome, inline=True)

    def _call_done(self, shares: list[Share], started: float, future: Future[_Outcome]) -> None:
        """In the pool thread: hand the outcome back to the loop."""
        if self._loop is None:
            return
        # A closed loop raises RuntimeError: close() has already failed these requests.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._finish_call, shares, started, future)

    def _finish_call(self, shares: list[Share], started: float, future: Future[_Outcome]) -> None:
        self._finish(shares, started, _outcome_of(future), inline=False)

    def _finish(self, shares: list[Share], started: float, result: _Outcome, *, inline: bool) -> None:
        self._running = [running for running in self._running if running is not shares]
        compute_s = 0.0
        try:
            outcome, compute_s = result
            rows = sum(share.rows for share in shares)
            self._time_row(rows, compute_s, inline)
            if isinstance(outcome, BaseException):
                self._fail(shares, outcome)
            else:
                self._answer(shares, outcome, rows)
            self._report(shares, rows, started, compute_s)
        except Exception as exc:  # a bug of ours: fail this call, keep serving the rest
            _log.exception("%s: batching failed", self._label)
            self._fail(shares, InferdError(f"{self._label}: internal batching error: {exc}"))
        self._dispatch()

    def _answer(self, shares: list[Share], outcome: object, rows: int) -> None:
        problem = self._check_outputs(outcome, rows)
        if problem is not None:
            self._fail(shares, problem)
            return
        outputs = cast(Batch, outcome)
        whole = len(shares) == 1
        columns = outputs.items()
        offset = 0
        for share in shares:
            request, start, stop = share
            end = offset + stop - start
            future = request.future
            if not future.done():
                part = outputs if whole else {name: array[offset:end] for name, array in columns}
                answer = part if stop - start == request.rows else request.add_part(share, part)
                if answer is not None:
                    self._deadlines.remove(request)
                    future.set_result(answer)
            offset = end

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

    # -- closing -------------------------------------------------------------------------------

    def _note_if_drained(self) -> None:
        drained = self._drained
        if drained is None or drained.done() or self._running or self._queue.oldest() is not None:
            return
        drained.set_result(None)

    def _abandon_everything(self) -> None:
        """At the close timeout: fail what is still queued or running."""
        if self._timer is not None:
            self._timer.cancel()
        error = UnavailableError(f"{self._label} closed before this request was answered")
        for shares in self._running:
            self._fail(shares, error)
        self._running.clear()
        for request in self._queue.drain():
            self._settle(request, error)
        self._deadlines.cancel_all()

    # -- reporting -----------------------------------------------------------------------------

    def _time_row(self, rows: int, compute_s: float, inline: bool) -> None:
        """Fold this call's time a row into the average that decides where the next calls run.

        A call in the pool is timed with its wait for the GIL once the model's native code
        returns, while the loop thread runs Python: under load that wait, not the model, is most
        of it (170 µs for a 20-row call of the reference model whose computation takes 30 µs).
        So a pool call faster than the average brings it down to its own time at once: the
        fastest pool calls are the ones that waited least. Inline calls wait for nothing, and
        move it by their share either way.
        """
        if not self._inline_bound_s or not rows or not compute_s:
            return
        row_s = compute_s / rows
        self._timed_calls += 1
        if self._timed_calls == 1 or (not inline and row_s < self._row_s):
            self._row_s = row_s
        else:
            self._row_s += 0.125 * (row_s - self._row_s)

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


_WARM_CALLS = 8  # calls timed in the pool before any may run inline


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
    if len(batch) == 1:  # one tensor, as standard clients send: no ordering or agreement to check
        ((name, array),) = batch.items()
        return len(array), ((name, array.dtype, array.shape[1:]),)
    layout = tuple(sorted((name, array.dtype, array.shape[1:]) for name, array in batch.items()))
    return batch_rows(batch), layout


def _inputs_of(shares: list[Share]) -> Batch:
    first = shares[0]
    if len(shares) == 1 and first.rows == first.request.rows:
        return first.request.batch
    return concat_batches(
        [
            request.batch if stop - start == request.rows else slice_rows(request.batch, start, stop)
            for request, start, stop in shares
        ]
    )


def _call(predict: Callable[[Batch], object], inputs: Batch) -> _Outcome:
    """Run predict in a pool thread; return its outputs (or exception) and its duration.

    ``predict`` returns ``object`` here, not a Batch: a compiled build would check the result's type
    at the call, before ``_check_outputs`` can say what is wrong with it.
    """
    started = time.perf_counter()
    try:
        outputs: object = predict(inputs)
    except Exception as exc:
        return exc, time.perf_counter() - started
    return outputs, time.perf_counter() - started


def _outcome_of(future: Future[_Outcome]) -> _Outcome:
    if future.cancelled():
        return UnavailableError("the model call was cancelled because its batcher is closing"), 0.0
    error = future.exception()
    if error is not None:  # predict raised something that is not an Exception
        return error, 0.0
    return future.result()
