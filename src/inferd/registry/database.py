"""Database: the registry's SQLAlchemy engine, its transactions, and its schema check on start.

SQLite is the default (WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for writes
so that concurrent writers queue for the lock instead of deadlocking on a
lock upgrade); ``postgresql://`` URLs use psycopg 3 (the ``postgres`` extra).
Every write transaction is serialised: SQLite by ``BEGIN IMMEDIATE``,
PostgreSQL by a transaction-scoped advisory lock taken first thing. Writes are
a few rows each, so one lock keeps every invariant (version numbers, alias
history, blob references) simple and holds for a few milliseconds.

On start the stored schema revision is read straight from ``alembic_version``;
only when it differs from :data:`HEAD_REVISION` is Alembic imported to upgrade.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from inferd._optional import require
from inferd.errors import StoreUnavailableError
from inferd.registry.schema import HEAD_REVISION

_SQLITE_BUSY_TIMEOUT_MS = 30_000
_PG_WRITE_LOCK_KEY = 0x1F3D_0001  # the registry's advisory lock id
_UNREACHABLE = (sa.exc.OperationalError, sa.exc.InterfaceError)


def normalise_url(url: str) -> sa.URL:
    """Parse a database URL; ``postgres://`` and ``postgresql://`` mean psycopg 3."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreUnavailableError(f"the registry database URL {url!r} is not valid: {exc}") from exc
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class Database:
    """The registry database at ``url``; :meth:`start` connects and upgrades, :meth:`close` disposes."""

    def __init__(self, url: str, connect_timeout_s: float = 5.0) -> None:
        self.url = normalise_url(url)
        self.connect_timeout_s = connect_timeout_s
        self._engine: sa.Engine | None = None

    @property
    def safe_url(self) -> str:
        """The URL with its password hidden, for messages."""
        return self.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def start(self) -> None:
        """Create the engine and bring the schema to the head revision."""
        self._engine = self._create_engine()
        try:
            self._ensure_schema()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A read transaction (one consistent view)."""
        with self._translated(), self._engine_or_fail().connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """A write transaction that holds the registry's write lock until it commits or rolls back."""
        engine = self._engine_or_fail()
        with self._translated(), engine.connect().execution_options(inferd_write=True) as conn, conn.begin():
            if not self.is_sqlite:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_WRITE_LOCK_KEY})
            yield conn

    def _engine_or_fail(self) -> sa.Engine:
        if self._engine is None:
            raise StoreUnavailableError(f"the registry database {self.safe_url} is closed")
        return self._engine

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except _UNREACHABLE as exc:
            raise StoreUnavailableError(
                f"the registry database {self.safe_url} is unreachable or failed: {exc.orig or exc}"
            ) from exc

    def _create_engine(self) -> sa.Engine:
        if self.is_sqlite:
            return self._create_sqlite_engine()
        if self.url.get_driver_name() == "psycopg":
            require("psycopg", "postgres")
        timeout_s = max(1, math.ceil(self.connect_timeout_s))
        return sa.create_engine(self.url, connect_args={"connect_timeout": timeout_s}, pool_pre_ping=True)

    def _create_sqlite_engine(self) -> sa.Engine:
        if self.url.database and self.url.database != ":memory:":
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(self.url)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine

    def _ensure_schema(self) -> None:
        with self.reading() as conn:
            if _stored_revision(conn) == HEAD_REVISION:
                return
        from inferd.registry import migrator

        with self.writing() as conn:
            if _stored_revision(conn) != HEAD_REVISION:
                migrator.upgrade(conn)


def _stored_revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _begin_sqlite
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_sqlite(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("inferd_write") else "BEGIN")
