from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from inferd.errors import InvalidArtifactError, InvalidInputError
from inferd.runtimes import RuntimeOptions, detect_framework, load_runtime
from inferd.tensors import TensorSpec
from inferd.testing import check_runtime
from tests.runtimes.conftest import Factory, Trained, as_frame, frame_batch

Data = tuple[np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def binary_named(binary_data: Data, model_dir: Factory) -> Trained:
    x, y = binary_data
    frame = as_frame(x)
    model = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(frame, y)
    path = model_dir("xgb-binary") / "binary.json"
    model.save_model(path)
    return Trained(path, model, frame.iloc[:15])


@pytest.fixture(scope="module")
def multiclass(multiclass_data: Data, model_dir: Factory) -> Trained:
    x, y = multiclass_data
    model = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(x, y)
    path = model_dir("xgb-multi") / "multi.ubj"
    model.save_model(path)
    return Trained(path, model, x[:15])


@pytest.fixture(scope="module")
def regressor(regression_data: Data, model_dir: Factory) -> Trained:
    x, y = regression_data
    model = xgb.XGBRegressor(n_estimators=5, max_depth=2).fit(x, y)
    path = model_dir("xgb-reg") / "regressor.json"
    model.save_model(path)
    return Trained(path, model, x[:15])


@pytest.mark.parametrize("name", ["binary_named", "multiclass", "regressor"])
def test_xgboost_models_pass_the_conformance_kit(name: str, request: pytest.FixtureRequest) -> None:
    trained: Trained = request.getfixturevalue(name)
    assert detect_framework(trained.path) == "xgboost"
    check_runtime(load_runtime(trained.path, options=RuntimeOptions(intra_op_threads=2)))


def test_binary_classifier_has_named_inputs_and_two_probability_columns(binary_named: Trained) -> None:
    runtime = load_runtime(binary_named.path)
    assert [spec.name for spec in runtime.signature.inputs] == list(binary_named.rows.columns)
    assert runtime.signature.outputs == (
        TensorSpec("label", "int64", (-1,)),
        TensorSpec("probabilities", "float64", (-1, 2)),
    )
    outputs = runtime.predict(frame_batch(binary_named.rows))
    np.testing.assert_array_equal(outputs["label"], binary_named.model.predict(binary_named.rows))
    np.testing.assert_allclose(
        outputs["probabilities"], binary_named.model.predict_proba(binary_named.rows), rtol=1e-6
    )


def test_multiclass_classifier_matches_xgboost(multiclass: Trained) -> None:
    runtime = load_runtime(multiclass.path)
    assert runtime.signature.inputs == (TensorSpec("input", "float64", (-1, 5)),)
    outputs = runtime.predict({"input": multiclass.rows})
    np.testing.assert_array_equal(outputs["label"], multiclass.model.predict(multiclass.rows))
    np.testing.assert_allclose(
        outputs["probabilities"], multiclass.model.predict_proba(multiclass.rows), rtol=1e-6
    )


def test_softmax_objective_answers_labels_and_probabilities(
    multiclass_data: Data, model_dir: Factory
) -> None:
    x, y = multiclass_data
    booster = xgb.train(
        {"objective": "multi:softmax", "num_class": 3, "max_depth": 2},
        xgb.DMatrix(x, label=y),
        num_boost_round=3,
    )
    path = model_dir("xgb-softmax") / "softmax.ubj"
    booster.save_model(path)
    runtime = load_runtime(path)
    check_runtime(runtime)
    outputs = runtime.predict({"input": x[:10]})
    np.testing.assert_array_equal(outputs["label"], booster.predict(xgb.DMatrix(x[:10])).astype(np.int64))
    np.testing.assert_allclose(outputs["probabilities"].sum(axis=1), 1.0)


def test_regressor_answers_prediction(regressor: Trained) -> None:
    runtime = load_runtime(regressor.path)
    assert runtime.signature.outputs == (TensorSpec("prediction", "float64", (-1,)),)
    outputs = runtime.predict({"input": regressor.rows})
    np.testing.assert_allclose(outputs["prediction"], regressor.model.predict(regressor.rows), rtol=1e-6)


def test_model_file_without_an_extension_still_loads(regressor: Trained, model_dir: Factory) -> None:
    path = model_dir("xgb-noext") / "artifact"
    path.write_bytes(regressor.path.read_bytes())
    assert detect_framework(path) == "xgboost"
    assert load_runtime(path).framework == "xgboost"


def test_json_that_is_not_a_model_is_not_detected(model_dir: Factory) -> None:
    path = model_dir("xgb-json") / "config.json"
    path.write_text('{"hello": "world"}')
    with pytest.raises(InvalidArtifactError, match=r"config\.json: cannot tell which framework"):
        detect_framework(path)


def test_a_lightgbm_file_loaded_as_xgboost_is_refused(model_dir: Factory) -> None:
    path = model_dir("lgb-as-xgb") / "model.txt"
    path.write_text("tree\nversion=v4\nnum_class=1\n")
    with pytest.raises(InvalidArtifactError, match=r"model\.txt: cannot be read as an XGBoost model"):
        load_runtime(path, "xgboost")


def test_wrong_width_is_refused_naming_the_input(multiclass: Trained) -> None:
    with pytest.raises(InvalidInputError, match="input 'input'"):
        load_runtime(multiclass.path).predict({"input": np.zeros((3, 4))})
