"""The generic batcher: a bounded queue of rows with deadlines, coalesced into model calls.

It imports only :mod:`inferd.tensors` and :mod:`inferd.errors`; serving wraps each
loaded model's predict in a :class:`Batcher` and reports through a :class:`BatchObserver`.
"""

from __future__ import annotations

from inferd.batching.batcher import Batcher, Predict
from inferd.batching.observer import BatchObserver
from inferd.batching.policy import DispatchPolicy
from inferd.batching.settings import BatchingSettings

__all__ = ["BatchObserver", "Batcher", "BatchingSettings", "DispatchPolicy", "Predict"]
