from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inferd.contract import Contract
from tests.models import train_iris_skops, train_onnx_classifier
from tests.server.fixtures import (
    ECHO_MODEL,
    SLOW_CONTRACT,
    SLOW_MODEL,
    RunningServer,
    echo_contract,
    iris_contract,
    register_in_production,
    start_server,
    write_python_model,
)


@pytest.fixture(scope="session")
def served_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with the test models, each with a production alias (registered in-process: fast)."""
    home = tmp_path_factory.mktemp("served-home")
    models = tmp_path_factory.mktemp("served-models")
    slow, _ = write_python_model(models / "slow", SLOW_MODEL, SLOW_CONTRACT)
    echo, _ = write_python_model(models / "echo", ECHO_MODEL, echo_contract())
    entries: list[tuple[str, Path, Contract | None]] = [
        ("clf", train_onnx_classifier(models), None),
        ("iris", train_iris_skops(models), iris_contract()),
        ("slow", slow, Contract.from_dict(SLOW_CONTRACT)),
        ("double", slow, Contract.from_dict(SLOW_CONTRACT)),
        ("echo", echo, Contract.from_dict(echo_contract())),
    ]
    register_in_production(home, entries)
    return home


@pytest.fixture(scope="session")
def server(served_home: Path) -> Iterator[RunningServer]:
    """One shared server: a small queue for `slow` so overload is reachable, a short watch interval."""
    running = start_server(
        served_home,
        *("--model-batching", "slow:max_queue_rows=16"),
        *("--watch-interval-s", "0.5", "--max-body-mb", "1"),
    )
    yield running
    running.stop()
