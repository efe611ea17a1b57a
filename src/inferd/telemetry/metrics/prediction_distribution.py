"""What a version predicts, as metrics: class counts, classifier scores, regression values.

Observed once per model call (on the batcher's worker thread), from the outputs
alone: an integer, boolean or string column counts classes; a float matrix of
k >= 2 columns is a classifier's probabilities (the score is the positive
class's probability when k = 2, the top probability otherwise); any other float
column is a regression value.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np
from prometheus_client import Counter, Histogram

from inferd.telemetry.metrics.names import MAX_CLASSES

OTHER_CLASS = "other"
log = logging.getLogger("inferd.telemetry")


class PredictionDistribution:
    """Observes the outputs of one served version."""

    def __init__(
        self, scores: Histogram, values: Histogram, classes: Counter, model: str, version: str
    ) -> None:
        self._scores, self._values, self._classes = scores, values, classes
        self._labels = (model, version)
        self._children: dict[tuple[str, str], Any] = {}
        self._seen_classes: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self._warned = False
        self._class_children: dict[tuple[str, object], Any] = {}

    def observe(self, outputs: Mapping[str, np.ndarray]) -> None:
        try:
            self._observe(outputs)
        except (TypeError, ValueError) as exc:  # e.g. unorderable mixed labels: skip, never fail the call
            if not self._warned:
                self._warned = True
                log.warning("cannot record the prediction distribution of %s: %s", self._labels, exc)

    def _observe(self, outputs: Mapping[str, np.ndarray]) -> None:
        for name, array in outputs.items():
            kind = array.dtype.kind
            if kind in "iubOSU" and (array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)):
                self._count_classes(name, array.reshape(-1))
            elif kind == "f" and array.ndim == 2 and array.shape[1] >= 2:
                scores = array[:, 1] if array.shape[1] == 2 else array.max(axis=1)
                self._observe_all(self._child("score", name), scores)
            elif kind == "f" and (array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)):
                self._observe_all(self._child("value", name), array.reshape(-1))

    def _count_classes(self, output: str, labels: np.ndarray) -> None:
        if labels.dtype.kind in "iu" and len(labels) and labels.min() >= 0 and labels.max() < 4 * MAX_CLASSES:
            counts = np.bincount(labels)
            values = np.flatnonzero(counts)
            counts = counts[values]
        else:
            values, counts = np.unique(labels, return_counts=True)
        children = self._class_children
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            child = children.get((output, value))
            if child is None:
                label = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                child = self._classes.labels(*self._labels, output, self._bounded(output, label))
                if len(children) < 4 * MAX_CLASSES:
                    children[(output, value)] = child
            child.inc(count)

    def _bounded(self, output: str, label: str) -> str:
        with self._lock:
            seen = self._seen_classes.setdefault(output, set())
            if label in seen:
                return label
            if len(seen) >= MAX_CLASSES:
                return OTHER_CLASS
            seen.add(label)
            return label

    def _child(self, kind: str, output: str) -> Any:
        child = self._children.get((kind, output))
        if child is None:
            family = self._scores if kind == "score" else self._values
            child = self._children[(kind, output)] = family.labels(*self._labels, output)
        return child

    @staticmethod
    def _observe_all(child: Any, values: np.ndarray) -> None:
        values = values[np.isfinite(values)]
        if not len(values):
            return
        buckets = getattr(child, "_buckets", None)
        upper_bounds = getattr(child, "_upper_bounds", None)
        total = getattr(child, "_sum", None)
        if buckets is None or upper_bounds is None or total is None:
            for value in values.tolist():  # prometheus_client changed inside: the slow, public way
                child.observe(value)
            return
        # Histogram.observe() per row costs ~1 µs; counting a whole model call with numpy
        # and adding each bucket's count once is what observe() does, row by row.
        counts = np.bincount(np.searchsorted(upper_bounds, values, side="left"), minlength=len(buckets))
        for index in np.flatnonzero(counts).tolist():
            buckets[index].inc(int(counts[index]))
        total.inc(float(values.sum(dtype=np.float64)))
