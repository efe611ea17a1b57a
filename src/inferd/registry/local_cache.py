"""LocalCache: verified copies of artifacts on the local disk, one folder per artifact digest.

``materialise`` copies a version's blobs into ``<cache>/<digest>/`` through a
temporary folder that is renamed into place only when every file's sha256 and
size match the registry, so a half-copied or corrupt artifact is never loaded.
A folder already in the cache is re-hashed before use (streamed; about a second
per GB), so local tampering is refused too. Every refusal is an IntegrityError
naming the file and the model version.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path, PurePosixPath

from inferd.errors import IntegrityError
from inferd.registry.artifact_store import ArtifactStore
from inferd.registry.manifest import hash_chunks, iter_chunks
from inferd.registry.model_version import ArtifactFile, ModelVersion
from inferd.registry.progress import TransferProgress


class LocalCache:
    """The cache folder ``root``; nothing is created until a version is materialised."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def materialise(self, mv: ModelVersion, store: ArtifactStore, progress: TransferProgress) -> Path:
        """The local path of ``mv``'s entry, verified; downloads it first when not cached."""
        final = self.root / mv.digest
        if final.is_dir():
            self._verify(mv, final)
        else:
            self._download(mv, store, progress, final)  # verifies every file while copying
        return final if mv.entry == "." else final / mv.entry

    def _download(
        self, mv: ModelVersion, store: ArtifactStore, progress: TransferProgress, final: Path
    ) -> None:
        temp = self.root / f".{mv.digest}.{uuid.uuid4().hex}.tmp"
        temp.mkdir(parents=True)
        progress.start(f"fetching {mv.ref}", mv.size_bytes)
        try:
            for f in mv.files:
                _copy_blob(mv, f, store, _inside(temp, f, mv), progress)
            try:
                temp.rename(final)
            except OSError:
                if not final.is_dir():  # not a concurrent fetch that won the race
                    raise
        finally:
            progress.finish()
            shutil.rmtree(temp, ignore_errors=True)

    def _verify(self, mv: ModelVersion, final: Path) -> None:
        for f in mv.files:
            path = _inside(final, f, mv)
            try:
                with path.open("rb") as stream:
                    digest, size_bytes = hash_chunks(iter_chunks(stream))
            except FileNotFoundError:
                raise IntegrityError(
                    f"{mv.ref}: file {f.path!r} is missing from the local cache {final}; "
                    f"delete that folder to fetch {mv.ref} again"
                ) from None
            if (digest, size_bytes) != (f.sha256, f.size_bytes):
                raise IntegrityError(
                    f"{mv.ref}: file {f.path!r} in the local cache {final} does not match the registry "
                    f"({_mismatch(f, digest, size_bytes)}); it was modified; delete that folder to fetch "
                    f"{mv.ref} again"
                )


def _copy_blob(
    mv: ModelVersion, f: ArtifactFile, store: ArtifactStore, dest: Path, progress: TransferProgress
) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with dest.open("xb") as sink:
            digest, size_bytes = hash_chunks(store.read(f.sha256), sink, progress.advance)
    except FileNotFoundError:
        raise IntegrityError(
            f"{mv.ref}: file {f.path!r} is missing from the artifact store {store.root} "
            f"(blob sha256 {f.sha256})"
        ) from None
    if (digest, size_bytes) != (f.sha256, f.size_bytes):
        raise IntegrityError(
            f"{mv.ref}: file {f.path!r} in the artifact store {store.root} does not match the registry "
            f"({_mismatch(f, digest, size_bytes)}); it was tampered with or truncated, refusing it"
        )


def _mismatch(f: ArtifactFile, digest: str, size_bytes: int) -> str:
    if size_bytes != f.size_bytes:
        return f"{size_bytes} bytes instead of {f.size_bytes}"
    return f"sha256 {digest[:12]}... instead of {f.sha256[:12]}..."


def _inside(folder: Path, f: ArtifactFile, mv: ModelVersion) -> Path:
    """``folder / f.path``, refusing a recorded path that would escape the folder."""
    relative = PurePosixPath(f.path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise IntegrityError(f"{mv.ref}: the registry records an unsafe file path {f.path!r}")
    return folder.joinpath(*relative.parts)
