"""The folder where the workers of one server meet: who is alive, and files written whole.

Each worker keeps ``acks/<id>`` (its id is its process id): how many entries of the
shared repository log it has applied. The files double as the list of workers: one
whose process has gone (it died without removing its file) is not waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

ACKS = "acks"


def live_peers(folder: Path, me: str) -> dict[str, int]:
    """The other live workers, each with its count of applied log entries."""
    peers = {}
    with contextlib.suppress(FileNotFoundError):
        for ack in (folder / ACKS).iterdir():
            if ack.suffix or ack.name == me:
                continue
            with contextlib.suppress(FileNotFoundError, ValueError):
                applied = int(ack.read_text())
                if _is_alive(ack.name):
                    peers[ack.name] = applied
    return peers


async def wait_for_peers(
    folder: Path, me: str, waiting_on: Callable[[str, int], bool], timeout_s: float, poll_s: float
) -> list[str]:
    """Until no other live worker is one ``waiting_on(worker, applied)`` says is still awaited.

    Returns the workers still awaited when ``timeout_s`` ran out (empty when none was).
    """
    deadline = time.monotonic() + timeout_s
    while awaited := [peer for peer, applied in live_peers(folder, me).items() if waiting_on(peer, applied)]:
        if time.monotonic() > deadline:
            return awaited
        await asyncio.sleep(poll_s)
    return []


def write_whole(path: Path, text: str) -> None:
    """Write ``path`` so that a reader sees all of it or none of it."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    partial.replace(path)


def _is_alive(worker_id: str) -> bool:
    """Whether the worker is still running (a worker that died leaves its file behind)."""
    if not worker_id.isdigit():
        return True  # not a process id (tests name their workers)
    try:
        os.kill(int(worker_id), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
