"""Threshold and TopK: model scores turned into the labels a caller acts on.

- ``threshold``: ``labels[1]`` where the score (``output``, or its ``column``) is
  at least ``threshold``, else ``labels[0]``; written to field ``name``.
- ``top_k``: per row, the ``k`` best columns of a 2-D ``output``, best first
  (ties go to the lower index): their indices and scores, and their names when
  ``labels`` lists one per column.
"""

from __future__ import annotations

import numpy as np

from inferd.errors import InvalidInputError
from inferd.serving.steps.operand import Operand
from inferd.serving.steps.score_op import Thresholding
from inferd.serving.steps.step import numeric_field, scores_of
from inferd.serving.steps.step_config import StepConfig
from inferd.tensors import Batch


class Threshold:
    """Two labels chosen by comparing one score with a threshold."""

    def __init__(
        self, name: str, output: str, column: int | None, threshold: float, labels: np.ndarray, target: str
    ) -> None:
        self.name = name
        self._output = output
        self._column = column
        self._threshold = Operand(threshold)
        self._labels = labels
        self._target = target

    def __call__(self, batch: Batch) -> Batch:
        scores = scores_of(batch, self._output, self._column, self.name)
        is_positive = np.greater_equal(scores, self._threshold.like(scores.dtype))
        out = dict(batch)
        out[self._target] = self._labels.take(is_positive)
        return out

    def score_op(self) -> Thresholding:
        return Thresholding(self._output, self._column, self._threshold, self._labels, self._target)


class TopK:
    """The ``k`` highest-scoring columns of each row."""

    def __init__(
        self, name: str, output: str, k: int, targets: tuple[str, str, str], labels: np.ndarray | None
    ):
        self.name = name
        self._output = output
        self._k = k
        self._indices, self._scores, self._label_field = targets
        self._labels = labels

    def __call__(self, batch: Batch) -> Batch:
        values = numeric_field(batch, self._output, self.name)
        self._check(values)
        keys = values if values.dtype.kind == "f" else values.astype(np.float64)
        order = np.argsort(-keys, axis=1, kind="stable")[:, : self._k]
        out = dict(batch)
        out[self._indices] = order
        out[self._scores] = np.take_along_axis(values, order, axis=1)
        if self._labels is not None:
            out[self._label_field] = self._labels[order]
        return out

    def _check(self, values: np.ndarray) -> None:
        if values.ndim != 2 or values.shape[1] < self._k:
            raise InvalidInputError(
                f"{self.name}: output {self._output!r} of shape {values.shape} has fewer than k={self._k} "
                "columns to rank (it must be 2-D, one row of scores per row)"
            )
        if self._labels is not None and len(self._labels) != values.shape[1]:
            raise InvalidInputError(
                f"{self.name}: output {self._output!r} has {values.shape[1]} columns "
                f"but the step names {len(self._labels)} labels"
            )


def optional_column(config: StepConfig) -> int | None:
    if config.params.get("column") is None:
        return None
    value = config.params["column"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise config.error("column", f"must be an integer column index, got {value!r}")
    return value


def build_threshold(config: StepConfig) -> Threshold:
    config.check_keys({"output", "column", "threshold", "labels", "name"})
    labels = config.scalars("labels", [0, 1], minimum=2)
    if len(labels) != 2:
        raise config.error("labels", f"must be two labels [negative, positive], got {list(labels)!r}")
    return Threshold(
        config.label,
        config.string("output"),
        optional_column(config),
        config.number("threshold", 0.5),
        np.asarray(labels),
        config.string("name", "label"),
    )


def build_top_k(config: StepConfig) -> TopK:
    config.check_keys({"output", "k", "indices_name", "scores_name", "labels", "labels_name"})
    targets = (
        config.string("indices_name", "top_k_indices"),
        config.string("scores_name", "top_k_scores"),
        config.string("labels_name", "top_k_labels"),
    )
    if len(set(targets)) != len(targets):
        raise config.error("indices_name", f"and the other output names must differ, got {list(targets)!r}")
    labels = config.scalars("labels") if "labels" in config.params else None
    k = config.integer("k", minimum=1)
    return TopK(
        config.label, config.string("output"), k, targets, None if labels is None else np.asarray(labels)
    )
