"""XGBoostRuntime: an XGBoost Booster saved in its native JSON or UBJSON format.

Objectives and outputs: ``binary:logistic`` gives ``label`` (0/1) and
``probabilities`` with two columns ``[1 - p, p]``; ``multi:softprob`` and
``multi:softmax`` give ``label`` (class index) and ``probabilities`` (for
softmax, the softmax of the margins); every other objective gives
``prediction``. Inputs follow :class:`~inferd.runtimes.tabular.FeatureLayout`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from inferd._optional import require
from inferd.errors import InvalidArtifactError
from inferd.runtimes.detection import model_file
from inferd.runtimes.inputs import check_inputs, empty_outputs, sample_batch
from inferd.runtimes.options import RuntimeOptions
from inferd.runtimes.outputs import Task, task_outputs, task_specs
from inferd.runtimes.tabular import FeatureLayout
from inferd.tensors import Batch, Signature


class XGBoostRuntime:
    """An ``xgboost.Booster`` behind the Runtime interface."""

    framework = "xgboost"

    def __init__(
        self, booster: Any, layout: FeatureLayout, objective: str, n_classes: int, n_targets: int
    ) -> None:
        self._booster = booster
        self._layout = layout
        self._objective = objective
        self._task = _task(objective)
        self._signature = Signature(layout.inputs, task_specs(self._task, n_classes, n_targets))

    @classmethod
    def load(cls, path: Path, signature: Signature | None, options: RuntimeOptions) -> XGBoostRuntime:
        """Read the booster at ``path`` (``.ubj`` or ``.json``, or the one such file in a folder)."""
        xgboost = require("xgboost", "xgboost")
        file = model_file(path, "xgboost")
        booster = xgboost.Booster()
        try:
            # From a buffer: xgboost then reads the format from the content, not the file name.
            booster.load_model(bytearray(file.read_bytes()))
            config = json.loads(booster.save_config())
        except xgboost.core.XGBoostError as exc:
            raise InvalidArtifactError(f"{file}: cannot be read as an XGBoost model: {exc}") from exc
        booster.set_param({"nthread": options.intra_op_threads})
        learner = config["learner"]
        params = learner["learner_model_param"]
        layout = FeatureLayout.for_model(str(file), booster.num_features(), booster.feature_names, signature)
        return cls(
            booster,
            layout,
            learner["objective"]["name"],
            n_classes=int(params.get("num_class", 0)),
            n_targets=max(1, int(params.get("num_target", 1))),
        )

    @property
    def signature(self) -> Signature:
        return self._signature

    def predict(self, batch: Batch) -> Batch:
        if check_inputs(batch, self._signature) == 0:
            return empty_outputs(self._signature)
        matrix = self._layout.matrix(batch)
        if self._objective == "multi:softmax":
            return task_outputs(
                self._task, _softmax(self._booster.inplace_predict(matrix, predict_type="margin"))
            )
        return task_outputs(self._task, self._booster.inplace_predict(matrix))

    def warmup(self) -> None:
        self.predict(sample_batch(self._signature))


def _task(objective: str) -> Task:
    if objective == "binary:logistic":
        return "binary"
    if objective in ("multi:softprob", "multi:softmax"):
        return "multiclass"
    return "regression"


def _softmax(margins: np.ndarray) -> np.ndarray:
    shifted = np.exp(margins - margins.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]
