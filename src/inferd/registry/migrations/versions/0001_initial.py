"""Initial registry schema: models, versions and their files, aliases and their history.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _version_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["model_name", "version"], ["model_versions.model_name", "model_versions.version"]
    )


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
    )
    op.create_table(
        "model_versions",
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
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("created_by", sa.String(256), nullable=False),
    )
    _create_files_and_aliases()


def _create_files_and_aliases() -> None:
    op.create_table(
        "version_files",
        sa.Column("model_name", sa.String(128), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("path", sa.String(1024), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        _version_fk(),
    )
    op.create_index("ix_version_files_sha256", "version_files", ["sha256"])
    op.create_table(
        "aliases",
        sa.Column("model_name", sa.String(128), primary_key=True),
        sa.Column("alias", sa.String(128), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        _version_fk(),
    )
    op.create_table(
        "alias_moves",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_name", sa.String(128), sa.ForeignKey("models.name"), nullable=False),
        sa.Column("alias", sa.String(128), nullable=False),
        sa.Column("from_version", sa.Integer, nullable=True),
        sa.Column("to_version", sa.Integer, nullable=True),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("moved_by", sa.String(256), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("is_rollback", sa.Boolean, nullable=False),
    )
    op.create_index("ix_alias_moves_model_alias", "alias_moves", ["model_name", "alias", "id"])


def downgrade() -> None:
    for index, table in (
        ("ix_alias_moves_model_alias", "alias_moves"),
        ("ix_version_files_sha256", "version_files"),
    ):
        op.drop_index(index, table_name=table)
    for table in ("alias_moves", "aliases", "version_files", "model_versions", "models"):
        op.drop_table(table)
