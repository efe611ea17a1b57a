"""The external things a server process's pipelines share: the feature store, its breaker, the caches.

Opened on first need (a process serving no model with features never connects
to a store), closed by the manager that owns them.
"""

from __future__ import annotations

import logging

from inferd.batching import BatchingSettings
from inferd.config import FeatureStoreSettings
from inferd.features import FeatureStore, open_feature_store
from inferd.serving.cache import MemoryCache, PredictionCache, RedisCache
from inferd.serving.deployment import CacheConfig
from inferd.serving.feature_stage import FeatureStage
from inferd.serving.loaded_model import LoadedModel
from inferd.serving.model_handle import ModelHandle
from inferd.serving.resilience import CircuitBreaker
from inferd.telemetry.metrics.model_metrics import ModelMetrics

log = logging.getLogger("inferd.serving")


class Dependencies:
    """Builds model handles wired to the process's shared feature store and caches."""

    def __init__(self, features: FeatureStoreSettings) -> None:
        self._feature_settings = features
        self._store: FeatureStore | None = None
        self.feature_breaker = CircuitBreaker("feature-store", reset_timeout_s=2.0)

    def handle_for(
        self, model: LoadedModel, batching: BatchingSettings, metrics: ModelMetrics | None = None
    ) -> ModelHandle:
        deployment = model.deployment
        stage = None
        if deployment.features is not None:
            stage = FeatureStage(
                deployment.features,
                model.contract,
                self._feature_store(),
                self.feature_breaker,
                timeout_s=self._feature_settings.timeout_s,
                metrics=metrics,
            )
        cache = _cache(deployment.cache) if deployment.cache is not None else None
        blocks = deployment.cache is not None and deployment.cache.backend == "redis"
        return ModelHandle(model, batching, features=stage, cache=cache, cache_blocks=blocks, metrics=metrics)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _feature_store(self) -> FeatureStore:
        if self._store is None:
            settings = self._feature_settings
            self._store = open_feature_store(settings.store_url, timeout_s=settings.timeout_s)
        return self._store


def _cache(config: CacheConfig) -> PredictionCache:
    if config.backend == "redis":
        return RedisCache(config.url or "redis://127.0.0.1:6379/0", ttl_s=config.ttl_s)
    return MemoryCache(max_bytes=config.max_bytes)
