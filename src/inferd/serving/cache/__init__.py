"""The prediction cache: per-row model outputs keyed by the version and the row's inputs.

- :func:`row_keys` hashes each row of a model's inputs with the version's ref.
- :class:`PredictionCache` is the interface; :class:`MemoryCache` (in-process
  LRU bounded in bytes, the default) and :class:`RedisCache` (shared, with a
  TTL) implement it.
- :func:`split_hits` and :func:`merge_rows` let a caller send only the missing
  rows to the model and answer in the request's row order.

A new model version has a new ref, hence new keys: it never reads the old
version's entries. A cache never fails a request: when it cannot answer, it
answers "miss" and counts the error.
"""

from inferd.serving.cache.hits import merge_rows, split_hits
from inferd.serving.cache.memory_cache import MemoryCache, entry_size_bytes
from inferd.serving.cache.prediction_cache import CacheStats, PredictionCache
from inferd.serving.cache.redis_cache import RedisCache
from inferd.serving.cache.row_codec import decode_row, encode_row
from inferd.serving.cache.row_keys import KEY_BYTES, row_keys

__all__ = [
    "KEY_BYTES",
    "CacheStats",
    "MemoryCache",
    "PredictionCache",
    "RedisCache",
    "decode_row",
    "encode_row",
    "entry_size_bytes",
    "merge_rows",
    "row_keys",
    "split_hits",
]
