from __future__ import annotations

from pathlib import Path

import pytest

from inferd.config import RegistrySettings
from inferd.errors import IntegrityError
from inferd.registry import ModelVersion, Registry
from tests.registry.artifacts import RecordingProgress, blob_of, write_file, write_folder


@pytest.fixture
def folder_version(registry: Registry, tmp_path: Path) -> ModelVersion:
    folder = write_folder(tmp_path / "model", {"model.json": b'{"k": 1}', "weights/w.bin": b"\x00" * 4096})
    return registry.register("m", folder, framework="python")


def test_fetch_gives_the_file_of_a_single_file_artifact(registry: Registry, tmp_path: Path) -> None:
    mv = registry.register("m", write_file(tmp_path / "model.onnx", b"onnx"), framework="onnx")

    path = registry.fetch(mv)

    assert path.name == "model.onnx"
    assert path.read_bytes() == b"onnx"
    assert path.parent.name == mv.digest


def test_fetch_gives_the_folder_of_a_folder_artifact(
    registry: Registry, folder_version: ModelVersion
) -> None:
    path = registry.fetch(folder_version)

    assert (path / "model.json").read_bytes() == b'{"k": 1}'
    assert (path / "weights" / "w.bin").stat().st_size == 4096


def test_fetching_twice_reuses_the_verified_cache(registry: Registry, folder_version: ModelVersion) -> None:
    progress = RecordingProgress()
    first = registry.fetch(folder_version, progress=progress)
    second = registry.fetch(folder_version, progress=progress)

    assert first == second
    assert progress.started == [(f"fetching {folder_version.ref}", folder_version.size_bytes)]
    assert progress.advanced_bytes == folder_version.size_bytes
    assert progress.finished == 1


def test_tampered_artifact_is_refused_naming_the_file(
    registry: Registry, settings: RegistrySettings, folder_version: ModelVersion
) -> None:
    weights = next(f for f in folder_version.files if f.path == "weights/w.bin")
    blob_of(settings, weights.sha256).write_bytes(b"\x01" * 4096)

    with pytest.raises(IntegrityError, match=r"m:1: file 'weights/w\.bin' .*tampered"):
        registry.fetch(folder_version)
    assert list(Path(settings.local_cache).iterdir()) == []  # neither the entry nor a temporary folder


def test_truncated_artifact_is_refused_naming_the_file(
    registry: Registry, settings: RegistrySettings, folder_version: ModelVersion
) -> None:
    weights = next(f for f in folder_version.files if f.path == "weights/w.bin")
    blob_of(settings, weights.sha256).write_bytes(b"\x00" * 100)

    with pytest.raises(IntegrityError, match=r"m:1: file 'weights/w\.bin' .*100 bytes instead of 4096"):
        registry.fetch(folder_version)


def test_missing_blob_is_refused_naming_the_file(
    registry: Registry, settings: RegistrySettings, folder_version: ModelVersion
) -> None:
    model_json = next(f for f in folder_version.files if f.path == "model.json")
    blob_of(settings, model_json.sha256).unlink()

    with pytest.raises(IntegrityError, match=r"m:1: file 'model\.json' is missing from the artifact store"):
        registry.fetch(folder_version)


def test_tampered_cache_is_refused_naming_the_file(registry: Registry, folder_version: ModelVersion) -> None:
    path = registry.fetch(folder_version)
    (path / "model.json").write_bytes(b'{"k": 2}')

    with pytest.raises(IntegrityError, match=r"m:1: file 'model\.json' in the local cache .* modified"):
        registry.fetch(folder_version)


def test_a_file_removed_from_the_cache_is_refused(registry: Registry, folder_version: ModelVersion) -> None:
    path = registry.fetch(folder_version)
    (path / "weights" / "w.bin").unlink()

    with pytest.raises(IntegrityError, match=r"'weights/w\.bin' is missing from the local cache"):
        registry.fetch(folder_version)
