from __future__ import annotations

import re
import sys
from pathlib import Path
from textwrap import dedent

import numpy as np
import pytest

from inferd.errors import InferdError, InvalidArtifactError, InvalidInputError
from inferd.runtimes import RuntimeOptions, detect_framework, load_runtime
from inferd.tensors import Signature, TensorSpec
from inferd.testing import check_runtime
from tests.runtimes.conftest import Factory

MODEL_CODE = """
from pathlib import Path

import numpy as np

from inferd.tensors import Signature, TensorSpec


class Model:
    {signature}

    def load(self, path: Path) -> None:
        self.scale = float((path / "scale.txt").read_text())

    def predict(self, batch):
        x = np.asarray(batch["x"], dtype=np.float64)
        return {{"scaled": x * self.scale, "total": x.sum(axis=1)}}
"""
DECLARED = (
    'signature = Signature((TensorSpec("x", "float64", (-1, 3)),), '
    '(TensorSpec("scaled", "float64", (-1, 3)), TensorSpec("total", "float64", (-1,))))'
)
CONTRACT = Signature(
    (TensorSpec("x", "float64", (-1, 3)),),
    (TensorSpec("scaled", "float64", (-1, 3)), TensorSpec("total", "float64", (-1,))),
)


def _model_folder(folder: Path, signature: str = "", file_name: str = "model.py") -> Path:
    (folder / file_name).write_text(MODEL_CODE.format(signature=signature or "pass"))
    (folder / "scale.txt").write_text("2.5")
    return folder


@pytest.fixture(scope="module")
def declared(model_dir: Factory) -> Path:
    return _model_folder(model_dir("py-declared"), DECLARED)


@pytest.fixture(scope="module")
def undeclared(model_dir: Factory) -> Path:
    return _model_folder(model_dir("py-undeclared"))


def test_python_model_with_a_declared_signature_passes_the_conformance_kit(declared: Path) -> None:
    assert detect_framework(declared) == "python"
    runtime = load_runtime(declared)
    assert runtime.signature == CONTRACT
    check_runtime(runtime)


def test_python_model_reads_its_files_from_its_folder(declared: Path) -> None:
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    outputs = load_runtime(declared).predict({"x": x})
    np.testing.assert_allclose(outputs["scaled"], x * 2.5)
    np.testing.assert_allclose(outputs["total"], [3.0, 12.0])


def test_python_model_takes_its_signature_from_the_contract(undeclared: Path) -> None:
    runtime = load_runtime(undeclared, "python", signature=CONTRACT)
    assert runtime.signature == CONTRACT
    check_runtime(runtime)


def test_python_model_without_any_signature_is_refused(undeclared: Path) -> None:
    with pytest.raises(InvalidArtifactError, match="needs a signature"):
        load_runtime(undeclared)


def test_python_model_under_another_entrypoint(model_dir: Factory) -> None:
    folder = _model_folder(model_dir("py-entry"), DECLARED, file_name="serve.py")
    runtime = load_runtime(folder, "python", options=RuntimeOptions(entrypoint="serve.py:Model"))
    check_runtime(runtime)
    with pytest.raises(InvalidArtifactError, match=r"no model\.py in the folder"):
        load_runtime(folder, "python")


def test_python_model_import_leaves_sys_path_alone(declared: Path) -> None:
    before = list(sys.path)
    load_runtime(declared)
    assert sys.path == before


def test_two_python_models_do_not_share_a_module(declared: Path, model_dir: Factory) -> None:
    other = model_dir("py-other")
    (other / "model.py").write_text(
        MODEL_CODE.format(signature=DECLARED).replace("x * self.scale", "x * self.scale * 0")
    )
    (other / "scale.txt").write_text("1")
    x = np.ones((1, 3))
    assert load_runtime(declared).predict({"x": x})["scaled"].tolist() == [[2.5, 2.5, 2.5]]
    assert load_runtime(other).predict({"x": x})["scaled"].tolist() == [[0.0, 0.0, 0.0]]


def test_missing_input_is_refused_naming_it(declared: Path) -> None:
    with pytest.raises(InvalidInputError, match="missing model input 'x'"):
        load_runtime(declared).predict({"y": np.ones((2, 3))})


def test_broken_model_code_is_an_invalid_artifact(model_dir: Factory) -> None:
    folder = model_dir("py-broken")
    (folder / "model.py").write_text("import not_a_module_anyone_has\n")
    with pytest.raises(InvalidArtifactError, match="importing the model code failed: ModuleNotFoundError"):
        load_runtime(folder, signature=CONTRACT)


def test_failing_load_is_an_invalid_artifact(model_dir: Factory) -> None:
    folder = model_dir("py-no-scale")
    (folder / "model.py").write_text(MODEL_CODE.format(signature=DECLARED))
    with pytest.raises(InvalidArtifactError, match="loading the model failed: FileNotFoundError"):
        load_runtime(folder)


def test_missing_class_is_named(declared: Path) -> None:
    with pytest.raises(InvalidArtifactError, match="defines no class 'Predictor'"):
        load_runtime(declared, options=RuntimeOptions(entrypoint="model.py:Predictor"))


def test_entrypoint_outside_the_folder_is_refused(declared: Path) -> None:
    with pytest.raises(InvalidArtifactError, match="points outside the folder"):
        load_runtime(declared, options=RuntimeOptions(entrypoint="../model.py:Model"))


def test_predict_returning_the_wrong_row_count_is_reported(model_dir: Factory) -> None:
    folder = model_dir("py-bad-rows")
    (folder / "model.py").write_text(
        dedent(
            """
            import numpy as np

            class Model:
                def predict(self, batch):
                    return {"y": np.zeros(1)}
            """
        )
    )
    runtime = load_runtime(folder, signature=Signature((TensorSpec("x", "float64"),)))
    with pytest.raises(InferdError, match="predict returned 1 rows for output 'y', expected 3 rows"):
        runtime.predict({"x": np.zeros(3)})


@pytest.mark.parametrize("dtype", ["complex64", "datetime64[s]", "timedelta64[ms]"])
def test_an_output_the_protocol_cannot_carry_fails_the_warm_up(model_dir: Factory, dtype: str) -> None:
    folder = model_dir(f"py-{dtype.split('[')[0]}")
    (folder / "model.py").write_text(
        dedent(
            f"""
            import numpy as np

            class Model:
                def predict(self, batch):
                    return {{"when": np.zeros(len(batch["x"]), dtype="{dtype}")}}
            """
        )
    )
    runtime = load_runtime(folder, signature=Signature((TensorSpec("x", "float64"),)))
    # A server warms every model up before it serves it: the model fails to load, with this reason.
    expected = f"output 'when' as {np.dtype(dtype)}, which the Open Inference Protocol cannot carry"
    with pytest.raises(InferdError, match=re.escape(expected)) as caught:
        runtime.warmup()
    assert not isinstance(caught.value, InvalidInputError)  # the model's doing, not the client's
