"""Redis specifics: one round trip per lookup, bounded waits on a Redis that is down or mute."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import numpy as np
import pytest
import redis

from inferd.features import FeatureStoreUnavailableError, open_feature_store
from inferd.features.redis_store import RedisFeatureStore
from tests.features.conftest import drop_prefix, redis_prefix, require_redis
from tests.services import REDIS_URL, free_port

pytestmark = pytest.mark.redis


class CountingConnection(redis.Connection):
    """A redis-py connection that counts its writes to the socket: one per round trip.

    redis-py writes a whole pipeline with one ``send_packed_command`` and then reads
    every reply, so the number of calls is the number of request/response exchanges.
    """

    writes = 0

    def send_packed_command(self, command: object, check_health: bool = True) -> None:
        type(self).writes += 1
        super().send_packed_command(command, check_health)


@pytest.fixture
def counted_store() -> Iterator[RedisFeatureStore]:
    require_redis()
    prefix = redis_prefix()
    pool = redis.ConnectionPool.from_url(REDIS_URL, connection_class=CountingConnection)
    store = RedisFeatureStore(redis.Redis(connection_pool=pool), prefix=prefix)
    yield store
    store.close()
    pool.disconnect()
    drop_prefix(prefix)


def command_calls() -> dict[str, int]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return {name: int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("hmget", "mget", "get")}


def test_64_keys_are_fetched_in_one_round_trip(counted_store: RedisFeatureStore) -> None:
    keys = np.arange(64)
    features = {f"f{i}": np.random.default_rng(i).normal(size=64) for i in range(8)}
    counted_store.put("customer_id", keys, features, np.full(64, 1.7e9))
    counted_store.get("customer_id", keys[:1], ["f0"])  # connected, client info sent
    CountingConnection.writes = 0
    before = command_calls()
    rows = counted_store.get("customer_id", keys, list(features))
    assert CountingConnection.writes == 1
    after = command_calls()
    # The dtypes (HMGET) and all 64 rows (one MGET) came in that one exchange, not key by key.
    assert after["hmget"] > before["hmget"]
    assert after["mget"] > before["mget"]
    assert rows.found.all()
    for name, values in features.items():
        assert rows.values[name].tolist() == values.tolist()


def test_64_single_key_lookups_take_64_round_trips(counted_store: RedisFeatureStore) -> None:
    counted_store.put("customer_id", np.arange(64), {"f": np.zeros(64)}, np.full(64, 1.7e9))
    counted_store.get("customer_id", np.arange(1), ["f"])
    CountingConnection.writes = 0
    for key in range(64):
        counted_store.get("customer_id", np.array([key]), ["f"])
    assert CountingConnection.writes == 64


def test_a_redis_that_is_down_fails_fast_with_a_clear_error() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    store = open_feature_store(url, timeout_s=0.2)
    started = time.monotonic()
    try:
        with pytest.raises(
            FeatureStoreUnavailableError, match=r"redis://127.0.0.1:\d+/0 is unavailable.*running"
        ):
            store.get("customer_id", np.array([1]), ["f"])
    finally:
        store.close()
    assert time.monotonic() - started < 0.5


def test_a_redis_that_never_answers_fails_within_the_timeout() -> None:
    with socket.socket() as mute:  # accepts connections (the kernel's backlog), never replies
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        port = mute.getsockname()[1]
        store = open_feature_store(f"redis://127.0.0.1:{port}/0", timeout_s=0.2)
        started = time.monotonic()
        try:
            with pytest.raises(FeatureStoreUnavailableError, match="did not answer in time"):
                store.get("customer_id", np.array([1]), ["f"])
        finally:
            store.close()
        elapsed = time.monotonic() - started
    assert 0.15 < elapsed < 0.6


def test_the_password_is_kept_out_of_the_error() -> None:
    store = open_feature_store(f"redis://user:s3cret@127.0.0.1:{free_port()}/0", timeout_s=0.2)
    try:
        with pytest.raises(FeatureStoreUnavailableError) as caught:
            store.get("customer_id", np.array([1]), ["f"])
    finally:
        store.close()
    assert "s3cret" not in str(caught.value)
    assert "user:***@" in str(caught.value)


def test_rows_live_under_the_urls_prefix(redis_store_url: str) -> None:
    store = open_feature_store(redis_store_url)
    try:
        store.put("customer_id", np.array([5]), {"f": np.array([1.0])}, np.array([1.7e9]))
    finally:
        store.close()
    prefix = redis_store_url.split("prefix=")[1]
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert sorted(client.scan_iter(f"{prefix}:*")) == [
            f"{prefix}:customer_id:dtypes".encode(),
            f"{prefix}:customer_id:row:5".encode(),
        ]
        row = json.loads(client.get(f"{prefix}:customer_id:row:5"))
        assert row == {"__event_time_s": "1700000000.0", "f": "1.0"}
        assert client.hgetall(f"{prefix}:customer_id:dtypes") == {b"f": b"float64"}
    finally:
        client.close()
