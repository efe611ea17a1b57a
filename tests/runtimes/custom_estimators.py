"""A transformer outside the sklearn namespace, to test the skops trust policy."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class Doubler(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    def fit(self, x: Any, y: Any = None) -> Doubler:
        self.n_features_in_ = np.shape(x)[1]
        return self

    def transform(self, x: Any) -> Any:
        return np.asarray(x) * 2.0
