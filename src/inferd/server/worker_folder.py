"""The folder where the workers of one server meet: who is alive, and files written whole.

Each worker keeps ``acks/<id>`` (its id is its process id): how many entries of the
shared repository log it has applied. The files double as the list of workers: one
whose process has gone (it died without removing its file) is not waited for.
"""

from __future__ import annotations

import contextlib
import os
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
