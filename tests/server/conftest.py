from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inferd.config import RegistrySettings
from inferd.contract import Contract
from inferd.registry import Registry
from inferd.serving.registration import register_model
from tests.models import train_iris_skops, train_onnx_classifier
from tests.server.fixtures import (
    ECHO_MODEL,
    SLOW_CONTRACT,
    SLOW_MODEL,
    RunningServer,
    echo_contract,
    start_server,
    write_python_model,
)


@pytest.fixture(scope="session")
def served_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with the test models, each with a production alias (registered in-process: fast)."""
    home = tmp_path_factory.mktemp("served-home")
    models = tmp_path_factory.mktemp("served-models")
    fields = ("sepal_length", "sepal_width", "petal_length", "petal_width")
    iris_contract = Contract.from_dict(
        {"inputs": [{"name": f, "dtype": "float64", "min": 0} for f in fields]}
    )
    slow, _ = write_python_model(models / "slow", SLOW_MODEL, SLOW_CONTRACT)
    echo, _ = write_python_model(models / "echo", ECHO_MODEL, echo_contract())
    entries = [
        ("clf", train_onnx_classifier(models), None),
        ("iris", train_iris_skops(models), iris_contract),
        ("slow", slow, Contract.from_dict(SLOW_CONTRACT)),
        ("double", slow, Contract.from_dict(SLOW_CONTRACT)),
        ("echo", echo, Contract.from_dict(echo_contract())),
    ]
    with Registry.open(RegistrySettings(home=home)) as registry:
        for name, path, contract in entries:
            version = register_model(registry, name, path, contract=contract)
            registry.set_alias(name, "production", version.version)
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
