"""The output names and shapes shared by the tabular runtimes.

Classifiers answer ``label`` (one class per row) and ``probabilities`` (one
float64 column per class); regressors answer ``prediction``. The ONNX runtime
does not use this: an ONNX graph names its own outputs.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from inferd.tensors import Batch, TensorSpec

LABEL = "label"
PROBABILITIES = "probabilities"
PREDICTION = "prediction"

Task = Literal["binary", "multiclass", "regression"]
"""What a gradient-boosting objective predicts, as far as outputs are concerned."""


def label_dtype_name(dtype: np.dtype[Any]) -> str:
    """The signature dtype of labels: strings travel as ``object``."""
    return "object" if dtype.kind in "OSU" else dtype.name


def classifier_specs(label_dtype: str, n_classes: int) -> tuple[TensorSpec, TensorSpec]:
    return (
        TensorSpec(LABEL, label_dtype, (-1,)),
        TensorSpec(PROBABILITIES, "float64", (-1, n_classes)),
    )


def regression_spec(n_targets: int = 1) -> TensorSpec:
    return TensorSpec(PREDICTION, "float64", (-1,) if n_targets == 1 else (-1, n_targets))


def task_specs(task: Task, n_classes: int, n_targets: int = 1) -> tuple[TensorSpec, ...]:
    """Output specs of a booster; class labels are the class indices (int64)."""
    if task == "regression":
        return (regression_spec(n_targets),)
    return classifier_specs("int64", 2 if task == "binary" else n_classes)


def task_outputs(task: Task, raw: np.ndarray) -> Batch:
    """Outputs of a booster from its raw predictions (probability of class 1 for binary)."""
    if task == "regression":
        return {PREDICTION: np.asarray(raw, dtype=np.float64)}
    raw = np.asarray(raw, dtype=np.float64)
    if task == "binary":
        positive = raw.reshape(-1)
        probabilities = np.column_stack((1.0 - positive, positive))
        return {LABEL: (positive > 0.5).astype(np.int64), PROBABILITIES: probabilities}
    return {LABEL: np.argmax(raw, axis=1).astype(np.int64), PROBABILITIES: raw}


def labels_array(labels: Any) -> np.ndarray:
    """Predicted labels as a Batch array: strings become an ``object`` array."""
    array = np.asarray(labels)
    return array.astype(object) if array.dtype.kind in "SU" else array
