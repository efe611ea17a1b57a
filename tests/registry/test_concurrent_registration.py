"""Processes registering versions of one model at the same time get distinct versions and lose nothing."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from inferd.config import RegistrySettings
from inferd.registry import Registry
from tests.registry.artifacts import stored_files, write_folder
from tests.registry.workers import join, register_many

PROCESSES = 3
REGISTRATIONS = 5


def test_concurrent_registrations_get_distinct_versions_and_lose_nothing(
    settings: RegistrySettings, tmp_path: Path
) -> None:
    Registry.open(settings).close()  # create the schema once, as an operator's first command would
    # forkserver: children fork from one process that imported the registry once (fast, thread-safe)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.registry.workers"])
    barrier = context.Barrier(PROCESSES)  # every child opens its registry, then all start at once

    with ProcessPoolExecutor(PROCESSES, mp_context=context, initializer=join, initargs=(barrier,)) as pool:
        models = tmp_path / "models"
        futures = [pool.submit(register_many, settings, w, REGISTRATIONS, models) for w in range(PROCESSES)]
        returned = sorted(v for f in futures for v in f.result())

    total = PROCESSES * REGISTRATIONS
    assert returned == list(range(1, total + 1))
    with Registry.open(settings) as reg:
        versions = reg.versions("m")
        assert [mv.version for mv in versions] == list(range(1, total + 1))
        stored = {(mv.metadata["worker"], mv.metadata["n"]) for mv in versions}
        assert stored == {(w, n) for w in range(PROCESSES) for n in range(REGISTRATIONS)}
        for mv in versions:
            own = reg.fetch(mv) / "own.bin"
            assert own.read_text() == f"worker {mv.metadata['worker']} registration {mv.metadata['n']}"


class BlobRemovingProgress:
    """When the upload finishes, deletes its blobs: what a concurrent failed registration's cleanup may do."""

    def __init__(self, settings: RegistrySettings) -> None:
        self.settings = settings

    def start(self, description: str, total_bytes: int) -> None:
        pass

    def advance(self, n_bytes: int) -> None:
        pass

    def finish(self) -> None:
        for blob in stored_files(self.settings):
            blob.unlink()


def test_a_blob_removed_between_upload_and_commit_is_uploaded_again(
    registry: Registry, settings: RegistrySettings, tmp_path: Path
) -> None:
    folder = write_folder(tmp_path / "model", {"a.bin": b"a", "b.bin": b"b"})

    mv = registry.register("m", folder, framework="python", progress=BlobRemovingProgress(settings))

    assert len(stored_files(settings)) == 2
    assert (registry.fetch(mv) / "b.bin").read_bytes() == b"b"
