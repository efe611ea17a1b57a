"""One model version being served: contract checks on the caller's task, batched runtime calls.

Validation and stacking run on the event loop (they are vectorised and cheap);
the runtime call goes through the version's :class:`~inferd.batching.Batcher`,
which runs it off the loop. Clients may send either the contract's named fields
(``f0``..``f29``) or the model-level tensors standard OIP clients send (one
``input`` matrix); the contract is checked either way
(see :meth:`~inferd.contract.Contract.prepare`).
"""

from __future__ import annotations

import time

from inferd.batching import Batcher, BatchingSettings
from inferd.serving.loaded_model import LoadedModel
from inferd.serving.statistics import ModelStatistics
from inferd.tensors import Batch, batch_rows


class ModelHandle:
    """A loaded version with its batcher and statistics; owned by the model manager."""

    def __init__(self, model: LoadedModel, batching: BatchingSettings) -> None:
        self.model = model
        self.statistics = ModelStatistics(model.version.name, model.version.version)
        self._batcher = Batcher(
            model.runtime.predict, batching, observer=self.statistics, name=model.version.ref
        )

    @property
    def name(self) -> str:
        return self.model.version.name

    @property
    def version(self) -> int:
        return self.model.version.version

    async def start(self) -> None:
        await self._batcher.start()

    async def close(self, timeout_s: float = 10.0) -> None:
        """Stop taking requests and finish the ones already accepted (bounded by ``timeout_s``)."""
        await self._batcher.close(timeout_s)

    def prepare(self, batch: Batch) -> Batch:
        """Check ``batch`` against the contract and build the model's input tensors."""
        return self.model.contract.prepare(batch)

    async def infer(self, batch: Batch, *, deadline: float | None = None) -> Batch:
        """Validate, queue for a batched runtime call, and return this request's own output rows."""
        start = time.perf_counter()
        rows = 0
        try:
            rows = batch_rows(batch)
            inputs = self.prepare(batch)
            input_s = time.perf_counter() - start
            outputs = await self._batcher.submit(inputs, deadline=deadline)
        except Exception:
            self.statistics.on_request_done(rows, time.perf_counter() - start, 0.0, ok=False)
            raise
        self.statistics.on_request_done(rows, time.perf_counter() - start, input_s, ok=True)
        return outputs
