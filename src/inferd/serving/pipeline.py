"""The inference pipeline of one served version.

look up features -> validate against the contract -> preprocess -> (cache) ->
batched model -> postprocess. Every stage works on whole Batches. A version
without a deployment takes the short path: the contract's check (with its fast
path for a stacked matrix) straight into the batcher.

The cache is keyed per row by the version and the row's model inputs, so a
batched request reuses the rows it has seen and sends only the others to the
model; a new version never reads the old one's entries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from inferd.serving.cache import PredictionCache, merge_rows, row_keys, split_hits
from inferd.serving.feature_stage import FeatureStage
from inferd.serving.loaded_model import LoadedModel
from inferd.serving.statistics import ModelStatistics
from inferd.serving.steps import InputPlan, OutputPlan, build_steps, matrix_kernel
from inferd.telemetry.metrics.model_metrics import ModelMetrics
from inferd.telemetry.tracing import STAGE_TIMELINE
from inferd.tensors import Batch, batch_rows

Submit = Callable[[Batch, float | None], Awaitable[Batch]]


class InferenceResult(NamedTuple):
    """A request's outputs, and why they are degraded when they are (e.g. stale features)."""

    outputs: Batch
    degraded: tuple[str, ...] = ()
    input_s: float = 0.0  # time spent before the model call (lookup, validation, preprocessing)
    inputs: Batch | None = None  # the request's fields after feature lookup (for the prediction log)


class Pipeline:
    """Runs the stages around the batched model call of one version."""

    def __init__(
        self,
        model: LoadedModel,
        submit: Submit,
        *,
        features: FeatureStage | None = None,
        cache: PredictionCache | None = None,
        cache_blocks: bool = False,
        statistics: ModelStatistics,
        metrics: ModelMetrics | None = None,
    ) -> None:
        deployment = model.deployment
        self._metrics = metrics
        self.statistics = statistics
        self._contract = model.contract
        self._ref = model.version.ref
        self._submit = submit
        self._features = features
        self._cache = cache
        self._cache_blocks = cache_blocks  # a remote cache is called from a thread, off the loop
        self._pre = build_steps(deployment.preprocess, artifact_dir=model.artifact_dir)
        self._post = build_steps(deployment.postprocess, artifact_dir=model.artifact_dir)
        self._stacks = deployment.model_inputs
        # Preprocessing and stacking, fused into a few matrix ops when the steps allow; likewise the
        # leading score steps of the postprocessing.
        self._inputs = InputPlan(self._pre, self._stacks, model.contract.inputs)
        self._outputs = OutputPlan(self._post)
        self._short = (
            features is None and cache is None and not self._pre and not self._post and not self._stacks
        )
        self._validate_s = metrics.stage("validate") if metrics is not None and self._short else None

    @property
    def steps_summary(self) -> str:
        """How the deployment's steps run (compiled, on numpy, one by one, and why), for the load log."""
        parts = []
        if self._pre:
            parts.append(f"preprocessing {self._inputs.how}")
        if self._post:
            parts.append(f"postprocessing {self._outputs.how}")
        if parts and not matrix_kernel.is_available():
            parts.append("""pip install "inferd[jit]" compiles them""")
        return "; ".join(parts)

    async def run(self, batch: Batch, deadline: float | None) -> InferenceResult:
        """This request's rows through every stage, counted in the version's statistics.

        One coroutine from the handle to the batcher: a short pipeline (no lookup, cache
        or steps) runs inline, as the serving path's hot case; the others in ``_stages``.
        """
        started = time.perf_counter()
        statistics = self.statistics
        statistics.in_flight += 1
        rows = 0
        try:
            rows = batch_rows(batch)
            if self._short:
                inputs = self._contract.prepare(batch)
                prepared = time.perf_counter()
                if self._validate_s is not None:
                    self._validate_s.observe(prepared - started)
                timeline = STAGE_TIMELINE.get()
                if timeline is not None:
                    timeline.append(("validate", started, prepared))
                outputs = await self._submit(inputs, deadline)
                if timeline is not None:
                    timeline.append(("batched model", prepared, time.perf_counter()))
                result = InferenceResult(outputs, input_s=prepared - started, inputs=batch)
            else:
                result = await self._stages(batch, deadline, started)
        except Exception:
            statistics.on_request_done(rows, time.perf_counter() - started, 0.0, ok=False)
            raise
        finally:
            statistics.in_flight -= 1
        statistics.on_request_done(rows, time.perf_counter() - started, result.input_s, ok=True)
        if result.degraded and self._metrics is not None:
            self._metrics.on_degraded()
        return result

    async def _stages(self, batch: Batch, deadline: float | None, started: float) -> InferenceResult:
        degraded: tuple[str, ...] = ()
        looked_up = started
        if self._features is not None:
            lookup = await self._features.fill(batch, deadline=deadline)
            batch, degraded = lookup.batch, lookup.degraded
            looked_up = time.perf_counter()
            self._stage("features", started, looked_up)
        inputs = self._model_inputs(batch)
        prepared = time.perf_counter()
        self._stage("preprocess" if self._pre or self._stacks else "validate", looked_up, prepared)
        outputs = await self._predict(inputs, deadline)
        if self._post:
            post_started = time.perf_counter()
            outputs = self._outputs(outputs)
            self._stage("postprocess", post_started, time.perf_counter())
        return InferenceResult(outputs, degraded, prepared - started, inputs=batch)

    def _stage(self, stage: str, started: float, ended: float) -> None:
        """One stage of one request: into its latency histogram, and onto the trace when traced."""
        if self._metrics is not None:
            self._metrics.stage(stage).observe(ended - started)
        self._traced(stage, started, ended)

    @staticmethod
    def _traced(stage: str, started: float, ended: float) -> None:
        """A span only (the batcher times queue and model per model call for the histograms)."""
        timeline = STAGE_TIMELINE.get()
        if timeline is not None:
            timeline.append((stage, started, ended))

    def _model_inputs(self, batch: Batch) -> Batch:
        if not self._pre and not self._stacks:
            return self._contract.prepare(batch)
        return self._inputs(self._contract.check(batch))

    async def _predict(self, inputs: Batch, deadline: float | None) -> Batch:
        cache = self._cache
        started = time.perf_counter()
        if cache is None:
            outputs = await self._submit(inputs, deadline)
            self._traced("batched model", started, time.perf_counter())
            return outputs
        n_rows = batch_rows(inputs)
        keys = row_keys(self._ref, inputs)
        if self._cache_blocks:
            hits, misses = await asyncio.to_thread(split_hits, cache, keys, n_rows)
        else:
            hits, misses = split_hits(cache, keys, n_rows)
        looked_up = time.perf_counter()
        self._stage("cache", started, looked_up)
        if self._metrics is not None:
            self._metrics.on_cache(len(hits), len(misses))
        if not misses:
            return merge_rows(n_rows, hits, {}, [])
        missed = {name: array[misses] for name, array in inputs.items()}
        computed = await self._submit(missed, deadline)
        self._traced("batched model", looked_up, time.perf_counter())
        rows = [{name: array[i : i + 1] for name, array in computed.items()} for i in range(len(misses))]
        missed_keys = [keys[i] for i in misses]
        if self._cache_blocks:
            await asyncio.to_thread(cache.put_many, missed_keys, rows)
        else:
            cache.put_many(missed_keys, rows)
        return merge_rows(n_rows, hits, computed, misses)
