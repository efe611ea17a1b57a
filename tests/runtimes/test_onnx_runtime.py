from __future__ import annotations

from pathlib import Path
from typing import Any

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


def _graph_model(path: Path, nodes: list[Any], inputs: list[Any], outputs: list[Any], **initial: Any) -> Path:
    """A small hand-built ONNX graph saved at ``path``: ``initial`` names constant tensors."""
    from onnx import helper, numpy_helper, save

    initializers = [numpy_helper.from_array(value, name) for name, value in initial.items()]
    graph = helper.make_graph(nodes, "test", inputs, outputs, initializer=initializers)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


@pytest.fixture(scope="module")
def string_echo(model_dir: Factory) -> Path:
    """A graph whose string input comes back as its output: what a text model's first node sees."""
    from onnx import TensorProto, helper

    return _graph_model(
        model_dir("onnx-strings") / "echo.onnx",
        [helper.make_node("Identity", ["text"], ["same"])],
        [helper.make_tensor_value_info("text", TensorProto.STRING, [None, 1])],
        [helper.make_tensor_value_info("same", TensorProto.STRING, [None, 1])],
    )


@pytest.mark.parametrize(
    "column",
    [
        np.array([["héllo"], ["wörld"]], dtype=object),  # str objects, as the contract gives them
        np.array([[b"h\xc3\xa9llo"], [b"w\xc3\xb6rld"]], dtype=object),  # bytes objects, as v2 BYTES arrive
        np.array([["héllo".encode()], ["wörld".encode()]], dtype="S"),  # fixed-width bytes
    ],
    ids=["str", "bytes", "fixed-width bytes"],
)
def test_onnx_string_inputs_reach_the_graph_as_text_whatever_their_numpy_form(
    string_echo: Path, column: np.ndarray
) -> None:
    runtime = load_runtime(string_echo, "onnx")
    assert runtime.signature.inputs == (TensorSpec("text", "object", (-1, 1)),)
    outputs = runtime.predict({"text": column})
    assert outputs["same"].tolist() == [["héllo"], ["wörld"]]


def test_onnx_float_input_that_is_not_numeric_is_refused_naming_it(gbc: Trained) -> None:
    rows = gbc.rows.astype(object)
    rows[1, 2] = "not a number"
    with pytest.raises(InvalidInputError, match=r"input 'input' cannot be read as float32"):
        load_runtime(gbc.path).predict({"input": rows})


def test_a_batch_the_graph_itself_refuses_is_the_clients_error(model_dir: Factory) -> None:
    # The input's width is left open in the graph, so only the MatMul can tell that 4 columns
    # do not fit its 3-row weights: onnxruntime's error becomes a 400, not a 500.
    from onnx import TensorProto, helper

    path = _graph_model(
        model_dir("onnx-matmul") / "matmul.onnx",
        [helper.make_node("MatMul", ["x", "weights"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])],
        weights=np.ones((3, 2), dtype=np.float32),
    )
    runtime = load_runtime(path, "onnx")
    fitting = runtime.predict({"x": np.ones((2, 3), np.float32)})
    np.testing.assert_array_equal(fitting["y"], np.full((2, 2), 3.0))
    with pytest.raises(InvalidInputError, match="the ONNX model refused the batch"):
        runtime.predict({"x": np.ones((2, 4), np.float32)})
