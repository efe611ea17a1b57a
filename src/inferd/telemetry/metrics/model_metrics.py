"""The series of one served model version, bound once at load so the request path never looks labels up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import numpy as np

from inferd.telemetry.metrics.deferred import Deferred, DeferredHistogram, Publishable, observe_many
from inferd.telemetry.metrics.families import Families
from inferd.telemetry.metrics.prediction_distribution import PredictionDistribution

_Member = TypeVar("_Member", bound=Publishable)


class ModelMetrics:
    """Records for one version: stages, batches, rejections, outputs, cache, degraded answers.

    Implements the batcher's observer seam (``on_batch``, ``on_rejected``). The
    model's own time is observed per model call; the stages around it per request.
    Stages, batch sizes and outputs are recorded through ``deferred`` (appends on the
    request path, published in bulk).
    """

    def __init__(self, families: Families, model: str, version: int, deferred: Deferred) -> None:
        self.model = model
        self.version = str(version)
        self._families = families
        self._deferred = deferred
        self._published: list[Publishable] = []
        labels = (model, self.version)
        self._stages: dict[str, DeferredHistogram] = {}
        self._batch_size = self._defer(DeferredHistogram(families.batch_size.labels(*labels)))
        self._queue_depth = families.queue_depth.labels(*labels)
        self._calls_on_loop = families.model_calls.labels(*labels, "event_loop")
        self._calls_in_pool = families.model_calls.labels(*labels, "pool")
        self._calls_counted = (0, 0)  # the batcher's counts when last published
        self._degraded = families.degraded.labels(*labels)
        self._cache_hits = families.cache_lookups.labels(*labels, "hit")
        self._cache_misses = families.cache_lookups.labels(*labels, "miss")
        self._loaded = families.model_loaded.labels(*labels)
        for reason in ("overloaded", "deadline"):
            families.rejected.labels(*labels, reason)  # at 0, so the first rejection is counted
        for stage in ("validate", "queue", "model"):
            self.stage(stage)
        self._distribution = self._defer(
            PredictionDistribution(
                families.prediction_score, families.prediction_value, families.predicted_class, *labels
            )
        )

    # -- the batcher's observer seam -----------------------------------------------------------

    def on_batch(self, rows: int, requests: int, queue_wait_s: float, compute_s: float) -> None:
        self._batch_size.observe(rows)
        self.stage("queue").observe(queue_wait_s)
        self.stage("model").observe(compute_s)

    def on_rejected(self, reason: str) -> None:
        self._families.rejected.labels(self.model, self.version, reason).inc()

    # -- the pipeline's -------------------------------------------------------------------------

    def stage(self, name: str) -> DeferredHistogram:
        """The histogram of one stage (see ``STAGES``), made on first use."""
        child = self._stages.get(name)
        if child is None:
            series = self._families.stage_duration.labels(self.model, self.version, name)
            child = self._stages[name] = self._defer(DeferredHistogram(series))
        return child

    def observe_outputs(self, outputs: Mapping[str, np.ndarray]) -> None:
        """One model call's outputs, into the prediction distribution (thread-safe)."""
        self._distribution.observe(outputs)

    def on_degraded(self) -> None:
        self._degraded.inc()

    def on_cache(self, hits: int, misses: int) -> None:
        if hits:
            self._cache_hits.inc(hits)
        if misses:
            self._cache_misses.inc(misses)

    def on_feature_ages(self, feature: str, ages_s: np.ndarray) -> None:
        """Ages of the values of ``feature`` served (the caller decides how many to report)."""
        observe_many(self._families.feature_age.labels(self.model, feature), ages_s.astype(np.float64))

    def on_feature_fallback(self, feature: str, reason: str, rows: int) -> None:
        self._families.feature_fallbacks.labels(self.model, feature, reason).inc(rows)

    # -- lifecycle, and what the sampler sets ----------------------------------------------------

    def set_queue_depth(self, rows: int) -> None:
        self._queue_depth.set(rows)

    def count_calls(self, on_loop: int, in_pool: int) -> None:
        """The batcher's running counts of model calls by thread; what is new since the last is added."""
        counted_on_loop, counted_in_pool = self._calls_counted
        if on_loop > counted_on_loop:
            self._calls_on_loop.inc(on_loop - counted_on_loop)
        if in_pool > counted_in_pool:
            self._calls_in_pool.inc(in_pool - counted_in_pool)
        self._calls_counted = (on_loop, in_pool)

    def on_loaded(self, load_s: float, warmup_s: float) -> None:
        labels = (self.model, self.version)
        self._families.model_load_duration.labels(*labels).set(load_s)
        self._families.model_warmup_duration.labels(*labels).set(warmup_s)
        self._loaded.set(1)

    def on_retired(self) -> None:
        self._loaded.set(0)
        self._queue_depth.set(0)
        self._deferred.remove(self._published)

    def _defer(self, member: _Member) -> _Member:
        """``member``, published with the rest of the process's deferred values until retirement."""
        self._published.append(self._deferred.add(member))
        return member
