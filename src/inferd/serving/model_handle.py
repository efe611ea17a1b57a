"""One model version being served: contract checks on the caller's task, batched runtime calls.

The pipeline's stages (:mod:`inferd.serving.pipeline`) run on the event loop
(they are vectorised and cheap; store and cache round trips go to threads);
the runtime call goes through the version's :class:`~inferd.batching.Batcher`,
which runs it off the loop. Clients may send either the contract's named fields
(``f0``..``f29``) or the model-level tensors standard OIP clients send (one
``input`` matrix); the contract is checked either way
(see :meth:`~inferd.contract.Contract.prepare`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

from inferd.batching import Batcher, BatchingSettings
from inferd.serving.cache import PredictionCache
from inferd.serving.feature_stage import FeatureStage
from inferd.serving.loaded_model import LoadedModel
from inferd.serving.pipeline import InferenceResult, Pipeline
from inferd.serving.statistics import ModelStatistics
from inferd.tensors import Batch, Signature, batch_rows


class ModelHandle:
    """A loaded version with its pipeline, batcher and statistics; owned by the model manager."""

    def __init__(
        self,
        model: LoadedModel,
        batching: BatchingSettings,
        *,
        features: FeatureStage | None = None,
        cache: PredictionCache | None = None,
        cache_blocks: bool = False,
    ) -> None:
        self.model = model
        self.statistics = ModelStatistics(model.version.name, model.version.version)
        self._batcher = Batcher(
            model.runtime.predict, batching, observer=self.statistics, name=model.version.ref
        )
        self._pipeline = Pipeline(
            model, self._submit, features=features, cache=cache, cache_blocks=cache_blocks
        )
        self.cache = cache

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

    async def start(self) -> None:
        await self._batcher.start()

    async def close(self, timeout_s: float = 10.0) -> None:
        """Stop taking requests and finish the ones already accepted (bounded by ``timeout_s``)."""
        await self._batcher.close(timeout_s)
        if self.cache is not None:
            self.cache.close()

    async def infer(self, batch: Batch, *, deadline: float | None = None) -> InferenceResult:
        """Run the pipeline; the model call is batched with other requests'. Returns this request's rows."""
        start = time.perf_counter()
        rows = 0
        try:
            rows = batch_rows(batch)
            result = await self._pipeline.run(batch, deadline)
        except Exception:
            self.statistics.on_request_done(rows, time.perf_counter() - start, 0.0, ok=False)
            raise
        self.statistics.on_request_done(rows, time.perf_counter() - start, result.input_s, ok=True)
        return result

    def _submit(self, inputs: Batch, deadline: float | None) -> Awaitable[Batch]:
        return self._batcher.submit(inputs, deadline=deadline)
