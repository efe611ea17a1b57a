"""Listing the models of the embedded (SQLite) registry without importing SQLAlchemy.

``inferd models list`` must answer in under half a second, and importing
SQLAlchemy alone takes about 0.3 s on our 2-core machines. This read-only path
uses the standard library's sqlite3 with the same two queries as
:func:`inferd.registry.catalog.list_models`; anything it is not sure of (another
database, a missing file, a schema at another revision) returns ``None`` and the
caller goes through :class:`~inferd.registry.Registry`, which also migrates.
A test keeps both paths' answers equal.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from inferd.config import RegistrySettings
from inferd.registry.model_summary import ModelSummary
from inferd.registry.revision import HEAD_REVISION

_SQLITE_PREFIX = "sqlite:///"

_COUNTS = """
SELECT m.name, m.updated_at, c.latest, c.n
FROM models AS m
JOIN (SELECT model_name, MAX(version) AS latest, COUNT(*) AS n FROM model_versions GROUP BY model_name) AS c
  ON c.model_name = m.name
ORDER BY m.name
"""
_ALIASES = "SELECT model_name, alias, version FROM aliases"


def list_models_quickly(settings: RegistrySettings) -> list[ModelSummary] | None:
    """Every model of an up-to-date embedded registry, or ``None`` to take the full path."""
    url = settings.database_url
    if not url.startswith(_SQLITE_PREFIX):
        return None
    path = Path(url[len(_SQLITE_PREFIX) :])
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=settings.connect_timeout_s)
    except sqlite3.Error:
        return None
    try:
        return _read(connection)
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def _read(connection: sqlite3.Connection) -> list[ModelSummary] | None:
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    if revision is None or revision[0] != HEAD_REVISION:
        return None
    by_model: dict[str, dict[str, int]] = {}
    for model_name, alias, version in connection.execute(_ALIASES):
        by_model.setdefault(model_name, {})[alias] = version
    return [
        ModelSummary(name, latest, count, dict(sorted(by_model.get(name, {}).items())), _utc(updated_at))
        for name, updated_at, latest, count in connection.execute(_COUNTS)
    ]


def _utc(stored: str) -> datetime:
    # SQLAlchemy stores the registry's UTC datetimes in SQLite as naive ISO text.
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)
