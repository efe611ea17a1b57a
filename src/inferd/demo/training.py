"""Train the demo models into a folder, without downloading anything.

- ``tabular-gbm``: the reference model of our benchmarks, a
  ``GradientBoostingClassifier(n_estimators=100, max_depth=4)`` on
  ``make_classification`` (30 float32 features), exported to ONNX with the
  ``zipmap`` option off so it returns ``label`` and ``probabilities``.
- ``iris``: a scikit-learn ``Pipeline`` (scaling + logistic regression) trained
  on the iris data that ships with scikit-learn, exported to ONNX, with a
  contract that names the four measurements (0-100 cm) and stacks them into the
  model's matrix input.
- ``diabetes``: a gradient-boosted regressor on scikit-learn's diabetes data,
  exported to ONNX, its ten named features stacked the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inferd.contract import Contract, Field, Stack
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

    x, y = reference_dataset()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    model = GradientBoostingClassifier(n_estimators=100, max_depth=4, random_state=0).fit(x_train, y_train)
    path = folder / "tabular-gbm.onnx"
    path.write_bytes(_to_onnx(model, N_FEATURES))
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
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = iris_frame()
    matrix = x.to_numpy(dtype=np.float32)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(matrix, y.to_numpy())
    path = folder / "iris.onnx"
    path.write_bytes(_to_onnx(model, matrix.shape[1]))
    # Named measurements in centimetres, stacked into the model's matrix input.
    contract = _stacked_contract(list(x.columns), minimum=0.0, maximum=100.0)
    return DemoModel(
        name="iris",
        path=path,
        contract=contract,
        metadata=_metadata(
            "Iris species from flower measurements (scikit-learn pipeline, ONNX).",
            model.score(matrix, y),
            model,
        ),
        data_fingerprint=_fingerprint(x.to_numpy(), y.to_numpy()),
    )


def train_diabetes(folder: Path) -> DemoModel:
    from sklearn.ensemble import GradientBoostingRegressor

    x, y = diabetes_frame()
    matrix = x.to_numpy(dtype=np.float32)
    model = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0).fit(matrix, y.to_numpy())
    path = folder / "diabetes.onnx"
    path.write_bytes(_to_onnx(model, matrix.shape[1]))
    return DemoModel(
        name="diabetes",
        path=path,
        contract=_stacked_contract(list(x.columns)),
        metadata=_metadata(
            "Disease progression regression (scikit-learn, ONNX).", model.score(matrix, y), model
        ),
        data_fingerprint=_fingerprint(x.to_numpy(), y.to_numpy()),
    )


def _to_onnx(model: Any, n_features: int) -> bytes:
    """A fitted scikit-learn model as ONNX with one float32 matrix input named ``input``.

    The demo serves ONNX rather than skops: the server then never imports
    scikit-learn, SciPy or pandas, which keeps it well under 250 MB.
    """
    from inferd._optional import require

    convert = require("skl2onnx", "convert")
    data_types = require("skl2onnx.common.data_types", "convert")
    is_classifier = hasattr(model, "predict_proba")
    onnx_model = convert.to_onnx(
        model,
        initial_types=[("input", data_types.FloatTensorType([None, n_features]))],
        # Classifiers give `label` and `probabilities` (zipmap off); regressors a `prediction` column.
        options={id(model): {"zipmap": False}} if is_classifier else None,
        final_types=None if is_classifier else [("prediction", data_types.FloatTensorType([None, 1]))],
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    data: bytes = onnx_model.SerializeToString()
    return data


def _stacked_contract(
    names: list[str], *, minimum: float | None = None, maximum: float | None = None
) -> Contract:
    fields = tuple(Field(str(name), "float32", min=minimum, max=maximum) for name in names)
    return Contract(inputs=fields, stacks=(Stack("input", tuple(str(n) for n in names), "float32"),))


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
