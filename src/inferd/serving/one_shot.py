"""Running one batch through a version's whole pipeline in-process (``inferd predict``, the demo).

The same handle a server builds (feature lookup, steps, cache, batcher) is
started for one call and closed again, so a smoke test from the command line
exercises exactly the serving path.
"""

from __future__ import annotations

import asyncio

from inferd.batching import BatchingSettings
from inferd.config import FeatureStoreSettings
from inferd.serving.dependencies import Dependencies
from inferd.serving.loaded_model import LoadedModel
from inferd.serving.pipeline import InferenceResult
from inferd.tensors import Batch


def predict_in_process(
    model: LoadedModel, batch: Batch, *, features: FeatureStoreSettings | None = None
) -> InferenceResult:
    """``batch`` through ``model``'s pipeline, as a server would run it."""
    return asyncio.run(_predict(model, batch, features or FeatureStoreSettings()))


async def _predict(model: LoadedModel, batch: Batch, features: FeatureStoreSettings) -> InferenceResult:
    dependencies = Dependencies(features)
    handle = dependencies.handle_for(model, BatchingSettings(enabled=False))
    await handle.start()
    try:
        return await handle.infer(batch)
    finally:
        await handle.close()
        dependencies.close()
