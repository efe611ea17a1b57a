"""What a server serves and how: targets, batching, deadlines, swaps."""

from __future__ import annotations

from dataclasses import dataclass, field

from inferd.batching import BatchingSettings
from inferd.config import FeatureStoreSettings
from inferd.runtimes import RuntimeOptions


@dataclass(frozen=True)
class ServingSettings:
    """The serving section.

    ``models`` are refs ``NAME`` or ``NAME:VERSION``; a bare name follows ``alias``
    when the model has it, else its latest version. With no ``models``, every model
    that has ``alias`` is served. ``batching`` is the default for every model,
    ``model_batching`` overrides it per model name.
    """

    alias: str | None = "production"
    models: tuple[str, ...] = ()
    batching: BatchingSettings = field(default_factory=BatchingSettings)
    model_batching: dict[str, BatchingSettings] = field(default_factory=dict)
    runtime: RuntimeOptions = field(default_factory=RuntimeOptions)
    features: FeatureStoreSettings = field(default_factory=FeatureStoreSettings)
    default_timeout_s: float = 10.0
    max_timeout_s: float = 60.0
    watch_interval_s: float = 5.0
    drain_timeout_s: float = 30.0

    def batching_for(self, name: str) -> BatchingSettings:
        return self.model_batching.get(name, self.batching)
