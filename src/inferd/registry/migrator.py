"""Migrator: upgrades a registry database to :data:`~inferd.registry.schema.HEAD_REVISION` with Alembic.

Alembic is configured in code (no ``alembic.ini``) and imported only here, and
this module is imported only when the stored revision differs from the head,
so opening an up-to-date registry stays fast.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from inferd.errors import InferdError, StoreUnavailableError

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic configuration for the shipped migrations, running on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def script_head() -> str:
    """The newest revision among the shipped migration scripts."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise InferdError(f"no migration scripts found in {MIGRATIONS}")
    return head


def upgrade(connection: sa.Connection) -> None:
    """Upgrade the database behind ``connection`` (already in a write transaction) to the head."""
    try:
        command.upgrade(alembic_config(connection), "head")
    except CommandError as exc:
        raise StoreUnavailableError(
            f"cannot upgrade the registry database schema: {exc}; "
            "it may have been written by a newer inferd, upgrade inferd"
        ) from exc
