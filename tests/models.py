"""Small models trained on the spot for tests (no downloads)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from inferd.registry import Registry


def train_onnx_classifier(folder: Path, n_features: int = 6, seed: int = 0) -> Path:
    """A small gradient-boosted classifier on generated data, exported to ONNX (label + probabilities)."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier

    x, y = make_classification(n_samples=200, n_features=n_features, random_state=seed)
    model = GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(
        x.astype(np.float32), y
    )
    onnx_model = to_onnx(
        model,
        initial_types=[("input", FloatTensorType([None, n_features]))],
        options={id(model): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    path = folder / "classifier.onnx"
    path.write_bytes(onnx_model.SerializeToString())
    return path


def train_iris_skops(folder: Path) -> Path:
    """A logistic regression on iris with named features, saved with skops."""
    import skops.io
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    frame = load_iris(as_frame=True)
    x = frame.data
    x.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    model = LogisticRegression(max_iter=300).fit(x, frame.target)
    path = folder / "iris.skops"
    skops.io.dump(model, path)
    return path


def clf_and_spare_registry(folder: Path) -> Registry:
    """A registry in ``folder``: ``clf`` with the production alias, ``spare`` registered without one."""
    from inferd.config import RegistrySettings
    from inferd.registry import Registry
    from inferd.serving.registration import register_model

    (folder / "trained").mkdir()
    path = train_onnx_classifier(folder / "trained")
    registry = Registry.open(RegistrySettings(home=folder / "home"))
    registry.set_alias("clf", "production", register_model(registry, "clf", path).version, reason="test")
    register_model(registry, "spare", path)
    return registry
