"""Alembic migrations of the registry schema (configured in code by ``inferd.registry.migrator``)."""
