"""The model registry: versions with content-addressed artifacts, aliases with history.

>>> with Registry.open() as reg:                       # doctest: +SKIP
...     mv = reg.register("churn", "model.onnx", framework="onnx")
...     reg.set_alias("churn", "production", mv.version, reason="beats v3 on AUC")
...     path = reg.fetch(reg.resolve("churn@production"))

Metadata lives in SQLAlchemy (SQLite by default, PostgreSQL by URL) with Alembic
migrations shipped in ``migrations/``; artifacts live in any fsspec store.
Importing this package does not import Alembic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inferd.registry.alias_move import AliasMove as AliasMove
    from inferd.registry.manifest import fingerprint_file as fingerprint_file
    from inferd.registry.model_summary import ModelSummary as ModelSummary
    from inferd.registry.model_version import ArtifactFile as ArtifactFile
    from inferd.registry.model_version import Lineage as Lineage
    from inferd.registry.model_version import ModelVersion as ModelVersion
    from inferd.registry.progress import NoProgress as NoProgress
    from inferd.registry.progress import TransferProgress as TransferProgress
    from inferd.registry.registry import Registry as Registry

# Imported on first use, so that `inferd models list` can read the embedded registry
# (inferd.registry.quick_listing) without importing SQLAlchemy.
_EXPORTS = {
    "AliasMove": "inferd.registry.alias_move",
    "ArtifactFile": "inferd.registry.model_version",
    "Lineage": "inferd.registry.model_version",
    "ModelSummary": "inferd.registry.model_summary",
    "ModelVersion": "inferd.registry.model_version",
    "NoProgress": "inferd.registry.progress",
    "Registry": "inferd.registry.registry",
    "TransferProgress": "inferd.registry.progress",
    "fingerprint_file": "inferd.registry.manifest",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'inferd.registry' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
