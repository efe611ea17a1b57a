"""The generic batcher: a bounded queue of rows with deadlines, coalesced into model calls.

It imports only :mod:`inferd.tensors` and :mod:`inferd.errors`; serving wraps each
loaded model's predict in a :class:`Batcher` and reports through a :class:`BatchObserver`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inferd._optional import lazy_exports

# Imported on first use: a server's supervisor reads the settings, and needs no numpy for it.
_EXPORTS: dict[str, str] = {
    "Batcher": "inferd.batching.batcher",
    "Predict": "inferd.batching.batcher",
    "BatchObserver": "inferd.batching.observer",
    "DispatchPolicy": "inferd.batching.policy",
    "BatchingSettings": "inferd.batching.settings",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from inferd.batching.batcher import Batcher as Batcher
    from inferd.batching.batcher import Predict as Predict
    from inferd.batching.observer import BatchObserver as BatchObserver
    from inferd.batching.policy import DispatchPolicy as DispatchPolicy
    from inferd.batching.settings import BatchingSettings as BatchingSettings

__getattr__ = lazy_exports("inferd.batching", _EXPORTS)
