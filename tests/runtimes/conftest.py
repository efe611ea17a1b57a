"""Small models trained on the spot (no downloads), shared by the runtime tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris, make_classification, make_regression

Factory = Callable[[str], Path]


@dataclass(frozen=True)
class Trained:
    """A saved model, the fitted original and rows to compare on."""

    path: Path
    model: Any
    rows: Any  # what the original model predicts on (ndarray or DataFrame)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Factory:
    return lambda name: tmp_path_factory.mktemp(name)


@pytest.fixture(scope="session")
def binary_data() -> tuple[np.ndarray, np.ndarray]:
    x, y = make_classification(n_samples=120, n_features=5, n_informative=3, random_state=0)
    return x, y


@pytest.fixture(scope="session")
def multiclass_data() -> tuple[np.ndarray, np.ndarray]:
    x, y = make_classification(
        n_samples=150, n_features=5, n_informative=4, n_redundant=0, n_classes=3, random_state=1
    )
    return x, y


@pytest.fixture(scope="session")
def regression_data() -> tuple[np.ndarray, np.ndarray]:
    x, y = make_regression(n_samples=120, n_features=4, random_state=2)
    return x, y


@pytest.fixture(scope="session")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    frame = load_iris(as_frame=True)
    x = frame.data
    x.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    return x, frame.target


def as_frame(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=[f"feat_{i}" for i in range(x.shape[1])])


def frame_batch(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """One 1-D float64 input per column, as a runtime with named features takes them."""
    return {name: frame[name].to_numpy(dtype=np.float64) for name in frame.columns}
