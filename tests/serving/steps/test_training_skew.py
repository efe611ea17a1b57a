"""No training/serving skew: declared steps reproduce scikit-learn's fitted preprocessing exactly,
and a whole scikit-learn Pipeline served through its runtime predicts what it predicted in training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from inferd.runtimes import load_runtime
from inferd.serving.steps import build_steps
from inferd.tensors import Batch

NUMERIC = ["age", "income"]
CITIES = ["Lyon", "Nice", "Paris", "Lille"]


def training_frame(rows: int, seed: int, city_as_code: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(45, 12, rows),
            "income": rng.lognormal(10, 0.5, rows),
            "city": rng.choice(CITIES, rows),
        }
    )
    target = ((frame["age"] > 40) ^ (frame["city"] == "Paris")).to_numpy().astype(int)
    if city_as_code:
        frame["city"] = frame["city"].map({c: float(i) for i, c in enumerate(CITIES)})
    return frame, target


def trained_pipeline(frame: pd.DataFrame, target: np.ndarray) -> Pipeline:
    columns = ColumnTransformer([("num", StandardScaler(), NUMERIC), ("cat", OneHotEncoder(), ["city"])])
    return Pipeline([("prep", columns), ("model", LogisticRegression(max_iter=1000))]).fit(frame, target)


def declared_steps(pipeline: Pipeline) -> list[dict[str, Any]]:
    """What a user writes in the deployment, copying the fitted parameters."""
    scaler = pipeline.named_steps["prep"].named_transformers_["num"]
    encoder = pipeline.named_steps["prep"].named_transformers_["cat"]
    return [
        {
            "step": "standardize",
            "fields": NUMERIC,
            "mean": scaler.mean_.tolist(),
            "std": scaler.scale_.tolist(),
        },
        {
            "step": "one_hot",
            "field": "city",
            "categories": encoder.categories_[0].tolist(),
            "prefix": "city_",
        },
    ]


def as_batch(frame: pd.DataFrame) -> Batch:
    return {str(column): frame[column].to_numpy() for column in frame.columns}


def test_declared_steps_reproduce_the_fitted_sklearn_preprocessing() -> None:
    frame, target = training_frame(400, seed=1)
    pipeline = trained_pipeline(frame, target)
    serving_rows, _ = training_frame(64, seed=2)
    prep = pipeline.named_steps["prep"]

    out = build_steps(declared_steps(pipeline))(as_batch(serving_rows))
    names = [name.split("__", 1)[1] for name in prep.get_feature_names_out()]  # age, income, city_Lille...
    matrix = np.column_stack([out[name] for name in names])

    np.testing.assert_allclose(matrix, prep.transform(serving_rows), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(
        pipeline.named_steps["model"].predict_proba(matrix), pipeline.predict_proba(serving_rows)
    )


def test_a_saved_sklearn_pipeline_served_by_its_runtime_predicts_as_in_training(tmp_path: Path) -> None:
    frame, target = training_frame(400, seed=3, city_as_code=True)
    pipeline = trained_pipeline(frame, target)
    path = tmp_path / "pipeline.skops"
    skops.io.dump(pipeline, path)
    serving_rows, _ = training_frame(64, seed=4, city_as_code=True)

    outputs = load_runtime(path, "sklearn").predict(as_batch(serving_rows))

    np.testing.assert_array_equal(outputs["label"], pipeline.predict(serving_rows))
    np.testing.assert_array_equal(outputs["probabilities"], pipeline.predict_proba(serving_rows))


@pytest.mark.parametrize("column", [0, 1])
def test_standardize_matches_standard_scaler_on_float32_columns(column: int) -> None:
    rng = np.random.default_rng(column)
    x = rng.normal(3, 7, (50, 2)).astype(np.float32)
    scaler = StandardScaler().fit(x)
    config = {
        "step": "standardize",
        "field": "x",
        "mean": float(scaler.mean_[column]),
        "std": float(scaler.scale_[column]),
    }
    out = build_steps([config])({"x": x[:, column]})["x"]
    np.testing.assert_allclose(out, scaler.transform(x)[:, column], rtol=1e-6)
