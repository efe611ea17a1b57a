"""One model version being served: contract checks on the caller's task, batched runtime calls.

Validation and stacking run on the event loop (they are vectorised and cheap);
the runtime call goes through the version's :class:`~inferd.batching.Batcher`,
which runs it off the loop. Clients may send either the contract's named fields
(``f0``..``f29``) or the model-level tensors standard OIP clients send (one
``input`` matrix); a matrix is split into its fields as column views so that the
contract is checked either way.
"""

from __future__ import annotations

import time

import numpy as np

from inferd.batching import Batcher, BatchingSettings
from inferd.errors import InvalidInputError
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
        self._stacks = {stack.into: stack for stack in model.contract.stacks}

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
        contract = self.model.contract
        return contract.to_model_inputs(contract.check(self._as_fields(batch)))

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

    def _as_fields(self, batch: Batch) -> Batch:
        if not self._stacks or not any(name in self._stacks for name in batch):
            return batch
        fields: Batch = {}
        for name, array in batch.items():
            stack = self._stacks.get(name)
            if stack is None:
                fields[name] = array
                continue
            width = len(stack.fields)
            if array.ndim != 2 or array.shape[1] != width:
                raise InvalidInputError(
                    f"input {name!r}: expected shape [rows, {width}] ({width} fields), "
                    f"got {list(array.shape)}"
                )
            fields.update({field: np.asarray(array[:, i]) for i, field in enumerate(stack.fields)})
        return fields
