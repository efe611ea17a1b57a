"""LightGBMRuntime: a LightGBM Booster saved in its native text format.

The objective is read from the model file's header: ``binary`` gives ``label``
(0/1) and ``probabilities`` ``[1 - p, p]``; ``multiclass``/``multiclassova``
give ``label`` (class index) and ``probabilities``; everything else gives
``prediction``. LightGBM names unnamed features ``Column_0``, ``Column_1``...:
those count as unnamed, so the model takes one 2-D ``input`` (see
:class:`~inferd.runtimes.tabular.FeatureLayout`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from inferd._optional import require
from inferd.errors import InvalidArtifactError
from inferd.runtimes.detection import model_file
from inferd.runtimes.inputs import check_inputs, empty_outputs, sample_batch
from inferd.runtimes.options import RuntimeOptions
from inferd.runtimes.outputs import Task, task_outputs, task_specs
from inferd.runtimes.tabular import FeatureLayout
from inferd.tensors import Batch, Signature

_AUTO_NAME = re.compile(r"Column_\d+")
_HEADER_MAX_LINES = 64


class LightGBMRuntime:
    """A ``lightgbm.Booster`` behind the Runtime interface."""

    framework = "lightgbm"

    def __init__(self, booster: Any, layout: FeatureLayout, task: Task, n_classes: int, threads: int) -> None:
        self._booster = booster
        self._layout = layout
        self._task = task
        self._threads = threads
        self._signature = Signature(layout.inputs, task_specs(task, n_classes))

    @classmethod
    def load(cls, path: Path, signature: Signature | None, options: RuntimeOptions) -> LightGBMRuntime:
        """Read the booster at ``path`` (a LightGBM text model, or the one such file in a folder)."""
        lightgbm = require("lightgbm", "lightgbm")
        file = model_file(path, "lightgbm")
        header = _header(file)
        if "objective" not in header:
            raise InvalidArtifactError(
                f"{file}: cannot be read as a LightGBM model: no objective in its header"
            )
        try:
            booster = lightgbm.Booster(model_file=str(file))
        except lightgbm.basic.LightGBMError as exc:
            raise InvalidArtifactError(f"{file}: cannot be read as a LightGBM model: {exc}") from exc
        names = booster.feature_name()
        if all(_AUTO_NAME.fullmatch(name) for name in names):
            names = None
        layout = FeatureLayout.for_model(str(file), booster.num_feature(), names, signature)
        task = _task(header["objective"])
        return cls(booster, layout, task, int(header.get("num_class", "1")), options.intra_op_threads)

    @property
    def signature(self) -> Signature:
        return self._signature

    def predict(self, batch: Batch) -> Batch:
        if check_inputs(batch, self._signature) == 0:
            return empty_outputs(self._signature)
        raw = self._booster.predict(self._layout.matrix(batch), num_threads=self._threads)
        return task_outputs(self._task, raw)

    def warmup(self) -> None:
        self.predict(sample_batch(self._signature))


def _header(file: Path) -> dict[str, str]:
    """The ``key=value`` lines before the first tree of a LightGBM text model."""
    header: dict[str, str] = {}
    with file.open("r", encoding="utf-8", errors="replace") as text:
        for _, line in zip(range(_HEADER_MAX_LINES), text, strict=False):
            if line.startswith("Tree="):
                break
            key, sep, value = line.strip().partition("=")
            if sep:
                header[key] = value
    return header


def _task(objective: str) -> Task:
    name = objective.split()[0] if objective else ""
    if name == "binary":
        return "binary"
    if name in ("multiclass", "multiclassova"):
        return "multiclass"
    return "regression"
