from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inferd.config import RegistrySettings
from inferd.contract import Contract, Field
from inferd.errors import InvalidInputError, ModelNotFoundError, StoreUnavailableError, VersionNotFoundError
from inferd.registry import Lineage, Registry, fingerprint_file
from tests.registry.artifacts import RecordingProgress, stored_files, write_file, write_folder


def test_registering_a_file_gives_version_one_with_its_digest_and_entry(
    registry: Registry, tmp_path: Path
) -> None:
    model = write_file(tmp_path / "model.onnx", b"onnx bytes")

    mv = registry.register("churn", model, framework="onnx")

    assert (mv.name, mv.version, mv.ref, mv.framework) == ("churn", 1, "churn:1", "onnx")
    assert mv.entry == "model.onnx"
    assert [(f.path, f.size_bytes) for f in mv.files] == [("model.onnx", 10)]
    assert mv.files[0].sha256 == fingerprint_file(model)
    assert mv.size_bytes == 10
    assert len(mv.digest) == 64
    assert mv.created_at.tzinfo is UTC or mv.created_at.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - mv.created_at).total_seconds()) < 60
    assert mv.created_by == getpass.getuser()


def test_versions_count_up_per_model(registry: Registry, tmp_path: Path) -> None:
    model = write_file(tmp_path / "m.bin", b"x")

    versions = [registry.register("a", model, framework="python").version for _ in range(3)]
    other = registry.register("b", model, framework="python").version

    assert versions == [1, 2, 3]
    assert other == 1
    assert [mv.version for mv in registry.versions("a")] == [1, 2, 3]


def test_a_folder_is_registered_with_every_file_and_entry_dot(registry: Registry, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "model", {"model.json": b"{}", "weights/w.bin": b"123", ".hidden": b""})

    mv = registry.register("pipe", folder, framework="python")

    assert mv.entry == "."
    assert [f.path for f in mv.files] == [".hidden", "model.json", "weights/w.bin"]
    assert registry.get("pipe", 1) == mv


def test_identical_content_is_stored_once(
    registry: Registry, settings: RegistrySettings, tmp_path: Path
) -> None:
    write_file(tmp_path / "a" / "model.bin", b"same bytes")
    write_file(tmp_path / "b" / "model.bin", b"same bytes")

    first = registry.register("one", tmp_path / "a" / "model.bin", framework="python")
    second = registry.register("two", tmp_path / "b" / "model.bin", framework="python")

    assert first.digest == second.digest
    assert len(stored_files(settings)) == 1


def test_metadata_contract_and_lineage_round_trip(registry: Registry, tmp_path: Path) -> None:
    data = write_file(tmp_path / "train.csv", b"a,b\n1,2\n")
    model = write_file(tmp_path / "m.bin", b"model")
    contract = Contract(inputs=(Field("age", "int64", min=0, max=130),), outputs=(Field("p", "float32"),))
    metadata = {"metrics": {"auc": 0.91}, "params": {"depth": 3}, "tags": ["churn"], "description": "d"}
    registry.register("m", model, framework="sklearn")

    mv = registry.register(
        "m",
        model,
        framework="sklearn",
        contract=contract,
        metadata=metadata,
        lineage=Lineage(fingerprint_file(data), "abc123", parent_version=1),
        created_by="alice",
    )

    stored = registry.get("m", 2)
    assert stored == mv
    assert stored.contract == contract
    assert stored.metadata == metadata
    assert stored.lineage == Lineage(fingerprint_file(data), "abc123", 1)
    assert stored.created_by == "alice"


def test_get_without_version_and_resolve_give_the_latest(registry: Registry, tmp_path: Path) -> None:
    model = write_file(tmp_path / "m.bin", b"m")
    registry.register("m", model, framework="python")
    latest = registry.register("m", model, framework="python")

    assert registry.get("m") == latest
    assert registry.resolve("m") == latest
    assert registry.resolve("m:1").version == 1


def test_list_models_summarises_each_model(registry: Registry, tmp_path: Path) -> None:
    model = write_file(tmp_path / "m.bin", b"m")
    registry.register("b", model, framework="python")
    registry.register("a", model, framework="python")
    registry.register("a", model, framework="python")
    move = registry.set_alias("a", "production", 1)

    summaries = registry.list_models()

    assert [(s.name, s.latest_version, s.version_count, s.aliases) for s in summaries] == [
        ("a", 2, 2, {"production": 1}),
        ("b", 1, 1, {}),
    ]
    assert summaries[0].updated_at == move.at


def test_progress_is_reported_for_uploads(registry: Registry, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "m", {"a": b"1" * 3000, "b": b"2" * 5})
    progress = RecordingProgress()

    registry.register("m", folder, framework="python", progress=progress)

    assert progress.started == [("uploading m", 3005)]
    assert progress.advanced_bytes == 3005
    assert progress.finished == 1


@pytest.mark.parametrize("name", ["", "-starts-with-dash", "has space", "slash/name", "x" * 129, "a:b"])
def test_an_invalid_model_name_is_refused_naming_it(
    sqlite_registry: Registry, tmp_path: Path, name: str
) -> None:
    model = write_file(tmp_path / "m.bin", b"m")

    with pytest.raises(InvalidInputError, match="model name"):
        sqlite_registry.register(name, model, framework="python")


def test_a_missing_path_is_refused_naming_it(registry: Registry, tmp_path: Path) -> None:
    missing = tmp_path / "nope.onnx"

    with pytest.raises(InvalidInputError, match=r"nope\.onnx"):
        registry.register("m", missing, framework="onnx")
    assert registry.list_models() == []


def test_an_empty_folder_is_refused(sqlite_registry: Registry, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    with pytest.raises(InvalidInputError, match="no files"):
        sqlite_registry.register("m", tmp_path / "empty", framework="python")


def test_an_unknown_lineage_parent_is_refused(registry: Registry, tmp_path: Path) -> None:
    model = write_file(tmp_path / "m.bin", b"m")
    registry.register("m", model, framework="python")

    with pytest.raises(VersionNotFoundError, match="no version 7"):
        registry.register("m", model, framework="python", lineage=Lineage(parent_version=7))
    assert len(registry.versions("m")) == 1


def test_unknown_models_and_versions_are_not_found(registry: Registry, tmp_path: Path) -> None:
    registry.register("m", write_file(tmp_path / "m.bin", b"m"), framework="python")

    with pytest.raises(ModelNotFoundError, match=r"'ghost'.*registered models: m"):
        registry.get("ghost")
    with pytest.raises(ModelNotFoundError):
        registry.versions("ghost")
    with pytest.raises(VersionNotFoundError, match=r"'m' has no version 2 \(latest is 1\)"):
        registry.get("m", 2)
    with pytest.raises(VersionNotFoundError, match="no alias 'production'"):
        registry.resolve("m@production")


@pytest.mark.parametrize("ref", ["", "m:", "m:x", "m:0", "m@", "m@bad alias", "m:1@prod", ":1"])
def test_a_malformed_reference_is_refused_with_the_syntax(sqlite_registry: Registry, ref: str) -> None:
    with pytest.raises(InvalidInputError, match="name@production"):
        sqlite_registry.resolve(ref)


def test_fingerprint_file_is_the_sha256_of_the_file(tmp_path: Path) -> None:
    data = write_file(tmp_path / "d.csv", b"abc")

    assert fingerprint_file(data) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_closed_registry_says_so(settings: RegistrySettings) -> None:
    with Registry.open(settings) as reg:
        pass

    with pytest.raises(StoreUnavailableError, match="is closed"):
        reg.list_models()
