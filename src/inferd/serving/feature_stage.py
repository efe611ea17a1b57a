"""The online feature lookup of a pipeline: fetch missing features by entity key, judge their freshness.

One round trip to the store per request (all of its keys at once), run in a
worker thread under a timeout, retried with jittered backoff (a read is
idempotent) and guarded by the store's circuit breaker. Each fetched value is
judged against its contract field: a value older than ``ttl_s``, or a key the
store does not know, follows the field's ``on_stale`` policy: ``reject`` (400
naming the field, row and key), ``default`` (use the contract's default), or
``degrade`` (serve what there is and flag the response). While the store is
down or its breaker is open, every looked-up field falls back to its default
when it has one (the response is flagged degraded), and otherwise the request
fails fast with 503.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inferd.contract import Contract, Field
from inferd.errors import InferdError, InvalidInputError, UnavailableError
from inferd.features import FeatureRows, FeatureStore
from inferd.serving.deployment import FeatureLookup
from inferd.serving.resilience import CircuitBreaker, call_with_timeout, retry_async
from inferd.telemetry.metrics.model_metrics import ModelMetrics
from inferd.tensors import Batch


@dataclass(frozen=True)
class Lookup:
    """The fields a request gets from the store, and why the response is degraded, if it is."""

    batch: Batch
    degraded: tuple[str, ...] = ()


class FeatureStage:
    """Fills a request's looked-up features for one model version."""

    def __init__(
        self,
        spec: FeatureLookup,
        contract: Contract,
        store: FeatureStore,
        breaker: CircuitBreaker,
        *,
        timeout_s: float,
        metrics: ModelMetrics | None = None,
    ) -> None:
        self._metrics = metrics
        self._spec = spec
        self._fields = {name: contract.field(name) for name in spec.fields}
        self._store = store
        self._breaker = breaker
        self._timeout_s = timeout_s

    async def fill(self, batch: Batch, *, deadline: float | None = None) -> Lookup:
        entity = self._spec.entity
        if entity not in batch:
            raise InvalidInputError(f"field {entity!r} is missing: the model looks its features up by it")
        keys = np.asarray(batch[entity])
        out = {name: array for name, array in batch.items() if name != entity or self._spec.keep_entity}
        wanted = [name for name in self._spec.fields if name not in batch]
        if not wanted:
            return Lookup(out)
        try:
            rows = await self._fetch(keys, wanted, deadline)
        except InferdError as exc:
            if self._metrics is not None:
                for name in wanted:
                    self._metrics.on_feature_fallback(name, "unavailable", len(keys))
            return Lookup({**out, **self._fallback(wanted, len(keys), exc)}, (f"feature store: {exc}",))
        notes: list[str] = []
        for name in wanted:
            out[name] = self._judge(self._fields[name], keys, rows, notes)
        return Lookup(out, tuple(notes))

    async def _fetch(self, keys: np.ndarray, wanted: Sequence[str], deadline: float | None) -> FeatureRows:
        self._breaker.guard()

        async def once() -> FeatureRows:
            call = asyncio.to_thread(self._store.get, self._spec.entity, keys, wanted)
            return await call_with_timeout(call, self._timeout_s)

        try:
            rows = await retry_async(once, attempts=2, retry_on=(UnavailableError,), deadline=deadline)
        except InferdError:
            self._breaker.record_failure()
            raise
        self._breaker.record_success()
        return rows

    def _fallback(self, wanted: Sequence[str], n_rows: int, cause: InferdError) -> Batch:
        missing = [name for name in wanted if not self._fields[name].has_default]
        if missing:
            raise UnavailableError(
                f"the feature store is unavailable ({cause}) and features {missing} "
                "have no default to fall back on"
            ) from cause
        return {name: _filled(self._fields[name], n_rows) for name in wanted}

    def _judge(self, field: Field, keys: np.ndarray, rows: FeatureRows, notes: list[str]) -> np.ndarray:
        values = rows.values[field.name]
        missing = ~rows.found
        bad = missing
        if field.ttl_s is not None or self._metrics is not None:
            age_s = time.time() - rows.event_time_s
            if field.ttl_s is not None:
                bad = bad | (age_s > field.ttl_s)
            if self._metrics is not None:
                self._observe(field.name, age_s[rows.found], missing, bad)
        if not bad.any():
            return values
        first = int(np.flatnonzero(bad)[0])
        why = "not found" if not rows.found[first] else f"older than its ttl of {field.ttl_s} s"
        if field.on_stale == "reject":
            raise InvalidInputError(
                f"feature {field.name!r} row {first}: key {keys[first]!r} is {why} in the feature store"
            )
        notes.append(f"feature {field.name!r}: {int(bad.sum())} row(s) stale or missing")
        if field.has_default:
            values = np.where(bad, np.asarray(field.default, dtype=values.dtype), values)
        return values

    def _observe(self, name: str, found_ages_s: np.ndarray, missing: np.ndarray, bad: np.ndarray) -> None:
        # One observation per field and request (the oldest value served), not one per row: cheap.
        metrics = self._metrics
        assert metrics is not None
        if len(found_ages_s):
            metrics.on_feature_ages(name, found_ages_s.max(keepdims=True))
        n_missing = int(missing.sum())
        n_stale = int(bad.sum()) - n_missing
        if n_missing:
            metrics.on_feature_fallback(name, "missing", n_missing)
        if n_stale:
            metrics.on_feature_fallback(name, "stale", n_stale)


def _filled(field: Field, n_rows: int) -> np.ndarray:
    return np.full(n_rows, field.default, dtype=object if field.dtype == "object" else field.dtype)
