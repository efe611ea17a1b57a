"""ArtifactStore: content-addressed blobs in any fsspec file system (a local folder by default, S3, ...).

Every file of every artifact is stored once, under its sha256:
``<root>/blobs/sha256/<first two hex digits>/<digest>``. A blob is written under
a temporary name beside its final one and then moved into place (an atomic
rename on a local disk, a server-side copy on an object store, whose objects
only ever appear whole), so a reader never sees half a blob. Bytes are streamed
in chunks: nothing is read into memory whole.

fsspec backends are imported on first use; ``s3://`` needs the ``s3`` extra.
Errors that mean the store cannot be reached become StoreUnavailableError
naming the store; a missing blob stays a FileNotFoundError for the caller, who
knows which model file it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

from inferd._optional import require
from inferd.errors import StoreUnavailableError
from inferd.registry.manifest import CHUNK_BYTES, hash_chunks

_IO_BLOCK_BYTES = 8 << 20
_EXTRAS = {"s3": ("s3fs", "s3"), "s3a": ("s3fs", "s3")}


class ArtifactStore:
    """The blob store under ``root`` (a folder or an fsspec URL) with fsspec ``options``."""

    def __init__(self, root: str, options: Mapping[str, Any] | None = None) -> None:
        self.root = root.rstrip("/")
        self._options = dict(options or {})
        self._fs: Any = None
        self._base = ""
        self._unreachable: tuple[type[BaseException], ...] = (OSError,)

    def blob_path(self, digest: str) -> str:
        """Where the blob with this sha256 lives in the store."""
        return f"{self._base}/blobs/sha256/{digest[:2]}/{digest}"

    def has(self, digest: str, size_bytes: int) -> bool:
        """Whether the store holds this blob whole (a blob of the wrong size does not count)."""
        fs = self._filesystem()
        with self._reaching("checking a blob"):
            try:
                return int(fs.info(self.blob_path(digest))["size"]) == size_bytes
            except FileNotFoundError:
                return False

    def put(
        self, digest: str, chunks: Iterable[bytes], on_chunk: Callable[[int], None] | None = None
    ) -> bool:
        """Stream ``chunks`` into the blob ``digest``; False (and nothing stored) if their sha256 differs."""
        fs = self._filesystem()
        final = self.blob_path(digest)
        temp = f"{final}.{uuid.uuid4().hex}.part"
        with self._reaching("writing a blob"):
            if self._is_local():
                fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
            try:
                with fs.open(temp, "wb", block_size=_IO_BLOCK_BYTES) as sink:
                    written, _ = hash_chunks(chunks, sink, on_chunk)
                if written == digest:
                    fs.mv(temp, final)
            finally:
                self._remove(temp)
        return written == digest

    def read(self, digest: str) -> Iterator[bytes]:
        """Stream the blob in chunks; FileNotFoundError if the store does not hold it."""
        fs = self._filesystem()
        with self._reaching("opening a blob"):
            stream = fs.open(self.blob_path(digest), "rb", block_size=_IO_BLOCK_BYTES)
        with stream:
            while True:
                with self._reaching("reading a blob"):
                    chunk = stream.read(CHUNK_BYTES)
                if not chunk:
                    return
                yield chunk

    def delete(self, digest: str) -> None:
        """Remove the blob if present."""
        with self._reaching("deleting a blob"):
            self._remove(self.blob_path(digest))

    def _remove(self, path: str) -> None:
        with suppress(FileNotFoundError):
            self._filesystem().rm_file(path)

    def _is_local(self) -> bool:
        protocol = self._filesystem().protocol
        return "file" in (protocol if isinstance(protocol, tuple) else (protocol,))

    def _filesystem(self) -> Any:
        if self._fs is None:
            import fsspec.core
            import fsspec.utils

            protocol = fsspec.utils.get_protocol(self.root)
            if protocol in _EXTRAS:
                require(*_EXTRAS[protocol])
                self._unreachable = (OSError, require("botocore.exceptions", "s3").BotoCoreError)
            with self._reaching("connecting"):
                self._fs, base = fsspec.core.url_to_fs(self.root, **self._options)
            self._base = str(base).rstrip("/")
        return self._fs

    @contextmanager
    def _reaching(self, action: str) -> Iterator[None]:
        try:
            yield
        except FileNotFoundError:
            raise
        except self._unreachable as exc:
            raise StoreUnavailableError(
                f"the artifact store {self.root} failed while {action}: {exc}; "
                "check that it is reachable and that INFERD_ARTIFACT_OPTIONS are right"
            ) from exc
