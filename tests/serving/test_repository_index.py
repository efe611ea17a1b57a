"""The model repository extension at the manager: the index lists what could be loaded, and an
unload lasts until a load, however often the registry is read again."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from inferd.config import RegistrySettings
from inferd.registry import Registry
from inferd.serving.manager import ModelManager, ModelState
from inferd.serving.settings import ServingSettings
from tests.models import clf_and_spare_registry


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return clf_and_spare_registry(tmp_path)


def index_of(states: list[ModelState]) -> dict[str, tuple[str, str]]:
    return {s.name: (s.state, s.reason) for s in states}


def test_the_index_lists_registered_models_that_are_not_served(registry: Registry) -> None:
    async def scenario() -> list[ModelState]:
        manager = ModelManager(registry, ServingSettings())
        await manager.start(watch=False)
        await manager.wait_ready()
        try:
            return await manager.index()
        finally:
            await manager.close()

    states = asyncio.run(scenario())
    assert [s.name for s in states] == ["clf", "spare"]
    assert index_of(states) == {"clf": ("READY", ""), "spare": ("UNAVAILABLE", "not loaded")}
    assert states[0].version == 1


def test_an_unloaded_model_stays_unloaded_when_the_registry_is_read_again(registry: Registry) -> None:
    seen: dict[str, object] = {}

    async def scenario() -> None:
        manager = ModelManager(registry, ServingSettings())
        await manager.start(watch=False)
        await manager.wait_ready()
        try:
            await manager.unload("clf")
            # What the registry watch does every few seconds: clf still has the alias.
            seen["reloaded"] = await manager.reload()
            seen["after unload"] = index_of(await manager.index())
            await manager.load("clf")
            await manager.reload()
            seen["after load"] = index_of(await manager.index())
        finally:
            await manager.close()

    asyncio.run(scenario())
    assert seen["reloaded"] == []
    spare = ("UNAVAILABLE", "not loaded")
    assert seen["after unload"] == {"clf": ("UNAVAILABLE", "unloaded"), "spare": spare}
    assert seen["after load"] == {"clf": ("READY", ""), "spare": spare}


def test_a_server_with_nothing_to_serve_says_why(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    registry = Registry.open(RegistrySettings(home=tmp_path / "empty"))

    async def scenario() -> list[ModelState]:
        manager = ModelManager(registry, ServingSettings())
        await manager.start(watch=False)
        try:
            return await manager.index()
        finally:
            await manager.close()

    with caplog.at_level(logging.WARNING, logger="inferd.serving"):
        assert asyncio.run(scenario()) == []
    assert "no model to serve yet: no model has the alias 'production'" in caplog.text
    assert "inferd alias set NAME production VERSION" in caplog.text
