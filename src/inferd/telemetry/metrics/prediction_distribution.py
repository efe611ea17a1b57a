"""What a version predicts, as metrics: class counts, classifier scores, regression values.

Observed once per model call (on the batcher's worker thread), from the outputs
alone: an integer, boolean or string column counts classes; a float matrix of
k >= 2 columns is a classifier's probabilities (the score is the positive
class's probability when k = 2, the top probability otherwise); any other float
column is a regression value.

A model call only queues the values it contributes, one per row and output (copied,
so a later step that changes the model's arrays in place cannot change what was
predicted, and never more than that, however wide the outputs); ``publish``
counts everything queued since the last time with one numpy pass per output,
whatever the number of calls (see :mod:`inferd.telemetry.metrics.deferred`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any

import numpy as np
from prometheus_client import Counter, Histogram

from inferd.telemetry.metrics.deferred import PUBLISH_AT, drain, observe_many
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
        self._publishing = threading.Lock()
        self._pending: deque[list[Counted]] = deque()
        self._warned = False
        self._class_children: dict[tuple[str, object], Any] = {}

    def observe(self, outputs: Mapping[str, np.ndarray]) -> None:
        """Queue what one model call's outputs contribute: one value a row and output (thread-safe)."""
        pending = self._pending
        pending.append([counted for name, array in outputs.items() if (counted := _counted(name, array))])
        if len(pending) >= PUBLISH_AT // 64:
            self.publish()

    def publish(self) -> None:
        """Count what was queued: each output's calls joined, then counted once."""
        with self._publishing:
            calls = drain(self._pending)
            if not calls:
                return
            for (kind, name), values in _joined(calls).items():
                try:
                    if kind == "class":
                        self._count_classes(name, values)
                    else:
                        observe_many(self._child(kind, name), values.astype(np.float64, copy=False))
                except (TypeError, ValueError) as exc:  # e.g. unorderable mixed labels: skip, never fail
                    if not self._warned:
                        self._warned = True
                        log.warning("cannot record the prediction distribution of %s: %s", self._labels, exc)

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


Counted = tuple[str, str, np.ndarray]  # kind ("class", "score" or "value"), output, one value a row


def _counted(name: str, array: np.ndarray) -> Counted | None:
    """What ``array`` adds to the distribution, copied (a later step may change the model's arrays)."""
    kind = array.dtype.kind
    is_column = array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 1)
    if kind in "iubOSU" and is_column:
        return ("class", name, array.reshape(-1).copy())
    if kind == "f" and array.ndim == 2 and array.shape[1] >= 2:
        return ("score", name, array[:, 1].copy() if array.shape[1] == 2 else array.max(axis=1))
    if kind == "f" and is_column:
        return ("value", name, array.reshape(-1).copy())
    return None


def _joined(calls: list[list[Counted]]) -> dict[tuple[str, str], np.ndarray]:
    """Each output's values over all ``calls``, joined; an output whose dtype kind changed is left out."""
    gathered: dict[tuple[str, str], list[np.ndarray]] = {}
    for call in calls:
        for kind, name, values in call:
            gathered.setdefault((kind, name), []).append(values)
    joined = {}
    for key, arrays in gathered.items():
        try:
            joined[key] = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
        except (TypeError, ValueError):
            continue
    return joined
