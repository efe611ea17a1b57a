"""Server lifecycle: readiness while loading, hot swaps under load, graceful shutdown, workers."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from inferd.config import RegistrySettings
from inferd.contract import Contract
from inferd.registry import Registry
from inferd.serving.registration import register_model
from tests.models import train_onnx_classifier
from tests.server.fixtures import (
    SLOW_CONTRACT,
    SLOW_MODEL,
    RunningServer,
    http,
    http_json,
    run_cli,
    start_server,
    write_python_model,
)

SLOW_LOADING_MODEL = """
import time


class Model:
    def load(self, path):
        time.sleep(3)

    def predict(self, batch):
        return {"y": batch["x"] + 1}
"""
SLOW_LOADING_CONTRACT = {
    "inputs": [{"name": "x", "dtype": "float32"}],
    "outputs": [{"name": "y", "dtype": "float32"}],
}
ROW = {"inputs": [{"name": "input", "shape": [1, 6], "datatype": "FP32", "data": [0.1] * 6}]}


def register(home: Path, name: str, path: Path, contract: Contract | None = None) -> int:
    with Registry.open(RegistrySettings(home=home)) as registry:
        return register_model(registry, name, path, contract=contract).version


def set_alias(home: Path, name: str, version: int) -> None:
    with Registry.open(RegistrySettings(home=home)) as registry:
        registry.set_alias(name, "production", version, reason="test")


@pytest.fixture
def clf_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    models = tmp_path / "models"
    models.mkdir()
    path = train_onnx_classifier(models)
    set_alias(home, "clf", register(home, "clf", path))
    return home


def test_not_ready_while_loading_and_requests_wait_for_the_model(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder, _ = write_python_model(tmp_path / "slowload", SLOW_LOADING_MODEL, SLOW_LOADING_CONTRACT)
    set_alias(home, "late", register(home, "late", folder, Contract.from_dict(SLOW_LOADING_CONTRACT)))
    server = start_server(home, "--grpc-port", "0", wait_ready=False)
    try:
        assert http(f"{server.url}/v2/health/ready")[0] == 503
        body = {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1.5]}]}
        status, answer = http_json(f"{server.url}/v2/models/late/infer", body, timeout_s=30)
        assert status == 200, answer
        assert answer["outputs"][0]["data"] == [2.5]
        assert http(f"{server.url}/v2/health/ready")[0] == 200
    finally:
        assert server.stop() == 0


EXITING_MODEL = """
import os
import sys


class Model:
    def load(self, path):
        if os.environ.get("EXIT_ON_LOAD"):  # only in the server: registration loads it too
            sys.exit(3)

    def predict(self, batch):
        return {"y": batch["x"] + 1}
