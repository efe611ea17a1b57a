from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own INFERD_HOME so nothing leaks between tests or into the repo."""
    home = tmp_path / "inferd-home"
    monkeypatch.setenv("INFERD_HOME", str(home))
    for var in ("INFERD_REGISTRY_URL", "INFERD_ARTIFACT_URL", "INFERD_ARTIFACT_OPTIONS", "INFERD_CACHE_DIR"):
        monkeypatch.delenv(var, raising=False)
    return home


def pytest_report_header() -> list[str]:
    return [f"CI={os.environ.get('CI', '')!s} (under CI a missing service fails instead of skipping)"]
