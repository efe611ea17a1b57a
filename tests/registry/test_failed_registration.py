"""A registration that fails leaves no version behind and no blob it wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from inferd.config import RegistrySettings
from inferd.contract import Contract, Field
from inferd.errors import InvalidInputError, ModelNotFoundError
from inferd.registry import Registry
from tests.registry.artifacts import InterruptingProgress, blob_of, stored_files, write_file, write_folder

MIB = 1 << 20


class FileTamperingProgress:
    """Runs ``action`` once, when ``after_bytes`` have been reported: another process touching the files."""

    def __init__(self, after_bytes: int, action: object) -> None:
        self.after_bytes = after_bytes
        self.action = action
        self.seen_bytes = 0

    def start(self, description: str, total_bytes: int) -> None:
        pass

    def advance(self, n_bytes: int) -> None:
        before, self.seen_bytes = self.seen_bytes, self.seen_bytes + n_bytes
        if before < self.after_bytes <= self.seen_bytes:
            assert callable(self.action)
            self.action()

    def finish(self) -> None:
        pass


def test_interrupted_upload_leaves_no_version_and_no_orphan_blobs(
    registry: Registry, settings: RegistrySettings, tmp_path: Path
) -> None:
    shared = write_file(tmp_path / "v1" / "a.bin", b"shared")
    v1 = registry.register("m", shared.parent, framework="python")
    folder = write_folder(tmp_path / "v2", {"a.bin": b"shared", "b.bin": b"b" * 100, "c.bin": b"c" * 100})

    with pytest.raises(KeyboardInterrupt):
        registry.register("m", folder, framework="python", progress=InterruptingProgress(after_bytes=206))

    assert [mv.version for mv in registry.versions("m")] == [1]
    assert stored_files(settings) == [blob_of(settings, v1.files[0].sha256)]
    assert registry.fetch(v1).joinpath("a.bin").read_bytes() == b"shared"


def test_a_file_that_disappears_mid_upload_is_named_and_nothing_is_kept(
    registry: Registry, settings: RegistrySettings, tmp_path: Path
) -> None:
    folder = write_folder(tmp_path / "model", {"a.bin": b"a" * 10, "b.bin": b"b" * 10})
    vanish = FileTamperingProgress(10, (folder / "b.bin").unlink)

    with pytest.raises(InvalidInputError, match=r"b\.bin disappeared while it was being registered"):
        registry.register("m", folder, framework="python", progress=vanish)

    with pytest.raises(ModelNotFoundError):
        registry.versions("m")
    assert stored_files(settings) == []


def test_a_file_changed_mid_upload_is_refused_and_nothing_is_kept(
    registry: Registry, settings: RegistrySettings, tmp_path: Path
) -> None:
    big = write_file(tmp_path / "model" / "weights.bin", b"\x00" * (2 * MIB))
    rewrite = FileTamperingProgress(MIB, lambda: big.write_bytes(b"\x01" * (2 * MIB)))

    with pytest.raises(InvalidInputError, match=r"weights\.bin changed while it was being registered"):
        registry.register("m", big.parent, framework="python", progress=rewrite)

    assert registry.list_models() == []
    assert stored_files(settings) == []


def test_metadata_that_cannot_be_stored_as_json_is_refused_before_uploading(
    registry: Registry, settings: RegistrySettings, tmp_path: Path
) -> None:
    model = write_file(tmp_path / "m.bin", b"m")

    with pytest.raises(InvalidInputError, match="metadata cannot be stored as JSON"):
        registry.register("m", model, framework="python", metadata={"fitted": object()})

    assert registry.list_models() == []
    assert stored_files(settings) == []


def test_a_contract_that_cannot_be_stored_is_refused_before_uploading(
    registry: Registry, settings: RegistrySettings, tmp_path: Path
) -> None:
    model = write_file(tmp_path / "m.bin", b"m")
    contract = Contract(inputs=(Field("x", "float64", default=object(), has_default=True),))

    with pytest.raises(InvalidInputError, match="contract cannot be stored as JSON"):
        registry.register("m", model, framework="python", contract=contract)

    assert registry.list_models() == []
    assert stored_files(settings) == []


def test_an_empty_framework_is_refused(sqlite_registry: Registry, tmp_path: Path) -> None:
    model = write_file(tmp_path / "m.bin", b"m")

    with pytest.raises(InvalidInputError, match="framework ''"):
        sqlite_registry.register("m", model, framework="")
