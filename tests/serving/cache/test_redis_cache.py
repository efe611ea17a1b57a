"""The Redis prediction cache against the real Redis (DB 15, a prefix of its own per test)."""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Iterator

import numpy as np
import pytest

from inferd.errors import InferdError
from inferd.serving.cache import PredictionCache, RedisCache, row_keys
from inferd.tensors import Batch
from tests.services import REDIS_URL, free_port, require_service

pytestmark = pytest.mark.redis


def row(value: float) -> Batch:
    return {
        "probabilities": np.array([[value, 1 - value]], dtype=np.float32),
        "label": np.array(["yes" if value > 0.5 else "no"], dtype=object),
    }


@pytest.fixture
def prefix() -> Iterator[str]:
    require_service("Redis", "127.0.0.1", 6379, "run `make test` (it starts it) or install redis-server")
    import redis

    name = f"inferd-test:{uuid.uuid4().hex[:12]}:"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    stale = list(client.scan_iter(match=f"{name}*"))
    if stale:
        client.delete(*stale)
    client.close()


@pytest.fixture
def cache(prefix: str) -> Iterator[RedisCache]:
    cache = RedisCache(REDIS_URL, ttl_s=30, prefix=prefix)
    yield cache
    cache.close()


def test_it_is_a_prediction_cache(cache: RedisCache) -> None:
    assert isinstance(cache, PredictionCache)


def test_rows_round_trip_and_hits_and_misses_are_counted(cache: RedisCache) -> None:
    inputs = {"x": np.arange(6, dtype=np.float32).reshape(3, 2)}
    keys = row_keys("m:1", inputs)
    cache.put_many(keys[:2], [row(0.25), row(0.75)])
    first, second, third = cache.get_many(keys)
    assert third is None
    assert first is not None
    assert second is not None
    np.testing.assert_array_equal(second["probabilities"], np.array([[0.75, 0.25]], dtype=np.float32))
    assert second["label"].dtype == object
    assert second["label"].tolist() == ["yes"]
    assert first["label"].tolist() == ["no"]
    stats = cache.stats
    assert (stats.hits, stats.misses, stats.errors) == (2, 1, 0)
    assert stats.size_bytes is None
    assert stats.entries is None


def test_entries_expire_after_their_ttl(prefix: str) -> None:
    import redis

    cache = RedisCache(REDIS_URL, ttl_s=0.2, prefix=prefix)
    keys = row_keys("m:1", {"x": np.zeros((1, 2))})
    cache.put_many(keys, [row(0.5)])
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert 0 < client.pttl(prefix.encode() + keys[0]) <= 200
    finally:
        client.close()
    assert cache.get_many(keys) != [None]
    time.sleep(0.3)
    assert cache.get_many(keys) == [None]
    cache.close()


def test_a_new_version_never_reads_the_old_versions_entries(cache: RedisCache) -> None:
    inputs = {"x": np.zeros((2, 2))}
    cache.put_many(row_keys("m:1", inputs), [row(0.1), row(0.2)])
    assert cache.get_many(row_keys("m:2", inputs)) == [None, None]


def test_a_down_redis_gives_misses_and_counts_an_error_without_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", ttl_s=30, cooldown_s=1.0, clock=lambda: now[0])
    keys = row_keys("m:1", {"x": np.zeros((2, 2))})
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="inferd.serving.cache"):
        assert cache.get_many(keys) == [None, None]
        cache.put_many(keys, [row(0.1), row(0.2)])  # resting: not even tried
    assert time.perf_counter() - started < 1.0
    stats = cache.stats
    assert (stats.misses, stats.errors) == (2, 1)
    assert not cache.is_available
    assert "serving misses" in caplog.text
    now[0] += 1.5  # after the cooldown it tries again
    assert cache.get_many(keys) == [None, None]
    assert cache.stats.errors == 2
    cache.close()


def test_bytes_it_did_not_write_are_a_miss_and_an_error(prefix: str, cache: RedisCache) -> None:
    import redis

    keys = row_keys("m:1", {"x": np.arange(4.0).reshape(2, 2)})
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.set(prefix.encode() + keys[0], b"\x80\x04not ours", px=30_000)
    finally:
        client.close()
    cache.put_many(keys[1:], [row(0.9)])
    found = cache.get_many(keys)
    assert found[0] is None
    assert found[1] is not None
    assert cache.stats.errors == 1
    assert cache.is_available  # a bad value does not rest the cache


def test_a_closed_cache_answers_misses(cache: RedisCache) -> None:
    keys = row_keys("m:1", {"x": np.zeros((1, 2))})
    cache.put_many(keys, [row(0.5)])
    cache.close()
    assert cache.get_many(keys) == [None]


def test_a_mute_redis_costs_one_socket_timeout_then_nothing() -> None:
    with socket.socket() as mute:  # accepts connections (the kernel's backlog) and never answers
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        port = mute.getsockname()[1]
        cache = RedisCache(f"redis://127.0.0.1:{port}/0", ttl_s=30, timeout_s=0.1)
        keys = row_keys("m:1", {"x": np.zeros((1, 2))})
        started = time.perf_counter()
        assert cache.get_many(keys) == [None]
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        assert cache.get_many(keys) == [None]  # resting: no socket at all
        cache.put_many(keys, [row(0.5)])
        again_s = time.perf_counter() - started
        cache.close()
    assert 0.05 < first_s < 1.0
    assert again_s < 0.01
    assert cache.stats.errors == 1


@pytest.mark.parametrize("ttl_s", [0.0, 0.0005, -1.0, float("nan")])
def test_a_ttl_redis_cannot_keep_is_refused_at_once(ttl_s: float) -> None:
    with pytest.raises(InferdError, match=r"ttl_s must be at least 0\.001 s"):
        RedisCache(REDIS_URL, ttl_s=ttl_s)
