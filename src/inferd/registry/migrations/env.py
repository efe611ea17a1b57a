"""Alembic environment: runs migrations on the connection the migrator hands over (online only)."""

from __future__ import annotations

from alembic import context

from inferd.errors import InvalidInputError
from inferd.registry.schema import metadata

if context.is_offline_mode():
    raise InvalidInputError("the registry migrations run online only, through Registry.open")

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
