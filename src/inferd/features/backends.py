"""Choosing a feature store by URL: the one place that knows every backend."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from inferd.errors import InvalidInputError
from inferd.features.store import FeatureStore


def open_feature_store(url: str, *, timeout_s: float = 0.2) -> FeatureStore:
    """The store at ``url``; nothing connects until the first call.

    ``sqlite:///relative/features.db`` or ``sqlite:////absolute/features.db`` (embedded), ``redis://host:port/db[?prefix=...]``
    (``rediss://`` for TLS), or ``feast:///path/to/feature_repo[?view=NAME]``.
    ``timeout_s`` bounds every call to the store.
    """
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from inferd.features.sqlite_store import SQLiteFeatureStore

        # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute/path.db
        return SQLiteFeatureStore(Path(str(_local_path(url))[1:]), timeout_s=timeout_s)
    if scheme in ("redis", "rediss"):
        from inferd.features.redis_store import RedisFeatureStore

        return RedisFeatureStore.from_url(url, timeout_s=timeout_s)
    if scheme == "feast":
        from inferd.features.feast_store import FeastFeatureStore

        view = parse_qs(urlsplit(url).query).get("view", [None])[0]
        return FeastFeatureStore(_local_path(url), view=view)
    raise InvalidInputError(
        f"feature store URL {url!r} is not supported; use sqlite:///path, redis://host:port/db "
        "or feast:///path/to/feature_repo"
    )


def _local_path(url: str) -> Path:
    path = urlsplit(url).path
    if not path or path == "/":
        raise InvalidInputError(f"feature store URL {url!r} names no path; e.g. sqlite:///data/features.db")
    return Path(path)
