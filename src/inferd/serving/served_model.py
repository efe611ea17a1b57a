"""What the manager serves under a name: a single model version or a graph of them."""

from __future__ import annotations

from typing import Protocol

from inferd.serving.pipeline import InferenceResult
from inferd.serving.statistics import ModelStatistics
from inferd.telemetry.metrics.model_metrics import ModelMetrics
from inferd.tensors import Batch, Signature


class ServedModel(Protocol):
    """The face every served version shows the manager and the edge."""

    statistics: ModelStatistics
    metrics: ModelMetrics | None
    pii_fields: frozenset[str]  # fields the contract marks pii: masked before anything is logged

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def signature(self) -> Signature: ...

    @property
    def framework(self) -> str: ...

    @property
    def warmup_s(self) -> float:
        """How long warming the loaded model(s) took."""
        ...

    async def start(self) -> None: ...

    async def close(self, timeout_s: float = 10.0) -> None: ...

    async def infer(self, batch: Batch, *, deadline: float | None = None) -> InferenceResult: ...

    def sample_metrics(self) -> None:
        """Set the sampled gauges (queue depth) of this version and what it is made of."""
