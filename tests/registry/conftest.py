from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from inferd.config import RegistrySettings
from inferd.registry import Registry
from tests.services import fresh_postgres_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One fresh PostgreSQL database for the session (creating one costs ~0.6 s here)."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """An empty schema of the session database for one test, as a URL whose search_path selects it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = sa.make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        # the plain scheme users write; the registry picks psycopg 3 itself
        yield url.set(drivername="postgresql").render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest) -> RegistrySettings:
    """Registry settings over SQLite (the default) and over real PostgreSQL."""
    if request.param == "sqlite":
        return RegistrySettings()
    return RegistrySettings(registry_url=request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def registry(settings: RegistrySettings) -> Iterator[Registry]:
    with Registry.open(settings) as reg:
        yield reg


@pytest.fixture
def sqlite_registry() -> Iterator[Registry]:
    """A registry on the default SQLite store, for checks that never reach the database."""
    with Registry.open() as reg:
        yield reg
