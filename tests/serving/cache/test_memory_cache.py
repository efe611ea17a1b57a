"""The in-process prediction cache: LRU bounded in bytes, counted, thread-safe."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferd.errors import InferdError
from inferd.serving.cache import MemoryCache, PredictionCache, entry_size_bytes, row_keys
from inferd.tensors import Batch


def row(value: float, width: int = 1) -> Batch:
    return {"score": np.full((1, width), value, dtype=np.float64), "label": np.array([int(value)])}


def key(n: int) -> bytes:
    return n.to_bytes(16, "big")


def test_it_is_a_prediction_cache() -> None:
    assert isinstance(MemoryCache(), PredictionCache)


def test_a_stored_row_comes_back_and_hits_and_misses_are_counted() -> None:
    cache = MemoryCache()
    cache.put_many([key(1), key(2)], [row(1.0), row(2.0)])
    found = cache.get_many([key(1), key(3), key(2), key(4)])
    assert found[1] is None
    assert found[3] is None
    assert found[0] is not None
    assert found[2] is not None
    assert found[0]["score"][0, 0] == 1.0
    assert found[2]["label"].tolist() == [2]
    stats = cache.stats
    assert (stats.hits, stats.misses, stats.entries) == (2, 2, 2)
    assert stats.hit_ratio == 0.5


def test_entries_are_private_read_only_copies() -> None:
    cache = MemoryCache()
    mine = row(1.0)
    cache.put_many([key(1)], [mine])
    mine["score"][0, 0] = 99.0  # the caller's later writes do not reach the cache
    (found,) = cache.get_many([key(1)])
    assert found is not None
    assert found["score"][0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        found["score"][0, 0] = 5.0


def test_a_big_entry_evicts_several_small_least_recently_used_ones() -> None:
    small = entry_size_bytes(key(0), row(0.0))
    big_row = row(9.0, width=100)
    cache = MemoryCache(max_bytes=5 * small)
    cache.put_many([key(i) for i in range(5)], [row(float(i)) for i in range(5)])
    assert cache.stats.entries == 5
    cache.get_many([key(0)])  # 0 is now the most recently used
    cache.put_many([key(9)], [big_row])
    big = entry_size_bytes(key(9), big_row)
    assert 2 * small < big <= 3 * small
    stats = cache.stats
    assert stats.evictions == 3
    assert stats.size_bytes is not None
    assert stats.size_bytes <= cache.max_bytes
    survivors = [i for i, found in enumerate(cache.get_many([key(i) for i in range(5)])) if found is not None]
    assert survivors == [0, 4]  # the oldest went first; the row read recently outlived them


def test_a_row_larger_than_the_whole_cache_is_not_stored() -> None:
    cache = MemoryCache(max_bytes=1000)
    cache.put_many([key(1)], [row(1.0, width=500)])
    assert cache.get_many([key(1)]) == [None]
    assert (cache.stats.entries, cache.stats.size_bytes, cache.stats.evictions) == (0, 0, 1)


def test_storing_a_key_again_replaces_its_size() -> None:
    cache = MemoryCache()
    cache.put_many([key(1)], [row(1.0, width=100)])
    cache.put_many([key(1)], [row(1.0)])
    assert cache.stats.size_bytes == entry_size_bytes(key(1), row(1.0))
    assert cache.stats.entries == 1


def test_object_arrays_count_their_strings() -> None:
    short = {"label": np.array(["a"], dtype=object)}
    long = {"label": np.array(["a" * 10_000], dtype=object)}
    assert entry_size_bytes(key(1), long) - entry_size_bytes(key(1), short) == 9_999


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 200)), max_size=60))
def test_the_cache_never_holds_more_than_max_bytes(puts: list[tuple[int, int]]) -> None:
    cache = MemoryCache(max_bytes=8_000)
    for n, width in puts:
        cache.put_many([key(n)], [row(float(n), width)])
        stats = cache.stats
        assert stats.size_bytes is not None
        assert stats.size_bytes <= cache.max_bytes
    found = cache.get_many([key(n) for n in range(31)])
    held = sum(entry_size_bytes(key(n), r) for n, r in enumerate(found) if r is not None)
    assert held == cache.stats.size_bytes


def test_a_new_version_never_reads_the_old_versions_entries() -> None:
    cache = MemoryCache()
    inputs = {"x": np.arange(6, dtype=np.float32).reshape(2, 3)}
    cache.put_many(row_keys("m:1", inputs), [row(1.0), row(2.0)])
    assert cache.get_many(row_keys("m:2", inputs)) == [None, None]
    assert all(found is not None for found in cache.get_many(row_keys("m:1", inputs)))


def test_concurrent_readers_and_writers_keep_the_bound_and_the_counts() -> None:
    cache = MemoryCache(max_bytes=20_000)

    def work(offset: int) -> None:
        for n in range(300):
            cache.put_many([key(offset + n % 50)], [row(float(n), 1 + n % 20)])
            cache.get_many([key(offset + n % 40)])

    threads = [threading.Thread(target=work, args=(i * 100,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = cache.stats
    assert stats.hits + stats.misses == 1200
    assert stats.size_bytes is not None
    assert stats.size_bytes <= cache.max_bytes


def test_closing_empties_the_cache_and_stores_no_more() -> None:
    cache = MemoryCache()
    cache.put_many([key(1)], [row(1.0)])
    cache.close()
    cache.put_many([key(2)], [row(2.0)])
    assert cache.get_many([key(1), key(2)]) == [None, None]
    assert cache.stats.size_bytes == 0


def test_mismatched_keys_and_rows_and_a_bad_bound_are_refused() -> None:
    with pytest.raises(InferdError, match="2 keys for 1 rows"):
        MemoryCache().put_many([key(1), key(2)], [row(1.0)])
    with pytest.raises(InferdError, match="max_bytes must be positive"):
        MemoryCache(max_bytes=0)
