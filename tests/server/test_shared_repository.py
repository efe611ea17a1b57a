"""The workers' shared repository log, in one process: several managers stand for several workers.

What a client of a multi-worker server relies on: a load, unload or reload has reached
every worker when its call returns, calls that race end the same everywhere, a worker
that starts later serves what the others serve, and a worker that died or hangs does
not hold every later call forever.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import numpy as np
import pytest

from inferd.errors import ModelNotFoundError
from inferd.registry import Registry
from inferd.server.shared_repository import LOG_NAME, SharedRepository
from inferd.serving.manager import ModelManager
from inferd.serving.registration import register_model
from inferd.serving.settings import ServingSettings
from tests.models import clf_and_spare_registry, train_onnx_classifier


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return clf_and_spare_registry(tmp_path)


class Workers:
    """Workers named by the test, each a manager with its SharedRepository over one folder."""

    def __init__(self, registry: Registry, folder: Path, stack: AsyncExitStack, **options: float) -> None:
        self._registry, self.folder, self._stack, self._options = registry, folder, stack, options
        self.managers: dict[str, ModelManager] = {}
        self.repositories: dict[str, SharedRepository] = {}

    async def start(self, name: str) -> SharedRepository:
        manager = ModelManager(self._registry, ServingSettings())
        shared = SharedRepository(manager, self.folder, worker_id=name, **self._options)
        await manager.start(watch=False, changes=shared.replay())
        self._stack.push_async_callback(manager.close)
        await manager.wait_ready()
        await shared.start()
        self._stack.push_async_callback(shared.close)
        self.managers[name], self.repositories[name] = manager, shared
        return shared

    def serving(self) -> dict[str, list[str]]:
        return {name: manager.names() for name, manager in self.managers.items()}


@asynccontextmanager
async def workers(registry: Registry, folder: Path, **options: float) -> AsyncIterator[Workers]:
    async with AsyncExitStack() as stack:
        yield Workers(registry, folder, stack, **options)


def run(
    registry: Registry, tmp_path: Path, scenario: Callable[[Workers], Awaitable[None]], **options: float
) -> None:
    async def main() -> None:
        async with workers(registry, tmp_path / "sync", **options) as group:
            await scenario(group)

    asyncio.run(main())


def test_a_call_has_reached_every_worker_when_it_returns(registry: Registry, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    async def scenario(group: Workers) -> None:
        a, b = await group.start("a"), await group.start("b")
        await a.unload("clf")
        seen["after unload"] = group.serving()
        await b.load("spare")
        seen["after load"] = group.serving()
        await a.load("clf")
        seen["after load again"] = group.serving()

    run(registry, tmp_path, scenario)
    assert seen["after unload"] == {"a": [], "b": []}
    assert seen["after load"] == {"a": ["spare"], "b": ["spare"]}
    assert seen["after load again"] == {"a": ["clf", "spare"], "b": ["clf", "spare"]}


def test_reload_reaches_every_worker_and_answers_what_moved(registry: Registry, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    async def scenario(group: Workers) -> None:
        a, _ = await group.start("a"), await group.start("b")
        path = train_onnx_classifier(tmp_path / "trained", seed=1)
        registry.set_alias("clf", "production", register_model(registry, "clf", path).version, reason="test")
        seen["reloaded"] = await a.reload()
        seen["versions"] = {name: m.serving_version("clf") for name, m in group.managers.items()}

    run(registry, tmp_path, scenario)
    assert seen["reloaded"] == ["clf:2"]
    assert seen["versions"] == {"a": 2, "b": 2}


def test_racing_calls_end_the_same_on_every_worker(registry: Registry, tmp_path: Path) -> None:
    outcomes: list[dict[str, list[str]]] = []

    async def scenario(group: Workers) -> None:
        a, b = await group.start("a"), await group.start("b")
        for _ in range(3):
            await asyncio.gather(a.load("spare"), b.unload("spare"), return_exceptions=True)
            await asyncio.sleep(0.2)  # let each follower take what the other appended
            outcomes.append(group.serving())
            await asyncio.gather(b.load("spare"), a.unload("spare"), return_exceptions=True)
            await asyncio.sleep(0.2)
            outcomes.append(group.serving())

    run(registry, tmp_path, scenario)
    for serving in outcomes:
        assert serving["a"] == serving["b"], outcomes


def test_a_worker_that_starts_later_serves_what_the_others_serve(registry: Registry, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    async def scenario(group: Workers) -> None:
        a = await group.start("a")
        await a.unload("clf")
        await a.load("spare")
        await group.start("late")
        seen["serving"] = group.serving()
        seen["index"] = {s.name: s.reason for s in await group.managers["late"].index()}

    run(registry, tmp_path, scenario)
    assert seen["serving"] == {"a": ["spare"], "late": ["spare"]}
    assert seen["index"] == {"clf": "unloaded", "spare": ""}


def test_a_refused_call_changes_nothing_and_is_not_shared(registry: Registry, tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    async def scenario(group: Workers) -> None:
        a, _ = await group.start("a"), await group.start("b")
        with pytest.raises(ModelNotFoundError):
            await a.load("no-such-model")
        with pytest.raises(ModelNotFoundError):
            await a.unload("spare")  # registered, not served
        seen["log"] = (group.folder / LOG_NAME).exists()
        seen["serving"] = group.serving()

    run(registry, tmp_path, scenario)
    assert seen["log"] is False
    assert seen["serving"] == {"a": ["clf"], "b": ["clf"]}


def test_a_dead_worker_is_not_waited_for_and_a_stuck_one_only_until_the_timeout(
    registry: Registry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    waited: dict[str, float] = {}

    async def scenario(group: Workers) -> None:
        a = await group.start("a")
        acks = group.folder / "acks"
        dead = _unused_pid()
        (acks / str(dead)).write_text("0")  # a worker that died without removing its count
        started = time.monotonic()
        await a.unload("clf")
        waited["dead"] = time.monotonic() - started
        (acks / "stuck").write_text("0")  # alive (not a pid), never applying anything
        started = time.monotonic()
        await a.load("clf")
        waited["stuck"] = time.monotonic() - started

    with caplog.at_level(logging.WARNING, logger="inferd.server"):
        run(registry, tmp_path, scenario, peer_timeout_s=0.5)
    assert waited["dead"] < 0.4
    assert 0.5 <= waited["stuck"] < 3
    assert "workers stuck have not applied" in caplog.text


def _unused_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_statistics_add_up_every_workers_requests_and_leave_out_one_that_hangs(
    registry: Registry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seen: dict[str, object] = {}
    row = {"input": np.zeros((1, 6), np.float32)}

    async def scenario(group: Workers) -> None:
        a, _ = await group.start("a"), await group.start("b")
        for worker, requests in (("a", 3), ("b", 5)):
            for _ in range(requests):
                await group.managers[worker].infer("clf", None, row)
        (clf,) = await a.statistics("clf", None)
        seen["counted"] = clf["inference_count"]
        seen["all"] = [s["inference_count"] for s in await a.statistics(None, None)]
        (group.folder / "acks" / "stuck").write_text("0")  # alive (not a pid), never answering
        started = time.monotonic()
        (clf,) = await a.statistics("clf", 1)
        seen["without the stuck one"], seen["waited"] = clf["inference_count"], time.monotonic() - started
        with pytest.raises(ModelNotFoundError):
            await a.statistics("spare", None)

    with caplog.at_level(logging.WARNING, logger="inferd.server"):
        run(registry, tmp_path, scenario, statistics_timeout_s=0.5)
    assert seen["counted"] == 8
    assert seen["all"] == [8]
    assert seen["without the stuck one"] == 8
    assert 0.5 <= seen["waited"] < 3  # type: ignore[operator]
    assert "statistics leave out workers stuck" in caplog.text


def test_a_damaged_log_entry_is_skipped_by_every_worker_and_later_calls_still_reach_all(
    registry: Registry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seen: dict[str, object] = {}

    async def scenario(group: Workers) -> None:
        a, b = await group.start("a"), await group.start("b")
        await a.unload("clf")
        with (group.folder / LOG_NAME).open("ab") as log_file:
            log_file.write(b'{"change": "load"\n')  # cut short, as by a full disk
        await asyncio.sleep(0.2)  # the followers meet it
        started = time.monotonic()
        await b.load("spare")
        seen["waited"] = time.monotonic() - started
        await group.start("late")
        seen["serving"] = group.serving()

    with caplog.at_level(logging.WARNING, logger="inferd.server"):
        run(registry, tmp_path, scenario, peer_timeout_s=5)
    assert seen["serving"] == {"a": ["spare"], "b": ["spare"], "late": ["spare"]}
    assert seen["waited"] < 2  # type: ignore[operator]  # the counts still agree: no waiting out the timeout
    assert "skipping a damaged entry" in caplog.text
