"""SIGTERM and SIGINT while granian is still starting: its workers hear of them through a pipe.

granian's main process forwards a shutdown signal to each worker, but a worker
that is still starting can lose it; it then starts, serves, and is killed only at
``workers_kill_timeout``:

- until granian installs the worker's own handlers, after importing and building
  the app (``granian/server/mp.py``, ``_spawn_rsgi_worker``: ``callback_loader()``
  runs before ``set_loop_signals``), the worker runs the handler it inherited from
  the main process, which only sets flags on its copy of granian's server object;
- CPython forgets a signal caught in a forked child before its after-fork code has
  run (``_PySignal_AfterFork``), as one forwarded at once to a worker just forked;
- uvloop drops a signal that comes while its loop is stopped (its self-pipe exists
  only during a run), as between ``__rsgi_init__`` and granian's serving loop.

A pipe loses nothing: the main process writes to it when it is told to stop (from
the first moment of :func:`~inferd.server.runner.serve`, before granian listens),
and each worker reads it in the first callback of granian's serving loop; from then
on its loop runs and takes signals itself. A worker that learns of the shutdown
this way raises SIGTERM in itself, and the usual graceful shutdown follows.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import FrameType
from typing import Any, Protocol

SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)

SignalHandler = Callable[[int, FrameType | None], Any]


class StopNotice:
    """A worker's end of the pipe: whether the main process has been told to stop."""

    def __init__(self, reader: Connection) -> None:
        self._reader = reader

    def is_given(self) -> bool:
        return self._reader.poll(0)


class StartupSignals:
    """The main process's SIGTERM and SIGINT, from before granian listens, told to granian and the workers.

    The handler only sets a flag and writes to the pipe. granian's own handler sets a
    ``threading.Event`` which the main thread waits on from just after forking the workers;
    run as a signal handler that interrupts that wait while it holds the Event's lock, it
    deadlocks. So a relay thread calls it instead.
    """

    def __init__(self) -> None:
        self._main_pid: int | None = None
        self._reader: Connection | None = None
        self._writer: Connection | None = None
        self._received: int | None = None
        self._original: dict[int, Any] = {}
        self._granian: dict[int, SignalHandler] = {}
        self._granian_listens = threading.Event()
        self._relay = threading.Thread(target=self._relay_to_granian, name="inferd-signal-relay")

    def hold(self) -> StopNotice:
        """Take the signals in this (main) process from now on; returns the workers' end of the pipe."""
        self._main_pid = os.getpid()
        self._reader, self._writer = multiprocessing.Pipe(duplex=False)
        for signum in SHUTDOWN_SIGNALS:
            self._original[signum] = signal.signal(signum, self._on_signal)
        self._relay.start()
        return StopNotice(self._reader)

    def hand_to_granian(self) -> None:
        """granian's startup hook: its handlers are in place, no worker is forked yet."""
        for signum in SHUTDOWN_SIGNALS:
            handler = signal.getsignal(signum)
            if callable(handler):
                self._granian[signum] = handler
            signal.signal(signum, self._on_signal)
        self._granian_listens.set()

    def release(self) -> None:
        """Put back the handlers :meth:`hold` found and stop the relay, once granian has returned."""
        for signum, handler in self._original.items():
            signal.signal(signum, handler)
        self._granian.clear()
        self._granian_listens.set()
        if self._writer is not None:
            self._writer.send_bytes(b"released")  # wakes the relay; no worker is left to read it
            self._relay.join()
            self._writer.close()
        if self._reader is not None:
            self._reader.close()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self._main_pid:
            return  # inherited by a worker granian has not set up yet: the pipe tells it
        if self._received is None and self._writer is not None:
            self._received = signum
            self._writer.send_bytes(b"stop")

    def _relay_to_granian(self) -> None:
        if self._reader is not None:
            self._reader.poll(None)  # until told to stop, or released
        self._granian_listens.wait()
        signum = self._received
        handler = self._granian.get(signum) if signum is not None else None
        if signum is not None and handler is not None:
            handler(signum, None)


class RsgiApp(Protocol):
    """The RSGI hooks granian calls on an application object."""

    async def __rsgi__(self, scope: Any, proto: Any) -> None: ...

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None: ...

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None: ...


class SignalAwareApp:
    """A worker's RSGI app, which stops at once if the main process was told to while it started."""

    def __init__(self, app: RsgiApp, notice: StopNotice) -> None:
        self._app = app
        self._notice = notice

    @property
    def __rsgi__(self) -> Callable[[Any, Any], Any]:
        # granian looks the handler up once, so requests call the wrapped app's with no extra frame.
        return self._app.__rsgi__

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._app.__rsgi_init__(loop)
        # The loop is stopped until granian's serving loop starts; this is its first callback.
        loop.call_soon(self._stop_if_told)

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._app.__rsgi_del__(loop)

    def _stop_if_told(self) -> None:
        if self._notice.is_given():
            signal.raise_signal(signal.SIGTERM)
