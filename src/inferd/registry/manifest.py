"""Manifest: the canonical list of an artifact's files, and the sha256 helpers behind it.

The artifact digest is the sha256 of the manifest's canonical JSON (entry plus
every file's path, sha256 and size, sorted by path), so identical content gives
an identical digest whatever the order of the files on disk. Files are always
hashed in chunks of :data:`CHUNK_BYTES`, never read whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import BinaryIO

from inferd.registry.model_version import ArtifactFile

CHUNK_BYTES = 1 << 20


def iter_chunks(stream: BinaryIO) -> Iterable[bytes]:
    """Yield ``stream``'s bytes in chunks of at most :data:`CHUNK_BYTES`."""
    while chunk := stream.read(CHUNK_BYTES):
        yield chunk


def hash_chunks(
    chunks: Iterable[bytes], sink: BinaryIO | None = None, on_chunk: Callable[[int], None] | None = None
) -> tuple[str, int]:
    """Consume ``chunks`` (writing them to ``sink`` if given); return their sha256 hex digest and size."""
    digest = hashlib.sha256()
    size_bytes = 0
    for chunk in chunks:
        digest.update(chunk)
        size_bytes += len(chunk)
        if sink is not None:
            sink.write(chunk)
        if on_chunk is not None:
            on_chunk(len(chunk))
    return digest.hexdigest(), size_bytes


def fingerprint_file(path: str | os.PathLike[str]) -> str:
    """The sha256 hex digest of a file (e.g. training data, for a version's lineage), streamed."""
    with open(path, "rb") as stream:
        return hash_chunks(iter_chunks(stream))[0]


@dataclass(frozen=True)
class Manifest:
    """An artifact's files and its entry (the file's path, or ``"."`` for a folder)."""

    entry: str
    files: tuple[ArtifactFile, ...]

    @property
    def digest(self) -> str:
        """sha256 of the canonical JSON of this manifest: the artifact's content address."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def canonical_json(self) -> str:
        files = [
            {"path": f.path, "sha256": f.sha256, "size_bytes": f.size_bytes}
            for f in sorted(self.files, key=lambda f: f.path)
        ]
        return json.dumps({"entry": self.entry, "files": files}, sort_keys=True, separators=(",", ":"))