"""


def test_a_model_whose_code_exits_while_loading_fails_to_load_and_the_server_stays_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    folder, _ = write_python_model(tmp_path / "exiting", EXITING_MODEL, SLOW_LOADING_CONTRACT)
    set_alias(home, "quits", register(home, "quits", folder, Contract.from_dict(SLOW_LOADING_CONTRACT)))
    monkeypatch.setenv("EXIT_ON_LOAD", "1")
    server = start_server(home, "--grpc-port", "0", wait_ready=False)
    try:
        body = {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1.5]}]}
        status, answer = http_json(f"{server.url}/v2/models/quits/infer", body, timeout_s=30)
        assert status == 503, answer
        assert "failed to load" in answer["error"]
        assert "SystemExit" in answer["error"]
        status, index = http_json(f"{server.url}/v2/repository/index", {})
        assert status == 200
        assert [(entry["name"], entry["state"]) for entry in index] == [("quits", "UNAVAILABLE")]
        assert "SystemExit" in index[0]["reason"]
        assert http(f"{server.url}/v2/health/live")[0] == 200
    finally:
        assert server.stop() == 0


def drive(server: RunningServer, stop: threading.Event, outcomes: Counter[str]) -> None:
    while not stop.is_set():
        status, body = http_json(f"{server.url}/v2/models/clf/infer", ROW)
        outcomes[f"{status}:v{body.get('model_version')}" if status == 200 else f"{status}:{body}"] += 1


def test_alias_move_swaps_versions_under_load_with_zero_failed_requests(
    clf_home: Path, tmp_path: Path
) -> None:
    server = start_server(clf_home, "--grpc-port", "0", "--watch-interval-s", "0.3")
    stop, outcomes = threading.Event(), Counter[str]()
    try:
        with ThreadPoolExecutor(4) as pool:
            for _ in range(4):
                pool.submit(drive, server, stop, outcomes)
            time.sleep(1.0)
            other = tmp_path / "v2"
            other.mkdir()
            set_alias(clf_home, "clf", register(clf_home, "clf", train_onnx_classifier(other, n_features=6)))
            deadline = time.monotonic() + 30
            while outcomes["200:v2"] < 50 and time.monotonic() < deadline:
                time.sleep(0.1)
            stop.set()
    finally:
        stop.set()
        assert server.stop() == 0
    failures = {k: v for k, v in outcomes.items() if not k.startswith("200:")}
    assert not failures, failures
    assert outcomes["200:v1"] > 0
    assert outcomes["200:v2"] >= 50


def test_inferd_reload_swaps_at_once(clf_home: Path, tmp_path: Path) -> None:
    server = start_server(clf_home, "--grpc-port", "0", "--watch-interval-s", "0")
    try:
        other = tmp_path / "v2"
        other.mkdir()
        set_alias(clf_home, "clf", register(clf_home, "clf", train_onnx_classifier(other)))
        assert http_json(f"{server.url}/v2/models/clf/infer", ROW)[1]["model_version"] == "1"
        out = run_cli(clf_home, "reload", "--url", server.url)
        assert "clf:2" in out
        assert http_json(f"{server.url}/v2/models/clf/infer", ROW)[1]["model_version"] == "2"
    finally:
        server.stop()


def test_sigterm_finishes_requests_in_flight_and_exits_zero(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder, _ = write_python_model(tmp_path / "slow", SLOW_MODEL, SLOW_CONTRACT)
    set_alias(home, "slow", register(home, "slow", folder, Contract.from_dict(SLOW_CONTRACT)))
    server = start_server(home, "--grpc-port", "0")
    body = {
        "inputs": [
            {"name": "x", "shape": [1], "datatype": "FP32", "data": [1.0]},
            {"name": "sleep_ms", "shape": [1], "datatype": "FP32", "data": [1000.0]},
        ]
    }
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(http_json, f"{server.url}/v2/models/slow/infer", body)
        time.sleep(0.3)
        code = server.stop()
        status, answer = in_flight.result()
    assert status == 200, answer
    assert answer["outputs"][0]["data"] == [2.0]
    assert code == 0
    with pytest.raises(OSError, match="refused"):
        http(f"{server.url}/v2/health/live", timeout_s=2)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to pin workers apart")
def test_with_cpu_affinity_each_worker_runs_its_loop_and_model_on_a_cpu_of_its_own(clf_home: Path) -> None:
    server = start_server(clf_home, "--workers", "2", "--cpu-affinity")
    try:
        server.wait_for_workers(2)
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: http_json(f"{server.url}/v2/models/clf/infer", ROW), range(32)))
        assert all(status == 200 for status, _ in results)
        workers = _children(server.process.pid)
        assert len(workers) == 2
        loop_cpus = [_allowed_cpus(pid, pid) for pid in workers]  # a process's main thread has its pid
        assert all(cpus.isdigit() for cpus in loop_cpus), loop_cpus  # one CPU each, not a list or range
        assert loop_cpus[0] != loop_cpus[1]
        beside_the_loop = 0
        for pid, cpus in zip(workers, loop_cpus, strict=True):
            threads = [_allowed_cpus(pid, int(task.name)) for task in Path(f"/proc/{pid}/task").iterdir()]
            assert any(not t.isdigit() for t in threads), threads  # granian's I/O threads keep every CPU
            beside_the_loop += threads.count(cpus) - 1
        # The model thread of a worker that served a batch runs on its loop's CPU (which worker
        # accepted the requests is up to the kernel, so at least one did).
        assert beside_the_loop >= 1
    finally:
        assert server.stop() == 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _allowed_cpus(pid: int, tid: int) -> str:
    status = Path(f"/proc/{pid}/task/{tid}/status").read_text()
    return next(line.split()[1] for line in status.splitlines() if line.startswith("Cpus_allowed_list"))


def test_two_workers_share_the_ports(clf_home: Path) -> None:
    server = start_server(clf_home, "--workers", "2")
    try:
        server.wait_for_workers(2)
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: http_json(f"{server.url}/v2/models/clf/infer", ROW), range(64)))
        assert all(status == 200 for status, _ in results)
        probabilities = {tuple(np.round(b["outputs"][1]["data"], 6)) for _, b in results}
        assert len(probabilities) == 1
        assert server.log().count("serving clf:1") == 2
    finally:
        assert server.stop() == 0
