from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from inferd.errors import InvalidArtifactError
from inferd.runtimes import detect_framework, load_runtime
from inferd.tensors import Signature, TensorSpec
from inferd.testing import check_runtime
from tests.runtimes.conftest import Factory, Trained, as_frame, frame_batch

Data = tuple[np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def binary(binary_data: Data, model_dir: Factory) -> Trained:
    x, y = binary_data
    model = lgb.LGBMClassifier(n_estimators=5, num_leaves=4, min_child_samples=5, verbose=-1).fit(x, y)
    path = model_dir("lgb-binary") / "binary.txt"
    model.booster_.save_model(path)
    return Trained(path, model, x[:15])


@pytest.fixture(scope="module")
def multiclass_named(multiclass_data: Data, model_dir: Factory) -> Trained:
    x, y = multiclass_data
    frame = as_frame(x)
    model = lgb.LGBMClassifier(n_estimators=5, num_leaves=4, min_child_samples=5, verbose=-1).fit(frame, y)
    path = model_dir("lgb-multi") / "multi.txt"
    model.booster_.save_model(path)
    return Trained(path, model, frame.iloc[:15])


@pytest.fixture(scope="module")
def regressor(regression_data: Data, model_dir: Factory) -> Trained:
    x, y = regression_data
    model = lgb.LGBMRegressor(n_estimators=5, num_leaves=4, min_child_samples=5, verbose=-1).fit(x, y)
    path = model_dir("lgb-reg") / "regressor.txt"
    model.booster_.save_model(path)
    return Trained(path, model, x[:15])


@pytest.mark.parametrize("name", ["binary", "multiclass_named", "regressor"])
def test_lightgbm_models_pass_the_conformance_kit(name: str, request: pytest.FixtureRequest) -> None:
    trained: Trained = request.getfixturevalue(name)
    assert detect_framework(trained.path) == "lightgbm"
    check_runtime(load_runtime(trained.path))


def test_auto_named_columns_count_as_unnamed(binary: Trained) -> None:
    runtime = load_runtime(binary.path)
    assert runtime.signature.inputs == (TensorSpec("input", "float64", (-1, 5)),)
    assert runtime.signature.outputs == (
        TensorSpec("label", "int64", (-1,)),
        TensorSpec("probabilities", "float64", (-1, 2)),
    )
    outputs = runtime.predict({"input": binary.rows})
    np.testing.assert_array_equal(outputs["label"], binary.model.predict(binary.rows))
    np.testing.assert_allclose(outputs["probabilities"], binary.model.predict_proba(binary.rows))


def test_named_multiclass_matches_lightgbm(multiclass_named: Trained) -> None:
    runtime = load_runtime(multiclass_named.path)
    assert [spec.name for spec in runtime.signature.inputs] == list(multiclass_named.rows.columns)
    outputs = runtime.predict(frame_batch(multiclass_named.rows))
    np.testing.assert_array_equal(outputs["label"], multiclass_named.model.predict(multiclass_named.rows))
    np.testing.assert_allclose(
        outputs["probabilities"], multiclass_named.model.predict_proba(multiclass_named.rows)
    )


def test_regressor_answers_prediction(regressor: Trained) -> None:
    runtime = load_runtime(regressor.path)
    assert runtime.signature.outputs == (TensorSpec("prediction", "float64", (-1,)),)
    np.testing.assert_allclose(
        runtime.predict({"input": regressor.rows})["prediction"], regressor.model.predict(regressor.rows)
    )


def test_contract_names_the_inputs_of_an_unnamed_model(binary: Trained) -> None:
    contract = Signature((TensorSpec("a", "float32", (-1, 2)), TensorSpec("b", "float32", (-1, 3))))
    runtime = load_runtime(binary.path, signature=contract)
    check_runtime(runtime)
    outputs = runtime.predict({"a": binary.rows[:, :2], "b": binary.rows[:, 2:]})
    np.testing.assert_array_equal(outputs["label"], binary.model.predict(binary.rows))


def test_an_xgboost_file_loaded_as_lightgbm_is_refused(model_dir: Factory) -> None:
    path = model_dir("xgb-as-lgb") / "model.json"
    path.write_text('{"learner": {}}')
    with pytest.raises(InvalidArtifactError, match=r"model\.json: cannot be read as a LightGBM model"):
        load_runtime(path, "lightgbm")
