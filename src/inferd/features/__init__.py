"""Online feature stores: features looked up by entity key, each row stamped with its event time.

One interface (:class:`FeatureStore`), three backends chosen by URL with
:func:`open_feature_store`: SQLite (embedded default), Redis (production) and
Feast's online store. :func:`materialize` loads a table into a store in chunks,
idempotently.
"""

from __future__ import annotations

from inferd.features.backends import open_feature_store
from inferd.features.materialization import MaterializeProgress, materialize
from inferd.features.store import FeatureRows, FeatureStore, FeatureStoreUnavailableError

__all__ = [
    "FeatureRows",
    "FeatureStore",
    "FeatureStoreUnavailableError",
    "MaterializeProgress",
    "materialize",
    "open_feature_store",
]
