"""A database or artifact store that cannot be reached gives StoreUnavailableError naming it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from inferd.config import RegistrySettings
from inferd.errors import StoreUnavailableError
from inferd.registry import Registry
from tests.registry.artifacts import write_file
from tests.services import free_port, s3_options


def test_an_unreachable_database_is_named_without_its_password() -> None:
    port = free_port()
    settings = RegistrySettings(
        registry_url=f"postgresql://inferd:s3cret@127.0.0.1:{port}/registry", connect_timeout_s=1
    )

    started = time.monotonic()
    with pytest.raises(StoreUnavailableError, match=f"127.0.0.1:{port}/registry") as caught:
        Registry.open(settings)

    assert "s3cret" not in str(caught.value)
    assert time.monotonic() - started < 5


@pytest.mark.s3
def test_an_unreachable_artifact_store_is_named(tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    options = s3_options(endpoint, config_kwargs={"connect_timeout": 1, "retries": {"max_attempts": 1}})
    settings = RegistrySettings(artifact_url="s3://models/prefix", artifact_options=options)
    model = write_file(tmp_path / "m.bin", b"m")

    with Registry.open(settings) as reg, pytest.raises(StoreUnavailableError, match="s3://models/prefix"):
        reg.register("m", model, framework="python")
    with Registry.open(settings) as reg:
        assert reg.list_models() == []
