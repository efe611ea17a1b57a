"""The production online feature store: Redis (``redis://host:port/db?prefix=...``).

Layout, under a key prefix (default ``inferd:features``, from the URL's ``prefix``):
``{prefix}:{entity}:row:{key}`` is a string holding the row as JSON, feature
name -> stored text (see ``column``), plus ``__event_time_s``;
``{prefix}:{entity}:dtypes`` is a hash of feature name -> dtype. A lookup is one
pipeline of two commands, one write and one read on the socket: an HMGET of the
dtypes and one MGET of every distinct key's row. (Rows as strings rather than
hashes keep the lookup at two commands instead of one HMGET per key; redis-py's
parser costs far more per reply element than the network does on a LAN.) A
write runs a Lua script per slice of rows that merges the new features into
the stored row unless the stored row is newer, so re-materialising is
idempotent and each row is updated atomically.

Every socket call is bounded by ``timeout_s`` and is not retried here (the
serving pipeline owns retries and the circuit breaker); a Redis that is down
or slow raises FeatureStoreUnavailableError at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from inferd._optional import require
from inferd.features.column import Text
from inferd.features.keys import canonical_keys
from inferd.features.store import FeatureRows, FeatureStoreUnavailableError, check_lookup, requested_dtypes
from inferd.features.write import EVENT_TIME_FIELD, FeatureWrite
from inferd.tensors import Batch

DEFAULT_PREFIX = "inferd:features"
_ROWS_PER_SCRIPT = 500

# KEYS: row keys. ARGV: n_features, feature names..., then per row: event time and one value per
# feature, each "" when missing (the field is deleted) or "=" followed by the stored text.
_PUT_SCRIPT = """
local n = tonumber(ARGV[1])
local at = n + 2
local written = 0
for _, key in ipairs(KEYS) do
  local t = ARGV[at]
  local raw = redis.call('GET', key)
  local row = {}
  if raw then row = cjson.decode(raw) end
  local stored = row['__event_time_s']
  if not stored or tonumber(stored) <= tonumber(t) then
    row['__event_time_s'] = t
    for j = 1, n do
      local v = ARGV[at + j]
      if #v == 0 then row[ARGV[j + 1]] = nil else row[ARGV[j + 1]] = string.sub(v, 2) end
    end
    redis.call('SET', key, cjson.encode(row))
    written = written + 1
  end
  at = at + n + 1
end
return written
"""


class RedisFeatureStore:
    """Features in Redis hashes; the client's connection pool is shared between threads."""

    def __init__(self, client: Any, *, prefix: str = DEFAULT_PREFIX, url: str = "redis") -> None:
        """``client`` is a ``redis.Redis`` (our seam: tests may hand one with their own connection class)."""
        self._client = client
        self._prefix = prefix
        self._url = url
        self._put_script = client.register_script(_PUT_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, timeout_s: float = 0.2, **client_options: Any) -> RedisFeatureStore:
        """A store for ``redis://host:port/db[?prefix=...]``; connects on first use, not here."""
        redis = require("redis", "redis")
        retry = require("redis.retry", "redis")
        backoff = require("redis.backoff", "redis")
        redis_url, prefix = _split_prefix(url)
        client = redis.Redis.from_url(
            redis_url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=retry.Retry(backoff.NoBackoff(), 0),
            **client_options,
        )
        return cls(client, prefix=prefix, url=_redacted(url))

    def get(self, entity: str, keys: np.ndarray, features: Sequence[str]) -> FeatureRows:
        names = check_lookup(entity, features)
        distinct, inverse = np.unique(np.asarray(canonical_keys(keys), dtype=object), return_inverse=True)
        distinct_keys: list[str] = distinct.tolist()
        pipe = self._client.pipeline(transaction=False)
        pipe.hmget(self._dtypes_key(entity), names)
        if distinct_keys:
            pipe.mget([self._row_key(entity, key) for key in distinct_keys])
        dtype_replies, *row_replies = self._run(pipe.execute)
        stored = {name: dtype.decode() for name, dtype in zip(names, dtype_replies, strict=True) if dtype}
        rows: list[dict[str, str] | None] = [
            None if raw is None else json.loads(raw) for raw in (row_replies[0] if row_replies else [])
        ]
        if len(stored) < len(names) and (stored or any(row is not None for row in rows)):
            stored = self._all_dtypes(entity)  # a feature the entity never had: name what it has
        wanted = requested_dtypes(entity, names, stored)
        columns: dict[str, list[Text | None]] = {
            name: [None if row is None else row.get(name) for row in rows] for name in names
        }
        times = [None if row is None else float(row[EVENT_TIME_FIELD]) for row in rows]
        return FeatureRows.from_stored(inverse.reshape(-1), times, columns, wanted)

    def put(self, entity: str, keys: np.ndarray, values: Batch, event_time_s: np.ndarray) -> int:
        write = FeatureWrite.build(entity, keys, values, event_time_s)
        merged = write.merged_dtypes(self._all_dtypes(entity))
        if merged:
            self._run(lambda: self._client.hset(self._dtypes_key(entity), mapping=merged))
        names = list(write.texts)
        pipe = self._client.pipeline(transaction=False)
        for start in range(0, len(write.keys), _ROWS_PER_SCRIPT):
            stop = start + _ROWS_PER_SCRIPT
            row_keys = [self._row_key(entity, key) for key in write.keys[start:stop]]
            args: list[str | int] = [len(names), *names]
            for row in range(start, min(stop, len(write.keys))):
                args.append(repr(write.event_time_s[row]))
                args.extend("" if write.texts[n][row] is None else f"={write.texts[n][row]}" for n in names)
            self._put_script(keys=row_keys, args=args, client=pipe)
        return sum(int(n) for n in self._run(pipe.execute))

    def feature_dtypes(self, entity: str) -> dict[str, str]:
        return self._all_dtypes(entity)

    def close(self) -> None:
        self._client.close()

    def _all_dtypes(self, entity: str) -> dict[str, str]:
        raw = self._run(lambda: self._client.hgetall(self._dtypes_key(entity)))
        return {name.decode(): dtype.decode() for name, dtype in raw.items()}

    def _run(self, call: Any) -> Any:
        errors = require("redis.exceptions", "redis")
        try:
            return call()
        except errors.TimeoutError as exc:
            raise FeatureStoreUnavailableError(
                f"feature store {self._url} did not answer in time ({exc}); is Redis overloaded?"
            ) from exc
        except errors.ConnectionError as exc:
            raise FeatureStoreUnavailableError(
                f"feature store {self._url} is unavailable ({exc}); is Redis running?"
            ) from exc

    def _row_key(self, entity: str, key: str) -> str:
        return f"{self._prefix}:{entity}:row:{key}"

    def _dtypes_key(self, entity: str) -> str:
        return f"{self._prefix}:{entity}:dtypes"


def _split_prefix(url: str) -> tuple[str, str]:
    """The URL without our ``prefix`` query parameter (redis-py refuses unknown ones), and the prefix."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    prefix = next((value for name, value in query if name == "prefix"), DEFAULT_PREFIX)
    rest = urlencode([(name, value) for name, value in query if name != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
