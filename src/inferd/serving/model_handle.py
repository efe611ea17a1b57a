"""One model version being served: contract checks on the caller's task, batched runtime calls.

The pipeline's stages (:mod:`inferd.serving.pipeline`) run on the event loop
(they are vectorised and cheap; store and cache round trips go to threads);
the runtime call goes through the version's :class:`~inferd.batching.Batcher`,
which runs it off the loop, or on it when a compiled runtime's call is expected to take
less than ``inline_call_us`` (a thread's hand-off would cost more than such a call).
Clients may send either the contract's named fields (``f0``..``f29``) or the
model-level tensors standard OIP clients send (one ``input`` matrix); the contract
is checked either way
(see :meth:`~inferd.contract.Contract.prepare`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from typing import Any

from inferd.batching import Batcher, BatchingSettings
from inferd.batching.batcher import Predict
from inferd.runtimes.runtime import COMPUTING_FRAMEWORKS
from inferd.serving.cache import PredictionCache
from inferd.serving.feature_stage import FeatureStage
from inferd.serving.loaded_model import LoadedModel
from inferd.serving.pipeline import InferenceResult, Pipeline
from inferd.serving.statistics import ModelStatistics
from inferd.telemetry.metrics.model_metrics import ModelMetrics
from inferd.tensors import Batch, Signature


class ModelHandle:
    """A loaded version with its pipeline, batcher, statistics and metrics; owned by the model manager."""

    def __init__(
        self,
        model: LoadedModel,
        batching: BatchingSettings,
        *,
        features: FeatureStage | None = None,
        cache: PredictionCache | None = None,
        cache_blocks: bool = False,
        metrics: ModelMetrics | None = None,
    ) -> None:
        self.model = model
        self.statistics = ModelStatistics(model.version.name, model.version.version)
        self.metrics = metrics
        predict: Predict = model.runtime.predict
        if metrics is not None:
            predict = _observed(predict, metrics)
        self._batcher = Batcher(
            predict,
            batching,
            observer=self.statistics if metrics is None else _Observers(self.statistics, metrics),
            name=model.version.ref,
            inline=model.runtime.framework in COMPUTING_FRAMEWORKS,
        )
        self._pipeline = Pipeline(
            model,
            self._submit,
            features=features,
            cache=cache,
            cache_blocks=cache_blocks,
            metrics=metrics,
            statistics=self.statistics,
        )
        self.cache = cache
        contract = model.contract
        self.pii_fields = frozenset(f.name for f in (*contract.inputs, *contract.outputs) if f.pii)

    @property
    def name(self) -> str:
        return self.model.version.name

    @property
    def version(self) -> int:
        return self.model.version.version

    @property
    def signature(self) -> Signature:
        """What the model takes and gives (standard OIP clients send these tensors)."""
        return self.model.runtime.signature

    @property
    def framework(self) -> str:
        return self.model.version.framework

    @property
    def steps_summary(self) -> str:
        """How the deployment's steps run, for the load log ("" without steps)."""
        return self._pipeline.steps_summary

    @property
    def warmup_s(self) -> float:
        return self.model.warmup_s

    async def start(self) -> None:
        await self._batcher.start()

    async def close(self, timeout_s: float = 10.0) -> None:
        """Stop taking requests and finish the ones already accepted (bounded by ``timeout_s``)."""
        await self._batcher.close(timeout_s)
        if self.cache is not None:
            self.cache.close()
        if self.metrics is not None:
            self.metrics.on_retired()

    def sample_metrics(self) -> None:
        """Set what is sampled rather than recorded: the queue's depth, the model calls by thread."""
        if self.metrics is not None:
            batcher = self._batcher
            self.metrics.set_queue_depth(batcher.queue_rows)
            self.metrics.count_calls(batcher.calls_on_loop, batcher.calls_in_pool)

    def infer(self, batch: Batch, *, deadline: float | None = None) -> Coroutine[Any, Any, InferenceResult]:
        """Run the pipeline; the model call is batched with other requests'. Returns this request's rows.

        The pipeline's own coroutine (which also keeps the statistics), not one wrapped
        around it: one coroutine level fewer on the serving path.
        """
        return self._pipeline.run(batch, deadline)

    def _submit(self, inputs: Batch, deadline: float | None) -> Awaitable[Batch]:
        return self._batcher.submit(inputs, deadline=deadline)


class _Observers:
    """The batcher's observer seam, fanned out to the OIP statistics and the Prometheus metrics."""

    def __init__(self, statistics: ModelStatistics, metrics: ModelMetrics) -> None:
        self._statistics = statistics
        self._metrics = metrics

    def on_batch(self, rows: int, requests: int, queue_wait_s: float, compute_s: float) -> None:
        self._statistics.on_batch(rows, requests, queue_wait_s, compute_s)
        self._metrics.on_batch(rows, requests, queue_wait_s, compute_s)

    def on_rejected(self, reason: str) -> None:
        self._statistics.on_rejected(reason)
        self._metrics.on_rejected(reason)


def _observed(predict: Predict, metrics: ModelMetrics) -> Predict:
    """``predict``, also recording what it predicts (per model call, on the batcher's worker thread)."""

    def predict_and_observe(batch: Batch) -> Batch:
        outputs = predict(batch)
        metrics.observe_outputs(outputs)
        return outputs

    return predict_and_observe
