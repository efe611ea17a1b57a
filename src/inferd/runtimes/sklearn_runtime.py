"""SklearnRuntime: a scikit-learn estimator or Pipeline (read by ``sklearn_artifact``).

Inputs follow :class:`~inferd.runtimes.tabular.FeatureLayout`: with
``feature_names_in_`` one 1-D float64 input per feature, passed to the model
as a DataFrame with those columns; otherwise one 2-D ``input``. Classifiers
with ``predict_proba`` answer ``label`` (the dtype of ``classes_``, strings as
``object``) and ``probabilities`` (float64, one column per class); those
without answer ``label`` only; anything else answers ``prediction`` (float64).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from inferd.errors import InvalidArtifactError
from inferd.runtimes.detection import model_file
from inferd.runtimes.inputs import check_inputs, empty_outputs, sample_batch
from inferd.runtimes.options import RuntimeOptions
from inferd.runtimes.outputs import (
    LABEL,
    PREDICTION,
    PROBABILITIES,
    classifier_specs,
    label_dtype_name,
    labels_array,
    regression_spec,
)
from inferd.runtimes.sklearn_artifact import read_estimator
from inferd.runtimes.tabular import FeatureLayout
from inferd.tensors import Batch, Signature, TensorSpec


class SklearnRuntime:
    """A fitted scikit-learn estimator behind the Runtime interface."""

    framework = "sklearn"

    def __init__(self, estimator: Any, layout: FeatureLayout, outputs: tuple[TensorSpec, ...]) -> None:
        self._estimator = estimator
        self._layout = layout
        self._signature = Signature(layout.inputs, outputs)
        self._has_probabilities = any(spec.name == PROBABILITIES for spec in outputs)
        self._is_classifier = any(spec.name == LABEL for spec in outputs)

    @classmethod
    def load(cls, path: Path, signature: Signature | None, options: RuntimeOptions) -> SklearnRuntime:
        """Read the estimator at ``path`` (a ``.skops`` file by default, see ``sklearn_artifact``)."""
        file = model_file(path, "sklearn")
        estimator = read_estimator(file, options)
        if not callable(getattr(estimator, "predict", None)):
            raise InvalidArtifactError(
                f"{file}: holds a {type(estimator).__name__}, which has no predict method"
            )
        names = getattr(estimator, "feature_names_in_", None)
        n_features = getattr(estimator, "n_features_in_", None)
        layout = FeatureLayout.for_model(
            str(file), None if n_features is None else int(n_features), _names(names), signature
        )
        return cls(estimator, layout, _output_specs(file, estimator))

    @property
    def signature(self) -> Signature:
        return self._signature

    def predict(self, batch: Batch) -> Batch:
        if check_inputs(batch, self._signature) == 0:
            return empty_outputs(self._signature)
        features = self._features(batch)
        if not self._is_classifier:
            return {PREDICTION: np.asarray(self._estimator.predict(features), dtype=np.float64)}
        outputs = {LABEL: labels_array(self._estimator.predict(features))}
        if self._has_probabilities:
            outputs[PROBABILITIES] = np.asarray(self._estimator.predict_proba(features), dtype=np.float64)
        return outputs

    def warmup(self) -> None:
        self.predict(sample_batch(self._signature))

    def _features(self, batch: Batch) -> Any:
        matrix = self._layout.matrix(batch)
        if self._layout.feature_names is None:
            return matrix
        import pandas as pd

        return pd.DataFrame(matrix, columns=list(self._layout.feature_names), copy=False)


def _names(names: Any) -> list[str] | None:
    return None if names is None else [str(n) for n in names]


def _output_specs(file: Path, estimator: Any) -> tuple[TensorSpec, ...]:
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        return (regression_spec(int(getattr(estimator, "n_outputs_", 1))),)
    if isinstance(classes, list):
        raise InvalidArtifactError(f"{file}: multi-output classifiers are not supported yet")
    classes = np.asarray(classes)
    label, probabilities = classifier_specs(label_dtype_name(classes.dtype), len(classes))
    if callable(getattr(estimator, "predict_proba", None)):
        return (label, probabilities)
    return (label,)
