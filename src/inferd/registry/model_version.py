"""ModelVersion: one immutable, registered version of a model, with its files and lineage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Imported for the annotation only: the contract pulls in numpy, and listing models must stay fast.
    from inferd.contract import Contract


@dataclass(frozen=True)
class ArtifactFile:
    """One file of an artifact: its path relative to the artifact (POSIX separators), digest and size."""

    path: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class Lineage:
    """Where a version came from: a fingerprint of its training data, a code revision, a parent version.

    ``data_fingerprint`` is typically :func:`inferd.registry.fingerprint_file` of the
    training data; ``parent_version`` is an earlier version of the same model.
    """

    data_fingerprint: str | None = None
    code_revision: str | None = None
    parent_version: int | None = None


@dataclass(frozen=True)
class ModelVersion:
    """A registered model version. Immutable once written.

    ``digest`` is the sha256 of the canonical manifest (every file's path, digest
    and size, plus the entry), so two versions with the same bytes share it.
    ``entry`` is the file's relative path for a single-file artifact and ``"."``
    for a folder.
    """

    name: str
    version: int
    framework: str
    digest: str
    files: tuple[ArtifactFile, ...]
    entry: str
    contract: Contract | None
    metadata: dict[str, Any]
    lineage: Lineage
    created_at: datetime
    created_by: str

    @property
    def ref(self) -> str:
        """``name:version``, the reference that always means this exact version."""
        return f"{self.name}:{self.version}"

    @property
    def size_bytes(self) -> int:
        """The total size of the artifact's files."""
        return sum(f.size_bytes for f in self.files)
