"""The registry's tables (SQLAlchemy Core) and the schema revision this code expects.

The tables are created and upgraded by the Alembic migrations in
``inferd/registry/migrations/versions``; :data:`HEAD_REVISION` must name the
newest of them (a test checks it against Alembic's script head), so that
opening an up-to-date registry never needs to import Alembic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from inferd.registry.revision import HEAD_REVISION

__all__ = ["HEAD_REVISION", "alias_moves", "aliases", "metadata", "model_versions", "models", "version_files"]

metadata = sa.MetaData()


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


models = sa.Table(
    "models",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column("model_name", sa.String(128), sa.ForeignKey("models.name"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("framework", sa.String(64), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("entry", sa.String(1024), nullable=False),
    sa.Column("contract_json", sa.Text, nullable=True),
    sa.Column("metadata_json", sa.Text, nullable=False),
    sa.Column("data_fingerprint", sa.String(256), nullable=True),
    sa.Column("code_revision", sa.String(256), nullable=True),
    sa.Column("parent_version", sa.Integer, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.String(256), nullable=False),
)

version_files = sa.Table(
    "version_files",
    metadata,
    sa.Column("model_name", sa.String(128), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("path", sa.String(1024), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.ForeignKeyConstraint(
        ["model_name", "version"], ["model_versions.model_name", "model_versions.version"]
    ),
)

aliases = sa.Table(
    "aliases",
    metadata,
    sa.Column("model_name", sa.String(128), primary_key=True),
    sa.Column("alias", sa.String(128), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(
        ["model_name", "version"], ["model_versions.model_name", "model_versions.version"]
    ),
)

alias_moves = sa.Table(
    "alias_moves",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model_name", sa.String(128), sa.ForeignKey("models.name"), nullable=False),
    sa.Column("alias", sa.String(128), nullable=False),
    sa.Column("from_version", sa.Integer, nullable=True),
    sa.Column("to_version", sa.Integer, nullable=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("moved_by", sa.String(256), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("is_rollback", sa.Boolean, nullable=False),
    sa.Index("ix_alias_moves_model_alias", "model_name", "alias", "id"),
)
