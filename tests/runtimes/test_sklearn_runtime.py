from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from inferd.errors import InvalidArtifactError, InvalidInputError, UntrustedArtifactError
from inferd.runtimes import RuntimeOptions, detect_framework, load_runtime
from inferd.tensors import Signature, TensorSpec
from inferd.testing import check_runtime
from tests.runtimes.conftest import Factory, Trained, frame_batch
from tests.runtimes.custom_estimators import Doubler

IrisData = tuple[pd.DataFrame, pd.Series]
Data = tuple[np.ndarray, np.ndarray]


@pytest.fixture(scope="module")
def named(iris: IrisData, model_dir: Factory) -> Trained:
    x, y = iris
    model = LogisticRegression(max_iter=500).fit(x, y)
    path = model_dir("sk-named") / "iris.skops"
    skops.io.dump(model, path)
    return Trained(path, model, x.iloc[::10])


@pytest.fixture(scope="module")
def unnamed(binary_data: Data, model_dir: Factory) -> Trained:
    x, y = binary_data
    model = GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(x, y)
    path = model_dir("sk-unnamed") / "gbc.skops"
    skops.io.dump(model, path)
    return Trained(path, model, x[:15])


@pytest.fixture(scope="module")
def pipeline(iris: IrisData, model_dir: Factory) -> Trained:
    x, y = iris
    species = pd.Series(np.array(["setosa", "versicolor", "virginica"])[y])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(x, species)
    path = model_dir("sk-pipeline") / "pipeline.skops"
    skops.io.dump(model, path)
    return Trained(path, model, x.iloc[::10])


@pytest.fixture(scope="module")
def regressor(regression_data: Data, model_dir: Factory) -> Trained:
    x, y = regression_data
    model = RandomForestRegressor(n_estimators=5, max_depth=3, random_state=0).fit(x, y)
    path = model_dir("sk-regressor") / "forest.skops"
    skops.io.dump(model, path)
    return Trained(path, model, x[:15])


@pytest.mark.parametrize("name", ["named", "unnamed", "pipeline", "regressor"])
def test_sklearn_models_pass_the_conformance_kit(name: str, request: pytest.FixtureRequest) -> None:
    trained: Trained = request.getfixturevalue(name)
    assert detect_framework(trained.path) == "sklearn"
    check_runtime(load_runtime(trained.path))


def test_named_features_become_one_input_each(named: Trained) -> None:
    runtime = load_runtime(named.path)
    assert [spec.name for spec in runtime.signature.inputs] == list(named.rows.columns)
    assert all(spec.shape == (-1,) and spec.dtype == "float64" for spec in runtime.signature.inputs)
    outputs = runtime.predict(frame_batch(named.rows))
    np.testing.assert_array_equal(outputs["label"], named.model.predict(named.rows))
    np.testing.assert_allclose(outputs["probabilities"], named.model.predict_proba(named.rows))


def test_unnamed_features_become_one_2d_input(unnamed: Trained) -> None:
    runtime = load_runtime(unnamed.path)
    assert runtime.signature.inputs == (TensorSpec("input", "float64", (-1, 5)),)
    assert runtime.signature.outputs == (
        TensorSpec("label", "int64", (-1,)),
        TensorSpec("probabilities", "float64", (-1, 2)),
    )
    outputs = runtime.predict({"input": unnamed.rows})
    np.testing.assert_array_equal(outputs["label"], unnamed.model.predict(unnamed.rows))
    np.testing.assert_allclose(outputs["probabilities"], unnamed.model.predict_proba(unnamed.rows))


def test_pipeline_with_string_classes_answers_string_labels(pipeline: Trained) -> None:
    runtime = load_runtime(pipeline.path)
    assert runtime.signature.outputs[0] == TensorSpec("label", "object", (-1,))
    outputs = runtime.predict(frame_batch(pipeline.rows))
    assert outputs["label"].dtype == object
    assert outputs["label"].tolist() == pipeline.model.predict(pipeline.rows).tolist()
    np.testing.assert_allclose(outputs["probabilities"], pipeline.model.predict_proba(pipeline.rows))


def test_regressor_answers_prediction(regressor: Trained) -> None:
    runtime = load_runtime(regressor.path)
    assert runtime.signature.outputs == (TensorSpec("prediction", "float64", (-1,)),)
    outputs = runtime.predict({"input": regressor.rows})
    np.testing.assert_allclose(outputs["prediction"], regressor.model.predict(regressor.rows))


def test_classifier_without_probabilities_answers_label_only(binary_data: Data, model_dir: Factory) -> None:
    x, y = binary_data
    model = LinearSVC(random_state=0).fit(x, y)
    path = model_dir("svc") / "svc.skops"
    skops.io.dump(model, path)
    runtime = load_runtime(path)
    check_runtime(runtime)
    np.testing.assert_array_equal(runtime.predict({"input": x[:10]})["label"], model.predict(x[:10]))


