"""The embedded prediction cache: an in-process LRU bounded in bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from inferd.errors import InferdError
from inferd.serving.cache.prediction_cache import CacheStats
from inferd.tensors import Batch

# What a stored row costs besides its arrays' data: the key's bytes object, the
# row's dict, one ndarray header per array. Counted so that a cache of many tiny
# rows is bounded by its real footprint, not by its data alone.
ENTRY_OVERHEAD_BYTES = 200
ARRAY_OVERHEAD_BYTES = 120


def entry_size_bytes(key: bytes, row: Batch) -> int:
    """What :class:`MemoryCache` counts for ``row`` under ``key``.

    The arrays' data, plus the elements of object arrays, plus fixed estimates of
    the Python objects around them (``ENTRY_OVERHEAD_BYTES``, ``ARRAY_OVERHEAD_BYTES``).
    """
    size = ENTRY_OVERHEAD_BYTES + len(key)
    for array in row.values():
        size += ARRAY_OVERHEAD_BYTES + array.nbytes
        if array.dtype.kind == "O":
            size += sum(_object_size(value) for value in array.reshape(-1))
    return size


class MemoryCache:
    """Least recently used rows, at most ``max_bytes`` in all (see :func:`entry_size_bytes`).

    Thread-safe (one lock; every operation is short). Stored arrays are private,
    read-only copies, so neither the caller's later writes nor a reader can change
    an entry. A row larger than ``max_bytes`` is not stored (counted as an eviction).
    """

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        if max_bytes <= 0:
            raise InferdError(f"MemoryCache: max_bytes must be positive, got {max_bytes}")
        self.max_bytes = max_bytes
        self._rows: OrderedDict[bytes, tuple[Batch, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._size_bytes = 0
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._closed = False

    def get_many(self, keys: Sequence[bytes]) -> list[Batch | None]:
        found: list[Batch | None] = []
        with self._lock:
            rows = self._rows
            for key in keys:
                entry = rows.get(key)
                if entry is None:
                    found.append(None)
                else:
                    rows.move_to_end(key)
                    found.append(dict(entry[0]))
            hits = len(keys) - found.count(None)
            self._hits += hits
            self._misses += len(keys) - hits
        return found

    def put_many(self, keys: Sequence[bytes], rows: Sequence[Batch]) -> None:
        if len(keys) != len(rows):
            raise InferdError(f"put_many: {len(keys)} keys for {len(rows)} rows")
        entries = [(key, _frozen(row)) for key, row in zip(keys, rows, strict=True)]
        sized = [(key, row, entry_size_bytes(key, row)) for key, row in entries]
        with self._lock:
            if self._closed:
                return
            for key, row, size in sized:
                self._store(key, row, size)

    @property
    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                hits=self._hits,
                misses=self._misses,
                evictions=self._evictions,
                size_bytes=self._size_bytes,
                entries=len(self._rows),
            )

    def clear(self) -> None:
        """Drop every entry (the counters stay)."""
        with self._lock:
            self._rows.clear()
            self._size_bytes = 0

    def close(self) -> None:
        """Drop every entry and store no more (lookups answer misses)."""
        with self._lock:
            self._closed = True
        self.clear()

    def _store(self, key: bytes, row: Batch, size: int) -> None:
        old = self._rows.pop(key, None)
        if old is not None:
            self._size_bytes -= old[1]
        if size > self.max_bytes:
            self._evictions += 1
            return
        while self._size_bytes + size > self.max_bytes:
            _, (_, dropped) = self._rows.popitem(last=False)
            self._size_bytes -= dropped
            self._evictions += 1
        self._rows[key] = (row, size)
        self._size_bytes += size


def _frozen(row: Batch) -> Batch:
    copies = {}
    for name, array in row.items():
        copy = array.copy()
        copy.flags.writeable = False
        copies[name] = copy
    return copies


def _object_size(value: object) -> int:
    if isinstance(value, str | bytes):
        return 49 + len(value)  # CPython's header for a compact str / bytes
    return 32
