"""Bounded waits on external calls.

A timeout here stops the *waiting*, not the work: a coroutine is cancelled, but
a function already running in a thread runs on until it returns. Give such
functions their own bound too (socket timeouts) so abandoned threads end soon.
A dependency that does not answer in time is unavailable (503), and the error
says what timed out; the request's own deadline is the batcher's business (504).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

from inferd.errors import InferdError, UnavailableError

T = TypeVar("T")


class DependencyTimeoutError(UnavailableError):
    """An external call did not answer within its timeout: 503 / UNAVAILABLE."""


async def call_with_timeout(
    fn_or_awaitable: Callable[[], Awaitable[T]] | Awaitable[T],
    timeout_s: float,
    *,
    name: str | None = None,
) -> T:
    """Await ``fn_or_awaitable`` (or what calling it returns) for at most ``timeout_s`` seconds.

    Raises :class:`DependencyTimeoutError` ("timed out after 0.2 s calling
    <name>") when it takes longer; the awaited call is cancelled. ``name``
    defaults to the function's or coroutine's qualified name.
    """
    _check(timeout_s)
    label = name or _name(fn_or_awaitable)
    awaitable = fn_or_awaitable if inspect.isawaitable(fn_or_awaitable) else fn_or_awaitable()
    try:
        return await asyncio.wait_for(awaitable, timeout_s)
    except TimeoutError as exc:
        raise DependencyTimeoutError(f"timed out after {timeout_s:g} s calling {label}") from exc


def call_in_thread_with_timeout(
    executor: concurrent.futures.Executor,
    fn: Callable[[], T],
    timeout_s: float,
    *,
    name: str | None = None,
) -> T:
    """Run ``fn()`` on ``executor`` and wait at most ``timeout_s`` seconds for it, from synchronous code.

    Raises :class:`DependencyTimeoutError` when it takes longer; ``fn`` keeps
    running on the executor (see the module docstring), so size the executor
    for the calls that may be abandoned.
    """
    _check(timeout_s)
    future = executor.submit(fn)
    try:
        return future.result(timeout=timeout_s)
    except concurrent.futures.TimeoutError as exc:
        future.cancel()  # only helps if it has not started yet
        raise DependencyTimeoutError(f"timed out after {timeout_s:g} s calling {name or _name(fn)}") from exc


def _check(timeout_s: float) -> None:
    if not timeout_s > 0:
        raise InferdError(f"timeout_s must be positive, got {timeout_s}")


def _name(target: object) -> str:
    return str(getattr(target, "__qualname__", None) or type(target).__name__)