def test_contract_signature_is_used_when_the_model_has_no_feature_names(unnamed: Trained) -> None:
    contract = Signature(tuple(TensorSpec(f"f{i}", "float32") for i in range(5)))
    runtime = load_runtime(unnamed.path, signature=contract)
    assert [spec.name for spec in runtime.signature.inputs] == [f"f{i}" for i in range(5)]
    check_runtime(runtime)
    outputs = runtime.predict({f"f{i}": unnamed.rows[:, i] for i in range(5)})
    np.testing.assert_array_equal(outputs["label"], unnamed.model.predict(unnamed.rows))


def test_contract_of_the_wrong_width_is_refused(unnamed: Trained) -> None:
    contract = Signature((TensorSpec("input", "float32", (-1, 3)),))
    with pytest.raises(InvalidArtifactError, match=r"give 3 features.*takes 5"):
        load_runtime(unnamed.path, signature=contract)


def test_feature_names_win_over_the_contract(named: Trained) -> None:
    contract = Signature((TensorSpec("input", "float32", (-1, 4)),))
    runtime = load_runtime(named.path, signature=contract)
    assert [spec.name for spec in runtime.signature.inputs] == list(named.rows.columns)


def test_non_numeric_input_is_refused_naming_it(named: Trained) -> None:
    batch = frame_batch(named.rows)
    batch["petal_width"] = np.array(["wide"] * len(named.rows), dtype=object)
    with pytest.raises(InvalidInputError, match="input 'petal_width' cannot be read as numbers"):
        load_runtime(named.path).predict(batch)


def test_row_count_mismatch_is_refused_naming_the_input(named: Trained) -> None:
    batch = frame_batch(named.rows)
    batch["sepal_width"] = batch["sepal_width"][:-2]
    with pytest.raises(
        InvalidInputError, match="input 'sepal_width' has 13 rows but input 'sepal_length' has 15"
    ):
        load_runtime(named.path).predict(batch)


def test_pickle_is_refused_unless_trusted(unnamed: Trained, model_dir: Factory) -> None:
    path = model_dir("pickle") / "model.joblib"
    joblib.dump(unnamed.model, path)
    assert detect_framework(path) == "sklearn"
    with pytest.raises(UntrustedArtifactError, match="unpickling runs arbitrary code") as refused:
        load_runtime(path)
    assert "trust_pickle=True" in str(refused.value)
    assert "model.joblib" in str(refused.value)
    runtime = load_runtime(path, options=RuntimeOptions(trust_pickle=True))
    check_runtime(runtime)
    np.testing.assert_array_equal(
        runtime.predict({"input": unnamed.rows})["label"], unnamed.model.predict(unnamed.rows)
    )


def test_skops_type_outside_the_trusted_namespaces_is_refused_naming_it(
    binary_data: Data, model_dir: Factory
) -> None:
    x, y = binary_data
    model = make_pipeline(Doubler(), LogisticRegression()).fit(x, y)
    path = model_dir("custom-skops") / "custom.skops"
    skops.io.dump(model, path)
    with pytest.raises(UntrustedArtifactError, match=r"tests\.runtimes\.custom_estimators\.Doubler"):
        load_runtime(path)
    runtime = load_runtime(path, options=RuntimeOptions(trust_pickle=True))
    np.testing.assert_allclose(runtime.predict({"input": x[:5]})["probabilities"], model.predict_proba(x[:5]))


@pytest.mark.parametrize("suffix", [".skops", ".pkl"])
def test_a_non_sklearn_file_loaded_as_sklearn_is_refused(suffix: str, model_dir: Factory) -> None:
    path = model_dir("not-sklearn") / f"model{suffix}"
    path.write_bytes(b"tree\nversion=v4\n")
    options = RuntimeOptions(trust_pickle=True)
    with pytest.raises(InvalidArtifactError, match=rf"model\{suffix}: cannot be read as a"):
        load_runtime(path, "sklearn", options=options)


def test_an_onnx_file_loaded_as_sklearn_is_refused(model_dir: Factory) -> None:
    path = model_dir("onnx-as-sklearn") / "model.onnx"
    path.write_bytes(b"\x08\x07\x12\x07skl2onnx")
    with pytest.raises(InvalidArtifactError, match=r"model\.onnx: cannot be read as a sklearn model"):
        load_runtime(path, "sklearn")


def test_an_object_without_predict_is_refused(model_dir: Factory) -> None:
    path = model_dir("no-predict") / "scaler.skops"
    skops.io.dump(StandardScaler().fit(np.eye(3)), path)
    with pytest.raises(InvalidArtifactError, match="StandardScaler, which has no predict method"):
        load_runtime(path)
