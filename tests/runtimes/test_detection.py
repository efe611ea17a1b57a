from __future__ import annotations

from pathlib import Path

import pytest

from inferd.errors import InvalidArtifactError, InvalidInputError
from inferd.runtimes import FRAMEWORKS, RuntimeOptions, detect_framework, load_runtime
from tests.loaded_modules import loaded_by


def test_unknown_file_is_refused_listing_what_inferd_reads(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(
        InvalidArtifactError, match=r"weights\.bin: cannot tell which framework.*\.onnx \(onnx\)"
    ):
        detect_framework(path)


def test_text_that_is_not_a_lightgbm_model_is_not_detected(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    with pytest.raises(InvalidArtifactError, match="cannot tell which framework"):
        detect_framework(path)


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidArtifactError, match=r"nowhere\.onnx: no such file or folder"):
        load_runtime(tmp_path / "nowhere.onnx")
    with pytest.raises(InvalidArtifactError, match="no such file or folder"):
        detect_framework(tmp_path / "nowhere")


def test_empty_folder_is_refused_saying_what_it_holds(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hi")
    with pytest.raises(
        InvalidArtifactError, match=r"no model file found in the folder \(it holds: README\.md\)"
    ):
        detect_framework(tmp_path)


def test_folder_with_two_frameworks_is_ambiguous(tmp_path: Path) -> None:
    (tmp_path / "a.onnx").write_bytes(b"x")
    (tmp_path / "b.ubj").write_bytes(b"x")
    with pytest.raises(
        InvalidArtifactError, match=r"several frameworks \(a\.onnx \(onnx\), b\.ubj \(xgboost\)\)"
    ):
        detect_framework(tmp_path)


def test_folder_with_two_files_of_one_framework_asks_for_one(tmp_path: Path) -> None:
    (tmp_path / "a.onnx").write_bytes(b"x")
    (tmp_path / "b.onnx").write_bytes(b"x")
    assert detect_framework(tmp_path) == "onnx"
    with pytest.raises(InvalidArtifactError, match=r"several onnx model files \(a\.onnx, b\.onnx\)"):
        load_runtime(tmp_path)


def test_folder_without_a_file_of_the_named_framework(tmp_path: Path) -> None:
    (tmp_path / "a.onnx").write_bytes(b"x")
    with pytest.raises(InvalidArtifactError, match=r"holds no xgboost model file \(it holds: a\.onnx\)"):
        load_runtime(tmp_path, "xgboost")


def test_unknown_framework_name_lists_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "a.onnx").write_bytes(b"x")
    with pytest.raises(
        InvalidInputError, match="unknown framework 'tensorflow'; expected one of onnx, sklearn"
    ):
        load_runtime(tmp_path / "a.onnx", "tensorflow")
    assert FRAMEWORKS == ("onnx", "sklearn", "xgboost", "lightgbm", "python")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"intra_op_threads": 0}, "intra_op_threads must be a whole number >= 1"),
        ({"entrypoint": "model:Model"}, "entrypoint must look like 'model.py:Model'"),
    ],
)
def test_invalid_options_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        RuntimeOptions(**changes)  # type: ignore[arg-type]


def test_importing_the_runtimes_loads_no_framework_library() -> None:
    frameworks = ("onnxruntime", "sklearn", "xgboost", "lightgbm", "skops", "pandas")
    assert loaded_by("import inferd.runtimes", frameworks) == []
