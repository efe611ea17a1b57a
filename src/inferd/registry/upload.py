"""Upload: streams a local artifact's files into the artifact store, remembering what it wrote.

Each file is read twice, in chunks: once to hash it (a blob the store already
holds whole is skipped: identical content is stored once) and once to upload it,
hashing again so that a file changed in between is refused rather than stored
under the wrong digest. ``written`` lists the blobs this upload created, which
is what a failed registration must remove again (unless a committed version
uses them meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from inferd.errors import InvalidInputError
from inferd.registry.artifact_source import ArtifactSource
from inferd.registry.artifact_store import ArtifactStore
from inferd.registry.manifest import Manifest, hash_chunks, iter_chunks
from inferd.registry.model_version import ArtifactFile
from inferd.registry.progress import NoProgress, TransferProgress


class Upload:
    """One upload of ``source`` to ``store``; :meth:`run` returns the artifact's manifest."""

    def __init__(
        self, store: ArtifactStore, source: ArtifactSource, progress: TransferProgress | None
    ) -> None:
        self.store = store
        self.source = source
        self.progress: TransferProgress = progress or NoProgress()
        self.written: set[str] = set()
        self._paths: dict[str, Path] = {}

    def run(self, description: str) -> Manifest:
        """Upload every file that the store does not hold yet, reporting bytes to the progress."""
        total_bytes = sum(_size(path) for _, path in self.source.files)
        self.progress.start(description, total_bytes)
        try:
            files = tuple(self._upload(rel, path) for rel, path in self.source.files)
        finally:
            self.progress.finish()
        return Manifest(self.source.entry, files)

    def restore(self, digests: Iterable[str]) -> None:
        """Upload again blobs that went missing from the store since :meth:`run`."""
        for digest in digests:
            path = self._paths[digest]
            if not self.store.put(digest, _read(path)):
                raise InvalidInputError(f"{path} changed while it was being registered; register it again")
            self.written.add(digest)

    def _upload(self, rel: str, path: Path) -> ArtifactFile:
        digest, size_bytes = hash_chunks(_read(path))
        self._paths[digest] = path
        if self.store.has(digest, size_bytes):
            self.progress.advance(size_bytes)
            return ArtifactFile(rel, digest, size_bytes)
        self.written.add(digest)  # a partial write is cleaned up by the store itself; claim it early
        if not self.store.put(digest, _read(path), self.progress.advance):
            raise InvalidInputError(f"{path} changed while it was being registered; register it again")
        return ArtifactFile(rel, digest, size_bytes)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise InvalidInputError(f"{path} cannot be read: {exc.strerror or exc}") from exc


def _read(path: Path) -> Iterator[bytes]:
    """The file's chunks; a read failure is the caller's input problem, never the store's."""
    try:
        with path.open("rb") as stream:
            yield from iter_chunks(stream)
    except FileNotFoundError as exc:
        raise InvalidInputError(f"{path} disappeared while it was being registered") from exc
    except OSError as exc:
        raise InvalidInputError(f"{path} cannot be read: {exc.strerror or exc}") from exc
