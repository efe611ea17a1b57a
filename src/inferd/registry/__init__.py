"""The model registry: versions with content-addressed artifacts, aliases with history.

>>> with Registry.open() as reg:                       # doctest: +SKIP
...     mv = reg.register("churn", "model.onnx", framework="onnx")
...     reg.set_alias("churn", "production", mv.version, reason="beats v3 on AUC")
...     path = reg.fetch(reg.resolve("churn@production"))

Metadata lives in SQLAlchemy (SQLite by default, PostgreSQL by URL) with Alembic
migrations shipped in ``migrations/``; artifacts live in any fsspec store.
Importing this package does not import Alembic.
"""

from inferd.registry.alias_move import AliasMove
from inferd.registry.manifest import fingerprint_file
from inferd.registry.model_summary import ModelSummary
from inferd.registry.model_version import ArtifactFile, Lineage, ModelVersion
from inferd.registry.progress import NoProgress, TransferProgress
from inferd.registry.registry import Registry

__all__ = [
    "AliasMove",
    "ArtifactFile",
    "Lineage",
    "ModelSummary",
    "ModelVersion",
    "NoProgress",
    "Registry",
    "TransferProgress",
    "fingerprint_file",
]
