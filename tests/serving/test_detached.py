"""run_detached: blocking work awaited on the loop, which a shutdown can give up without waiting."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from inferd.serving.detached import run_detached


def test_the_result_and_the_exception_reach_the_awaiting_task() -> None:
    asyncio.run(_result_and_exception())


def test_a_cancelled_wait_returns_at_once_while_the_work_runs_on_in_a_daemon_thread() -> None:
    asyncio.run(_cancelled_wait())


async def _result_and_exception() -> None:
    assert await run_detached(lambda: 41 + 1, name="answer") == 42
    with pytest.raises(ValueError, match="bad artifact"):
        await run_detached(_raise_value_error, name="failing")
    # A model's code that calls sys.exit() fails its load, not the server's event loop.
    with pytest.raises(RuntimeError, match="SystemExit raised in thread exiting"):
        await run_detached(_exit, name="exiting")


async def _cancelled_wait() -> None:
    release = threading.Event()
    finished = threading.Event()
    seen: list[threading.Thread] = []

    def slow_load() -> str:
        seen.append(threading.current_thread())
        release.wait(10)
        finished.set()
        return "loaded"

    task = asyncio.ensure_future(run_detached(slow_load, name="slow-load"))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0
    assert seen[0].daemon  # the interpreter does not wait for it at exit
    assert seen[0].name == "slow-load"
    release.set()
    assert await asyncio.to_thread(finished.wait, 5)
    await asyncio.sleep(0.05)  # its late result is dropped, not set on the cancelled future


def _raise_value_error() -> None:
    raise ValueError("bad artifact")


def _exit() -> None:
    raise SystemExit(3)
