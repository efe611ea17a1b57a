"""Train the demo models into a folder, without downloading anything.

- ``tabular-gbm``: the reference model of our benchmarks, a
  ``GradientBoostingClassifier(n_estimators=100, max_depth=4)`` on
  ``make_classification`` (30 float32 features), exported to ONNX with the
  ``zipmap`` option off so it returns ``label`` and ``probabilities``.
- ``iris``: a scikit-learn ``Pipeline`` (scaling + logistic regression) trained
  on the iris data that ships with scikit-learn, with named features, saved with
  skops, and a contract drafted from the training frame.
- ``diabetes``: a gradient-boosted regressor on scikit-learn's diabetes data,
  saved with skops.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inferd.contract import Contract, draft_contract
from inferd.tensors import Batch

N_FEATURES = 30


@dataclass(frozen=True)
class DemoModel:
    """A trained demo model ready to register, with a few rows to score."""

    name: str
    path: Path
    contract: Contract | None
    metadata: dict[str, Any]
    data_fingerprint: str


def train_demo_models(folder: Path) -> list[DemoModel]:
    """Train every demo model into ``folder`` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [train_tabular_gbm(folder), train_iris(folder), train_diabetes(folder)]


def reference_dataset(n_samples: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The benchmarks' reference data: 30 float32 features, binary labels."""
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=n_samples, n_features=N_FEATURES, n_informative=12, n_redundant=6, random_state=seed
    )
    return x.astype(np.float32), y


def train_tabular_gbm(folder: Path) -> DemoModel:
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.model_selection import train_test_split

    from inferd._optional import require

    convert = require("skl2onnx", "convert")
    data_types = require("skl2onnx.common.data_types", "convert")
    x, y = reference_dataset()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    model = GradientBoostingClassifier(n_estimators=100, max_depth=4, random_state=0).fit(x_train, y_train)
    onnx_model = convert.to_onnx(
        model,
        initial_types=[("input", data_types.FloatTensorType([None, N_FEATURES]))],
        options={id(model): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    path = folder / "tabular-gbm.onnx"
    path.write_bytes(onnx_model.SerializeToString())
    accuracy = float(model.score(x_test, y_test))
    return DemoModel(
        name="tabular-gbm",
        path=path,
        contract=None,  # the default contract: fields f0..f29 stacked into "input"
        metadata=_metadata("Gradient-boosted classifier on 30 synthetic features (ONNX).", accuracy, model),
        data_fingerprint=_fingerprint(x, y),
    )


def iris_frame() -> tuple[Any, Any]:
    """Iris measurements with plain column names (``sepal_length``...) and the species."""
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True)
    x = frame.data
    x.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in x.columns]
    return x, frame.target


def diabetes_frame() -> tuple[Any, Any]:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True)
    return frame.data, frame.target


def demo_sample(name: str, rows: int = 5) -> Batch:
    """A few rows, as named fields, to score with demo model ``name``."""
    if name == "tabular-gbm":
        x, _ = reference_dataset()
        return {f"f{i}": x[-rows:, i] for i in range(N_FEATURES)}
    frame, _ = iris_frame() if name == "iris" else diabetes_frame()
    picked = frame.iloc[:: max(1, len(frame) // rows)].head(rows)
    return {str(c): picked[c].to_numpy() for c in picked.columns}


def train_iris(folder: Path) -> DemoModel:
    import skops.io as skops_io
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = iris_frame()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(x, y)
    path = folder / "iris.skops"
    skops_io.dump(model, path)
    draft = draft_contract(x)
    contract = Contract(inputs=draft.inputs)
    return DemoModel(
        name="iris",
        path=path,
        contract=contract,
        metadata=_metadata(
            "Iris species from flower measurements (scikit-learn pipeline).", model.score(x, y), model
        ),
        data_fingerprint=_fingerprint(x.to_numpy(), y.to_numpy()),
    )


def train_diabetes(folder: Path) -> DemoModel:
    import skops.io as skops_io
    from sklearn.ensemble import HistGradientBoostingRegressor

    x, y = diabetes_frame()
    model = HistGradientBoostingRegressor(max_iter=100, random_state=0).fit(x, y)
    path = folder / "diabetes.skops"
    skops_io.dump(model, path)
    return DemoModel(
        name="diabetes",
        path=path,
        contract=Contract(inputs=draft_contract(x).inputs),
        metadata=_metadata("Disease progression regression (scikit-learn).", model.score(x, y), model),
        data_fingerprint=_fingerprint(x.to_numpy(), y.to_numpy()),
    )


def _metadata(description: str, score: float, model: Any) -> dict[str, Any]:
    return {
        "description": description,
        "metrics": {"training_score": round(float(score), 4)},
        "params": {k: v for k, v in model.get_params(deep=False).items() if isinstance(v, int | float | str)},
        "tags": {"demo": True},
    }


def _fingerprint(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return "sha256:" + digest.hexdigest()
