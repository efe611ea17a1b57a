"""What a prediction cache is: per-row model outputs stored under :func:`row_keys`.

A key names one row of one model version's inputs; the value is that row's
outputs, a Batch of one-row arrays. Caches are bounded (bytes in memory, a TTL
in Redis) and never fail a request: a cache that cannot answer answers "miss".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from inferd.tensors import Batch


@dataclass(frozen=True)
class CacheStats:
    """Counters since the cache was made.

    ``hits`` and ``misses`` count rows; ``evictions`` rows dropped to stay within
    the bound; ``errors`` round trips that failed (the rows counted as misses or
    not stored). ``size_bytes`` and ``entries`` are what the cache holds now, or
    ``None`` where the cache cannot tell cheaply (Redis: see its ``INFO``).
    """

    hits: int = 0
    misses: int = 0
    evictions: int = 0
    errors: int = 0
    size_bytes: int | None = 0
    entries: int | None = 0

    @property
    def hit_ratio(self) -> float:
        """Hits over lookups, 0.0 before the first lookup."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0


@runtime_checkable
class PredictionCache(Protocol):
    """Per-row model outputs by key; thread-safe; never raises for its own failures."""

    def get_many(self, keys: Sequence[bytes]) -> list[Batch | None]:
        """For each key, that row's outputs (a Batch of one-row arrays, read-only) or ``None``."""
        ...

    def put_many(self, keys: Sequence[bytes], rows: Sequence[Batch]) -> None:
        """Store each row's outputs under its key (the cache copies what it keeps)."""
        ...

    @property
    def stats(self) -> CacheStats:
        """A snapshot of the counters."""
        ...

    def close(self) -> None:
        """Release what the cache holds (memory, connections); it answers misses afterwards."""
        ...
