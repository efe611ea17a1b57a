"""The schema ships as Alembic migrations, but opening an up-to-date registry never imports Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from inferd.config import RegistrySettings
from inferd.registry import Registry
from inferd.registry.migrator import script_head
from inferd.registry.schema import HEAD_REVISION

REPO = Path(__file__).resolve().parents[2]


def _run(code: str, settings: RegistrySettings) -> str:
    env = {"PATH": "/usr/bin:/bin", "INFERD_HOME": str(settings.home)}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_head_revision_constant_matches_the_migration_scripts() -> None:
    assert script_head() == HEAD_REVISION


def test_importing_the_registry_does_not_import_alembic() -> None:
    code = "import sys, inferd.registry; print('alembic' in sys.modules)"

    assert _run(code, RegistrySettings()) == "False"


def test_opening_an_up_to_date_registry_does_not_import_alembic(tmp_path: Path) -> None:
    settings = RegistrySettings()
    Registry.open(settings).close()
    code = (
        "import sys; from inferd.registry import Registry; "
        "Registry.open().close(); print('alembic' in sys.modules)"
    )

    assert _run(code, settings) == "False"


def test_a_new_database_is_created_at_the_head_revision(settings: RegistrySettings) -> None:
    Registry.open(settings).close()

    engine = sa.create_engine(settings.database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION
    finally:
        engine.dispose()


def test_a_sqlite_registry_uses_write_ahead_logging(tmp_path: Path) -> None:
    settings = RegistrySettings()
    Registry.open(settings).close()

    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
