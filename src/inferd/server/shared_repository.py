"""The repository API (load, unload, reload) of one worker among several: each call reaches them all.

With ``--workers N`` granian hands each connection to whichever worker accepts it,
so a load or unload that only the receiving worker heard of would leave the
others serving the old set: about half of the next requests would still reach an
unloaded model. The workers therefore share an append-only log of these calls in a
folder the supervisor makes (``INFERD_WORKER_SYNC_DIR``):

- the worker that takes a call locks the log (``flock``), applies what the log holds
  that it has not applied yet, applies the call, appends it, and answers once every
  other live worker says it has applied it too (each writes its count of applied
  entries to ``acks/<pid>``), or after ``peer_timeout_s`` with a warning;
- every worker follows the log (a ``stat`` every ``poll_s``) and applies what others
  appended, in order, so concurrent calls end the same on every worker;
- a worker that starts later (or again) replays the log's loads and unloads before
  its models are chosen, so it serves what the others serve.

A call the receiving worker refuses as not found (an unknown model, an unload of one
not served) changes nothing and is not shared. Statistics calls are answered with every
worker's counts (:mod:`inferd.server.shared_statistics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Any

from inferd.errors import NotFoundError
from inferd.server.shared_statistics import SharedStatistics
from inferd.server.worker_folder import ACKS, wait_for_peers, write_whole
from inferd.serving.manager import ModelManager, ModelState

LOG_NAME = "repository.log"
_LOCK_RETRY_S = 0.005

log = logging.getLogger("inferd.server")

Change = tuple[str, str]  # ("load" | "unload" | "reload", model name or "")


class SharedRepository:
    """The repository API of this worker, shared with the others through the log in ``folder``."""

    def __init__(
        self,
        manager: ModelManager,
        folder: Path,
        *,
        worker_id: str | None = None,
        poll_s: float = 0.05,
        peer_timeout_s: float = 120.0,
        statistics_timeout_s: float = 2.0,
    ) -> None:
        self._manager = manager
        self._log_path = folder / LOG_NAME
        self._lock_path = folder / "lock"
        self._folder = folder
        self._acks = folder / ACKS
        self._id = worker_id or str(os.getpid())
        self._poll_s = poll_s
        self._peer_timeout_s = peer_timeout_s
        self._offset = 0  # bytes of the log applied here
        self._applied = 0  # entries of the log applied here
        self._applying = asyncio.Lock()
        self._calls = asyncio.Lock()
        self._follower: asyncio.Task[None] | None = None
        self._statistics = SharedStatistics(
            manager, folder, self._id, poll_s=poll_s, timeout_s=statistics_timeout_s
        )

    def replay(self) -> list[Change]:
        """Before the manager starts: the loads and unloads in the log so far, to pass to its start."""
        self._acks.mkdir(parents=True, exist_ok=True)
        return [change for change in self._read_new() if change[0] != "reload"]

    async def start(self) -> None:
        """Say how far this worker is, and follow what the others append."""
        self._write_ack()
        self._follower = asyncio.create_task(self._follow(), name="inferd-repository-follow")
        await self._statistics.start()

    async def close(self) -> None:
        await self._statistics.close()
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower
        (self._acks / self._id).unlink(missing_ok=True)

    # -- the repository API ---------------------------------------------------------------------

    async def index(self) -> list[ModelState]:
        return await self._manager.index()

    async def load(self, name: str) -> object:
        return await self._call(("load", name))

    async def unload(self, name: str) -> None:
        await self._call(("unload", name))

    async def reload(self) -> list[str]:
        reloaded = await self._call(("reload", ""))
        assert isinstance(reloaded, list)
        return reloaded

    async def statistics(self, name: str | None, version: int | None) -> list[dict[str, Any]]:
        return await self._statistics.gather(name, version)

    # -- internals ----------------------------------------------------------------------------------

    async def _call(self, change: Change) -> object:
        async with self._calls:
            lock = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                await _lock(lock)
                async with self._applying:
                    await self._apply_new()
                    try:
                        result = await self._apply(change, here=True)
                    except NotFoundError:
                        raise  # nothing changed here, so nothing to share
                    except BaseException:
                        self._append(change)  # it may have changed something (a load that failed)
                        raise
                    self._append(change)
                await self._wait_for_peers(self._applied)
                return result
            finally:
                os.close(lock)  # releases the flock

    async def _apply(self, change: Change, *, here: bool) -> object:
        kind, name = change
        manager = self._manager
        if kind == "reload":
            return await manager.reload()
        if kind == "load":
            return await manager.load(name)
        try:
            await manager.unload(name)
        except NotFoundError:
            if here:
                raise
        return None

    async def _apply_new(self) -> None:
        """Apply, in order, what other workers appended since this one last looked."""
        for change in self._read_new():
            try:
                await self._apply(change, here=False)
            except Exception as exc:  # the worker that took the call answered its client; say why here
                log.warning("applying another worker's repository %s of %r failed: %s", *change, exc)
        self._write_ack()

    def _read_new(self) -> list[Change]:
        try:
            with self._log_path.open("rb") as file:
                file.seek(self._offset)
                data = file.read()
        except FileNotFoundError:
            return []
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written is read next time
        self._offset += len(complete)
        changes = []
        for line in complete.splitlines():
            try:
                entry = json.loads(line)
                changes.append((str(entry["change"]), str(entry["model"])))
            except (ValueError, KeyError, TypeError):  # every worker skips it alike, so counts agree
                log.warning("skipping a damaged entry of the workers' repository log: %r", line[:200])
        self._applied += len(changes)
        return changes

    def _append(self, change: Change) -> None:
        """Append ``change`` (the log is locked and fully applied here, so it is the last entry)."""
        line = json.dumps({"change": change[0], "model": change[1], "worker": self._id}).encode() + b"\n"
        descriptor = os.open(self._log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)
        self._offset += len(line)
        self._applied += 1
        self._write_ack()

    def _write_ack(self) -> None:
        write_whole(self._acks / self._id, str(self._applied))

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            try:
                grown = self._log_path.stat().st_size > self._offset
            except FileNotFoundError:
                continue
            if grown and not self._applying.locked():
                try:
                    async with self._applying:
                        await self._apply_new()
                except Exception:  # a bug, or a log damaged by hand: say so, and keep following
                    log.exception("following the workers' repository log failed")

    async def _wait_for_peers(self, entries: int) -> None:
        """Until every other live worker has applied ``entries`` entries (bounded: a stuck one is named)."""

        def behind(_: str, applied: int) -> bool:
            return applied < entries

        lagging = await wait_for_peers(self._folder, self._id, behind, self._peer_timeout_s, self._poll_s / 5)
        if lagging:
            log.warning(
                "workers %s have not applied the repository change within %.0f s; they will when "
                "they catch up",
                ", ".join(lagging),
                self._peer_timeout_s,
            )


async def _lock(descriptor: int) -> None:
    """``flock`` without blocking the event loop (a thread blocked in it could not be cancelled)."""
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            await asyncio.sleep(_LOCK_RETRY_S)
