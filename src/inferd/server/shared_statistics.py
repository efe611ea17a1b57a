"""The statistics extension across the workers of one server: every worker's counts, added up.

Each worker counts the requests it serves. With ``--workers N`` a client's connection
reaches one of them, so its statistics alone would show a share of the traffic, a
different share on the next connection. So the worker asked for statistics asks the
others, through the folder they share (see :mod:`inferd.server.worker_folder`):

- it makes ``stats/<request>/`` and waits until every other live worker has written
  its report there (``<worker>.json``), up to ``timeout_s``, then adds them to its own;
- every worker looks for such folders every ``poll_s`` and answers each once.

So a statistics call takes up to ``poll_s`` longer with several workers; a worker that
does not answer in time is left out, with a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from inferd.server.worker_folder import wait_for_peers, write_whole
from inferd.serving.manager import ModelManager
from inferd.serving.statistics import merged_statistics

STATS = "stats"

log = logging.getLogger("inferd.server")


class SharedStatistics:
    """Asks the other workers for their statistics, and answers theirs."""

    def __init__(
        self, manager: ModelManager, folder: Path, worker_id: str, *, poll_s: float, timeout_s: float = 2.0
    ) -> None:
        self._manager = manager
        self._folder = folder
        self._requests = folder / STATS
        self._id = worker_id
        self._poll_s = poll_s
        self._timeout_s = timeout_s
        self._numbers = itertools.count()
        self._answered: set[str] = set()
        self._answering: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._requests.mkdir(parents=True, exist_ok=True)
        self._answering = asyncio.create_task(self._answer_requests(), name="inferd-statistics-answer")

    async def close(self) -> None:
        if self._answering is not None:
            self._answering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._answering

    async def gather(self, name: str | None, version: int | None) -> list[dict[str, Any]]:
        """The statistics of ``name`` (and ``version``), or of every served model, from every worker."""
        reports = await self._manager.statistics(name, version)
        wanted = {(report["name"], report["version"]) for report in reports}
        request = self._requests / f"{self._id}-{next(self._numbers)}"
        request.mkdir()
        try:
            for report in await self._peer_reports(request):
                if name is None or (report["name"], report["version"]) in wanted:
                    reports.append(report)
        finally:
            shutil.rmtree(request, ignore_errors=True)
        return merged_statistics(reports)

    async def _peer_reports(self, request: Path) -> list[dict[str, Any]]:
        missing = await wait_for_peers(
            self._folder,
            self._id,
            lambda peer, _: not (request / f"{peer}.json").exists(),
            self._timeout_s,
            self._poll_s / 5,
        )
        if missing:
            log.warning(
                "statistics leave out workers %s: they did not answer within %.1f s",
                ", ".join(missing),
                self._timeout_s,
            )
        reports: list[dict[str, Any]] = []
        for answer in request.glob("*.json"):  # a ``.json.partial`` is still being written
            reports.extend(json.loads(answer.read_text()))
        return reports

    async def _answer_requests(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            try:
                await self._answer_new()
            except OSError as exc:  # the folder went away (shutting down): nothing to answer
                log.debug("statistics requests: %s", exc)

    async def _answer_new(self) -> None:
        pending = {entry.name for entry in self._requests.iterdir() if entry.is_dir()}
        self._answered &= pending  # forget requests their asker has removed
        for name in pending - self._answered:
            if name.startswith(f"{self._id}-"):
                continue  # this worker's own request
            reports = await self._manager.statistics(None, None)
            with contextlib.suppress(FileNotFoundError):  # the asker gave up and removed it
                write_whole(self._requests / name / f"{self._id}.json", json.dumps(reports))
            self._answered.add(name)
