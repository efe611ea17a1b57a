"""The shared prediction cache: Redis, each row under its own key with a TTL.

One round trip per call: ``get_many`` is one MGET, ``put_many`` one pipeline of
``SET key value PX ttl`` (no transaction). Values are :mod:`row_codec` bytes,
never pickles. Every socket call is bounded by ``timeout_s`` and not retried
(a cache is an optimisation: a slow one must not slow the request). When Redis
fails the cache answers misses and drops writes, counts an error, and leaves
Redis alone for ``cooldown_s`` so that a dead server costs each request nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from inferd._optional import require
from inferd.errors import InferdError
from inferd.serving.cache.prediction_cache import CacheStats
from inferd.serving.cache.row_codec import decode_row, encode_row
from inferd.serving.deployment import MIN_TTL_S
from inferd.tensors import Batch

log = logging.getLogger("inferd.serving.cache")

DEFAULT_PREFIX = "inferd:prediction:"


class RedisCache:
    """Rows in Redis at ``url`` (``redis://host:port/db``), each expiring ``ttl_s`` after it was written.

    The client connects on first use, not here. Thread-safe (redis-py's pool).
    """

    def __init__(
        self,
        url: str,
        *,
        ttl_s: float = 300.0,
        prefix: str = DEFAULT_PREFIX,
        timeout_s: float = 0.1,
        cooldown_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not ttl_s >= MIN_TTL_S:  # NaN too: it would fail every write
            raise InferdError(f"RedisCache: ttl_s must be at least {MIN_TTL_S} s, got {ttl_s}")
        if timeout_s <= 0 or cooldown_s < 0:
            raise InferdError("RedisCache: timeout_s must be positive and cooldown_s not negative")
        self.ttl_s = ttl_s
        self.prefix = prefix.encode()
        self.cooldown_s = cooldown_s
        self._url = url.split("@")[-1]  # never log a password
        self._clock = clock
        self._client = _client(url, timeout_s)
        self._errors_module = require("redis.exceptions", "redis")
        self._lock = threading.Lock()
        self._hits = self._misses = self._errors = 0
        self._resume_at = 0.0
        self._closed = False

    def get_many(self, keys: Sequence[bytes]) -> list[Batch | None]:
        if not keys:
            return []
        replies = self._call(lambda: self._client.mget([self.prefix + key for key in keys]))
        rows: list[Batch | None] = [None] * len(keys)
        if replies is not None:
            rows = [self._decoded(raw) for raw in replies]
        hits = len(rows) - rows.count(None)
        with self._lock:
            self._hits += hits
            self._misses += len(rows) - hits
        return rows

    def put_many(self, keys: Sequence[bytes], rows: Sequence[Batch]) -> None:
        if len(keys) != len(rows):
            raise InferdError(f"put_many: {len(keys)} keys for {len(rows)} rows")
        if not keys:
            return
        ttl_ms = max(1, round(self.ttl_s * 1000))
        pipe = self._client.pipeline(transaction=False)
        for key, row in zip(keys, rows, strict=True):
            try:
                pipe.set(self.prefix + key, encode_row(row), px=ttl_ms)
            except InferdError as exc:  # an output with no portable form: not cached
                self._count_error(exc)
        self._call(pipe.execute)

    @property
    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                hits=self._hits, misses=self._misses, errors=self._errors, size_bytes=None, entries=None
            )

    @property
    def is_available(self) -> bool:
        """False while the cache rests after a failure (or once closed)."""
        return not self._closed and self._clock() >= self._resume_at

    def close(self) -> None:
        """Close the connections; lookups answer misses and writes are dropped afterwards."""
        self._closed = True
        self._client.close()

    def _call(self, call: Callable[[], Any]) -> Any:
        """``call()``'s reply, or ``None`` when Redis is resting, closed or failing."""
        if not self.is_available:
            return None
        try:
            return call()
        except (self._errors_module.RedisError, OSError) as exc:
            self._failed(exc)
            return None

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._errors += 1
            self._resume_at = self._clock() + self.cooldown_s
        log.warning(
            "prediction cache at %s failed (%s); serving misses for %.1f s", self._url, exc, self.cooldown_s
        )

    def _count_error(self, exc: InferdError) -> None:
        with self._lock:
            self._errors += 1
        log.warning("prediction cache at %s: %s", self._url, exc)

    def _decoded(self, raw: bytes | None) -> Batch | None:
        if raw is None:
            return None
        try:
            return decode_row(raw)
        except InferdError as exc:  # bytes we did not write, or an older format: a miss
            self._count_error(exc)
            return None


def _client(url: str, timeout_s: float) -> Any:
    redis = require("redis", "redis")
    retry = require("redis.retry", "redis")
    backoff = require("redis.backoff", "redis")
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=retry.Retry(backoff.NoBackoff(), 0),
    )
