"""A model version loaded and ready to predict: contract checks, stacking, runtime call.

``LoadedModel.predict`` is the minimal pipeline every path shares: check the
batch against the version's contract (every violation named by field and row),
stack named fields into the model's tensors, run the runtime, and return its
outputs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from inferd.contract import Contract
from inferd.registry import ModelVersion, Registry, TransferProgress
from inferd.runtimes import Runtime, RuntimeOptions, load_runtime
from inferd.serving.deployment import Deployment
from inferd.tensors import Batch


@dataclass(frozen=True)
class LoadedModel:
    """A registry version with its runtime, contract, deployment and local files."""

    version: ModelVersion
    runtime: Runtime
    contract: Contract
    deployment: Deployment = field(default_factory=Deployment)
    path: Path | None = None
    warmup_s: float = 0.0  # how long the warm-up batch took (0 when not warmed up)

    @property
    def artifact_dir(self) -> Path | None:
        """The folder of the version's files (where user steps live)."""
        if self.path is None:
            return None
        return self.path if self.path.is_dir() else self.path.parent

    def predict(self, batch: Batch) -> Batch:
        """Check ``batch`` against the contract and run the bare model on it (no deployment steps).

        The whole pipeline, as a server runs it, is :func:`inferd.serving.one_shot.predict_in_process`.
        """
        return self.runtime.predict(self.contract.prepare(batch))


def load_model(
    registry: Registry,
    ref: str,
    *,
    options: RuntimeOptions | None = None,
    progress: TransferProgress | None = None,
    warmup: bool = True,
) -> LoadedModel:
    """Resolve ``ref`` (``name``, ``name:3``, ``name@production``), verify and load it."""
    version = registry.resolve(ref)
    path = registry.fetch(version, progress=progress)
    entrypoint = version.metadata.get("entrypoint")
    if isinstance(entrypoint, str):
        options = replace(options or RuntimeOptions(), entrypoint=entrypoint)
    signature = version.contract.signature() if version.contract is not None else None
    runtime = load_runtime(path, version.framework, signature=signature, options=options)
    contract = version.contract or Contract.default_for(runtime.signature)
    warmup_s = 0.0
    if warmup:
        started = time.perf_counter()
        runtime.warmup()
        warmup_s = time.perf_counter() - started
    deployment = Deployment.from_dict(version.metadata.get("deployment"))
    return LoadedModel(
        version=version,
        runtime=runtime,
        contract=contract,
        deployment=deployment,
        path=path,
        warmup_s=warmup_s,
    )
