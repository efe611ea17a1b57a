from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from inferd.errors import InvalidArtifactError, InvalidInputError
from inferd.runtimes import RuntimeOptions, detect_framework, load_runtime
from inferd.tensors import TensorSpec
from inferd.testing import check_runtime
from tests.runtimes.conftest import Factory, Trained


def _to_onnx(model: GradientBoostingClassifier, n_features: int, zipmap: bool) -> bytes:
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    onnx_model = to_onnx(
        model,
        initial_types=[("input", FloatTensorType([None, n_features]))],
        options={id(model): {"zipmap": zipmap}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    return bytes(onnx_model.SerializeToString())


@pytest.fixture(scope="module")
def gbc(binary_data: tuple[np.ndarray, np.ndarray], model_dir: Factory) -> Trained:
    x, y = binary_data
    x = x.astype(np.float32)
    model = GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0).fit(x, y)
    path = model_dir("onnx") / "gbc.onnx"
    path.write_bytes(_to_onnx(model, x.shape[1], zipmap=False))
    return Trained(path, model, x[:20])


def test_onnx_classifier_passes_the_conformance_kit(gbc: Trained) -> None:
    check_runtime(load_runtime(gbc.path, "onnx"))


def test_onnx_signature_comes_from_the_graph(gbc: Trained) -> None:
    runtime = load_runtime(gbc.path)
    assert runtime.framework == "onnx"
    assert runtime.signature.inputs == (TensorSpec("input", "float32", (-1, 5)),)
    assert [(s.name, s.dtype, s.shape) for s in runtime.signature.outputs] == [
        ("label", "int64", (-1,)),
        ("probabilities", "float32", (-1, 2)),
    ]


def test_onnx_outputs_match_scikit_learn(gbc: Trained) -> None:
    runtime = load_runtime(gbc.path, options=RuntimeOptions(intra_op_threads=2, inter_op_threads=1))
    outputs = runtime.predict({"input": gbc.rows.astype(np.float64)})  # cast to the graph's float32
    np.testing.assert_array_equal(outputs["label"], gbc.model.predict(gbc.rows))
    np.testing.assert_allclose(outputs["probabilities"], gbc.model.predict_proba(gbc.rows), atol=1e-5)


def test_onnx_model_in_a_folder_is_found(gbc: Trained, model_dir: Factory) -> None:
    folder = model_dir("onnx-folder")
    (folder / "model.onnx").write_bytes(gbc.path.read_bytes())
    (folder / "README.md").write_text("a model")
    assert detect_framework(folder) == "onnx"
    assert load_runtime(folder).framework == "onnx"


def test_onnx_input_of_the_wrong_width_is_refused_naming_it(gbc: Trained) -> None:
    runtime = load_runtime(gbc.path)
    with pytest.raises(InvalidInputError, match=r"input 'input' has rows of shape \[3\].*\[5\]"):
        runtime.predict({"input": np.zeros((2, 3), dtype=np.float32)})


def test_onnx_missing_input_is_refused_naming_it(gbc: Trained) -> None:
    with pytest.raises(InvalidInputError, match="missing model input 'input'"):
        load_runtime(gbc.path).predict({"x": np.zeros((2, 5), dtype=np.float32)})


def test_zipmap_classifier_is_refused_with_a_hint(
    binary_data: tuple[np.ndarray, np.ndarray], gbc: Trained, model_dir: Factory
) -> None:
    path = model_dir("zipmap") / "zipmap.onnx"
    path.write_bytes(_to_onnx(gbc.model, 5, zipmap=True))
    with pytest.raises(InvalidArtifactError, match="zipmap"):
        load_runtime(path)


def test_garbage_bytes_are_not_an_onnx_model(model_dir: Factory) -> None:
    path = model_dir("garbage") / "garbage.onnx"
    path.write_bytes(b"\x00\x01 certainly not protobuf \xff" * 10)
    with pytest.raises(InvalidArtifactError, match=r"garbage\.onnx: cannot be read as an ONNX model"):
        load_runtime(path)


def test_a_skops_file_loaded_as_onnx_is_refused(gbc: Trained, model_dir: Factory) -> None:
    import skops.io

    path = model_dir("skops-as-onnx") / "model.skops"
    skops.io.dump(gbc.model, path)
    with pytest.raises(InvalidArtifactError, match="cannot be read as an ONNX model"):
        load_runtime(path, "onnx")
