"""Artifacts on an S3-compatible store (moto's server on loopback)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from inferd.config import RegistrySettings
from inferd.errors import IntegrityError
from inferd.registry import Registry
from tests.registry.artifacts import InterruptingProgress, RecordingProgress, write_file, write_folder
from tests.services import create_s3_bucket, moto_s3_server, s3_options

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_settings(s3_endpoint: str) -> RegistrySettings:
    bucket = f"models-{uuid.uuid4().hex[:8]}"
    create_s3_bucket(s3_endpoint, bucket)
    return RegistrySettings(artifact_url=f"s3://{bucket}/inferd", artifact_options=s3_options(s3_endpoint))


@pytest.fixture
def s3_registry(s3_settings: RegistrySettings) -> Iterator[Registry]:
    with Registry.open(s3_settings) as reg:
        yield reg


def _keys(settings: RegistrySettings) -> list[str]:
    import fsspec

    fs, base = fsspec.core.url_to_fs(settings.artifact_root, **settings.artifact_options)
    fs.invalidate_cache()
    return sorted(str(p)[len(base) + 1 :] for p in fs.find(base))


def test_a_folder_round_trips_through_s3(s3_registry: Registry, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "model", {"model.json": b"{}", "weights/w.bin": b"w" * 3000})
    progress = RecordingProgress()

    mv = s3_registry.register("m", folder, framework="python", progress=progress)
    path = s3_registry.fetch(mv, progress=progress)

    assert (path / "weights" / "w.bin").read_bytes() == b"w" * 3000
    assert progress.advanced_bytes == 2 * mv.size_bytes


def test_blobs_on_s3_are_content_addressed_and_stored_once(
    s3_registry: Registry, s3_settings: RegistrySettings, tmp_path: Path
) -> None:
    model = write_file(tmp_path / "m.bin", b"model bytes")

    first = s3_registry.register("a", model, framework="python")
    s3_registry.register("b", model, framework="python")

    digest = first.files[0].sha256
    assert _keys(s3_settings) == [f"blobs/sha256/{digest[:2]}/{digest}"]


def test_a_tampered_blob_on_s3_is_refused_naming_the_file(
    s3_registry: Registry, s3_settings: RegistrySettings, tmp_path: Path
) -> None:
    import fsspec

    mv = s3_registry.register("m", write_file(tmp_path / "m.bin", b"good"), framework="python")
    fs, base = fsspec.core.url_to_fs(s3_settings.artifact_root, **s3_settings.artifact_options)
    digest = mv.files[0].sha256
    fs.pipe(f"{base}/blobs/sha256/{digest[:2]}/{digest}", b"evil")

    with pytest.raises(IntegrityError, match=r"m:1: file 'm\.bin' .*tampered"):
        s3_registry.fetch(mv)


def test_an_interrupted_upload_to_s3_leaves_no_objects(
    s3_registry: Registry, s3_settings: RegistrySettings, tmp_path: Path
) -> None:
    folder = write_folder(tmp_path / "model", {"a.bin": b"a" * 100, "b.bin": b"b" * 100})

    with pytest.raises(KeyboardInterrupt):
        s3_registry.register("m", folder, framework="python", progress=InterruptingProgress(after_bytes=200))

    assert _keys(s3_settings) == []
    assert s3_registry.list_models() == []
