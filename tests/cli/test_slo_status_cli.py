"""``inferd slo status`` against a running server: the figures of its /metrics, as a table and as JSON.

The objectives: iris 99% available and 90% within 1 s; every other model 99.9% available.
The traffic: iris answers 9 x 200 and a 400 (the client's mistake: no failure); slow
answers 3 x 200 and a 504 (past its deadline: a failure, 25% against a 0.1% budget, so
1 - 0.25 / 0.001 = -249 of the budget is left); idle is served and asked nothing.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from inferd.contract import Contract
from tests.server.fixtures import (
    SLOW_CONTRACT,
    SLOW_MODEL,
    RunningServer,
    http_json,
    iris_contract,
    register_in_production,
    slow_request,
    start_server,
    write_python_model,
)
from tests.services import free_port

Inferd = Callable[..., tuple[int, str, str]]
IRIS_ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
OBJECTIVES = {
    "objectives": [
        {"model": "iris", "availability": 0.99, "latency": {"threshold_s": 1.0, "target": 0.9}},
        {"model": "*", "availability": 0.999},
    ]
}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Path:
    """iris, slow (sleeps as asked, so a short deadline makes a 504) and idle, each in production."""
    home = tmp_path_factory.mktemp("slo-home")
    slow, _ = write_python_model(tmp_path_factory.mktemp("slo-models") / "slow", SLOW_MODEL, SLOW_CONTRACT)
    entries: list[tuple[str, Path, Contract | None]] = [
        ("iris", model_dir / "iris.skops", iris_contract()),
        ("slow", slow, Contract.from_dict(SLOW_CONTRACT)),
        ("idle", slow, Contract.from_dict(SLOW_CONTRACT)),
    ]
    register_in_production(home, entries)
    return home


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("slo-config") / "slo.yaml"
    path.write_text(yaml.safe_dump(OBJECTIVES))
    return path


@pytest.fixture(scope="module")
def steady(home: Path) -> Iterator[RunningServer]:
    """A server that has answered the module docstring's traffic, and then nothing."""
    server = start_server(home, "--grpc-port", "0")
    try:
        for _ in range(9):
            predict_iris(server, IRIS_ROW, 200)
        predict_iris(server, {**IRIS_ROW, "sepal_length": -1.0}, 400)
        for _ in range(3):
            call_slow(server, sleep_ms=0, status=200)
        call_slow(server, sleep_ms=300, status=504, timeout_us=50_000)
        yield server
    finally:
        server.stop()


def predict_iris(server: RunningServer, row: dict[str, float], status: int) -> None:
    assert http_json(f"{server.url}/v1/models/iris:predict", {"instances": [row]})[0] == status


def call_slow(server: RunningServer, sleep_ms: float, status: int, timeout_us: int | None = None) -> None:
    assert http_json(f"{server.url}/v2/models/slow/infer", slow_request(sleep_ms, timeout_us))[0] == status


def slo_status(inferd: Inferd, url: str, config: Path, *options: str) -> tuple[int, str, str]:
    return inferd("slo", "status", "--url", url, "--config", str(config), *options)


def by_model(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["model"], row["sli"]): row for row in document["objectives"]}


def test_json_gives_each_objectives_sli_and_budget_since_the_server_started(
    inferd: Inferd, steady: RunningServer, config: Path
) -> None:
    code, out, err = slo_status(inferd, steady.url, config, "--interval-s", "0.2", "--json")
    assert code == 0, err
    rows = by_model(json.loads(out))
    assert sorted(rows) == [
        ("idle", "availability"),
        ("iris", "availability"),
        ("iris", "latency"),
        ("slow", "availability"),
    ]
    iris = rows[("iris", "availability")]
    assert (iris["requests"], iris["sli_value"], iris["budget_left"]) == (10, 1.0, 1.0)
    assert (iris["interval_requests"], iris["burn_rate"]) == (0, None)  # nothing asked during the interval
    latency = rows[("iris", "latency")]
    assert (latency["threshold_s"], latency["target"], latency["sli_value"]) == (1.0, 0.9, 1.0)
    slow = rows[("slow", "availability")]
    assert (slow["requests"], slow["sli_value"], slow["target"]) == (4, 0.75, 0.999)
    assert slow["budget_left"] == -249.0
    idle = rows[("idle", "availability")]
    assert [idle[key] for key in ("requests", "sli_value", "budget_left", "burn_rate")] == [
        0,
        None,
        None,
        None,
    ]


def test_the_table_shows_budget_left_and_no_traffic(
    inferd: Inferd, steady: RunningServer, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # Rich wraps cells to the terminal's width
    code, out, err = slo_status(inferd, steady.url, config, "--interval-s", "0.2")
    assert code == 0, err
    lines = {line.split()[1]: line for line in out.splitlines() if len(line.split()) > 1}  # by model
    assert "availability 99.9% / 28d" in lines["slow"]
    assert "75.000%" in lines["slow"]
    assert "-24900.0%" in lines["slow"]
    assert "no traffic" in lines["idle"]
    assert "100.000%" in lines["iris"]


def test_the_burn_rate_is_measured_over_the_interval(inferd: Inferd, home: Path, config: Path) -> None:
    server = start_server(home, "--grpc-port", "0")
    try:
        predict_iris(server, IRIS_ROW, 200)  # before the first scrape: not in the interval
        result: list[tuple[int, str, str]] = []
        command = threading.Thread(
            target=lambda: result.append(
                slo_status(inferd, server.url, config, "--interval-s", "2", "--json")
            )
        )
        command.start()
        time.sleep(0.7)  # the first scrape is taken at once; the traffic falls between the two
        for _ in range(4):
            predict_iris(server, IRIS_ROW, 200)
        call_slow(server, sleep_ms=300, status=504, timeout_us=50_000)
        command.join()
    finally:
        server.stop()
    [(code, out, err)] = result
    assert code == 0, err
    rows = by_model(json.loads(out))
    iris, slow = rows[("iris", "availability")], rows[("slow", "availability")]
    assert (iris["requests"], iris["interval_requests"], iris["burn_rate"]) == (5, 4, 0.0)
    # Every request of the interval failed: 100% against a 0.1% budget.
    assert (slow["interval_requests"], slow["burn_rate"]) == (1, pytest.approx(1000.0, rel=1e-9))


def test_a_server_without_metrics_is_named(inferd: Inferd, home: Path, config: Path) -> None:
    server = start_server(home, "--grpc-port", "0", "--no-metrics")
    try:
        code, _, err = slo_status(inferd, server.url, config, "--interval-s", "0.1")
    finally:
        server.stop()
    assert code == 1
    assert "/metrics is not served" in err
    assert "--no-metrics" in err


def test_an_unreachable_server_is_one_clear_line(inferd: Inferd, config: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = slo_status(inferd, url, config, "--interval-s", "0.1")
    assert code == 1
    assert f"cannot reach the server at {url}" in err
    assert os.linesep not in err.strip()
