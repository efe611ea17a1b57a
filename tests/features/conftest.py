"""Feature store fixtures: the same behavioural suite runs on SQLite and on the real Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from inferd.features import FeatureStore, open_feature_store
from tests.services import REDIS_URL, require_service


def redis_prefix() -> str:
    return f"inferd-test-{uuid.uuid4().hex[:12]}"


def drop_prefix(prefix: str) -> None:
    """Delete only this test's keys from the test database."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def require_redis() -> None:
    require_service("Redis", "127.0.0.1", 6379, "run `make test` (it starts it) or install redis-server")


@pytest.fixture
def redis_store_url() -> Iterator[str]:
    require_redis()
    prefix = redis_prefix()
    yield f"{REDIS_URL}?prefix={prefix}"
    drop_prefix(prefix)


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'features.db'}"
        return
    require_redis()
    prefix = redis_prefix()
    yield f"{REDIS_URL}?prefix={prefix}"
    drop_prefix(prefix)


@pytest.fixture
def store(store_url: str) -> Iterator[FeatureStore]:
    opened = open_feature_store(store_url, timeout_s=2.0)
    yield opened
    opened.close()
