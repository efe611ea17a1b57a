"""A served model graph: one version whose "model" is a graph of other registered models.

Each node is an ordinary :class:`~inferd.serving.model_handle.ModelHandle` with
its own pipeline and batcher, so every node is batched on its own; the graph
engine (:mod:`inferd.serving.graph`) wires them. The request's deadline bounds
the whole graph.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from inferd.errors import DeadlineExceededError
from inferd.registry import ModelVersion
from inferd.serving.graph import GRAPH_FRAMEWORK, Graph, GraphSpec, NodeCall
from inferd.serving.model_handle import ModelHandle
from inferd.serving.pipeline import InferenceResult
from inferd.serving.statistics import ModelStatistics
from inferd.telemetry.metrics.model_metrics import ModelMetrics
from inferd.tensors import Batch, Signature, batch_rows


class GraphHandle:
    """Serves a checked graph over its node handles; owns them."""

    framework = GRAPH_FRAMEWORK

    def __init__(
        self,
        version: ModelVersion,
        spec: GraphSpec,
        nodes: Mapping[str, ModelHandle],
        metrics: ModelMetrics | None = None,
    ) -> None:
        self._version = version
        self.metrics = metrics
        self.pii_fields = frozenset().union(*(handle.pii_fields for handle in nodes.values()))
        self._nodes = dict(nodes)
        self.signature: Signature = spec.signature()
        self.statistics = ModelStatistics(version.name, version.version)
        self._graph = Graph(spec, {name: _node_call(handle) for name, handle in self._nodes.items()})

    @property
    def name(self) -> str:
        return self._version.name

    @property
    def version(self) -> int:
        return self._version.version

    @property
    def warmup_s(self) -> float:
        return sum(handle.warmup_s for handle in self._nodes.values())

    async def start(self) -> None:
        for handle in self._nodes.values():
            await handle.start()

    async def close(self, timeout_s: float = 10.0) -> None:
        await asyncio.gather(*(handle.close(timeout_s) for handle in self._nodes.values()))
        if self.metrics is not None:
            self.metrics.on_retired()

    def sample_metrics(self) -> None:
        for handle in self._nodes.values():
            handle.sample_metrics()

    async def infer(self, batch: Batch, *, deadline: float | None = None) -> InferenceResult:
        started = time.perf_counter()
        rows = batch_rows(batch)
        self.statistics.in_flight += 1
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            outputs = await asyncio.wait_for(self._graph(batch), timeout)
        except TimeoutError as exc:
            self.statistics.in_flight -= 1
            self.statistics.on_request_done(rows, time.perf_counter() - started, 0.0, ok=False)
            raise DeadlineExceededError(f"graph {self._version.ref}: the request's deadline passed") from exc
        except Exception:
            self.statistics.in_flight -= 1
            self.statistics.on_request_done(rows, time.perf_counter() - started, 0.0, ok=False)
            raise
        self.statistics.in_flight -= 1
        self.statistics.on_request_done(rows, time.perf_counter() - started, 0.0, ok=True)
        return InferenceResult(outputs, inputs=batch)


def _node_call(handle: ModelHandle) -> NodeCall:
    async def call(batch: Batch) -> Batch:
        return (await handle.infer(batch)).outputs

    return call
