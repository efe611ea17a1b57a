"""Blocking work the event loop awaits but never waits for at exit: a daemon thread per call.

Loading a model (fetching its artifact, building its session, warming it up) can take
minutes. ``asyncio.to_thread`` runs it on the loop's thread pool, whose threads the
interpreter joins before it exits, so a SIGTERM during a load would wait for the load to
finish, past any grace period. A load started with :func:`run_detached` can be given
up instead: cancelling the awaiting task returns at once, the thread finishes (or is
stopped with the process) on its own, and its result is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from functools import partial
from typing import TypeVar

T = TypeVar("T")


def run_detached(function: Callable[[], T], *, name: str) -> asyncio.Future[T]:
    """``function()`` in a new daemon thread; its result (or exception) on a future of the running loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def succeed(outcome: T) -> None:
        if not future.done():  # else given up (cancelled) while the thread worked
            future.set_result(outcome)

    def fail(error: BaseException) -> None:
        if not future.done():
            future.set_exception(error)

    def work() -> None:
        try:
            outcome = function()
        except Exception as exc:  # handed to the awaiting task, which decides
            report: Callable[[], object] = partial(loop.call_soon_threadsafe, fail, exc)
        except BaseException as exc:  # SystemExit from a model's code must not stop the server's loop
            error = RuntimeError(f"{type(exc).__name__} raised in thread {threading.current_thread().name}")
            error.__cause__ = exc
            report = partial(loop.call_soon_threadsafe, fail, error)
        else:
            report = partial(loop.call_soon_threadsafe, succeed, outcome)
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
            report()

    threading.Thread(target=work, name=name, daemon=True).start()
    return future
