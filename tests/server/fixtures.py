"""Models and running servers for the server tests.

Servers run as real ``inferd serve`` subprocesses on free loopback ports, so
the tests see exactly what a client sees (and tritonclient's gRPC stubs never
share a process with ours).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inferd.config import RegistrySettings
from inferd.contract import Contract
from inferd.registry import Registry
from inferd.serving.registration import register_model
from tests.services import free_port

INFERD = str(Path(sys.executable).parent / "inferd")

SLOW_MODEL = '''
import time

import numpy as np


class Model:
    """Echoes x; sleeps for the largest sleep_ms in the batch (tests of queues and deadlines)."""

    def load(self, path):
        pass

    def predict(self, batch):
        time.sleep(float(np.max(batch["sleep_ms"])) / 1000.0)
        return {"echo": np.asarray(batch["x"], dtype=np.float32) * 2}
'''

SLOW_CONTRACT = {
    "inputs": [
        {"name": "x", "dtype": "float32"},
        {"name": "sleep_ms", "dtype": "float32", "min": 0, "max": 5000},
    ],
    "outputs": [{"name": "echo", "dtype": "float32"}],
}

IRIS_FIELDS = ("sepal_length", "sepal_width", "petal_length", "petal_width")


def iris_contract() -> Contract:
    """The iris fields, float64 and never negative."""
    return Contract.from_dict({"inputs": [{"name": f, "dtype": "float64", "min": 0} for f in IRIS_FIELDS]})


def slow_request(sleep_ms: float, timeout_us: int | None = None) -> dict[str, Any]:
    """A v2 request of one row for SLOW_MODEL: it sleeps ``sleep_ms``; ``timeout_us`` asks for a deadline."""
    body: dict[str, Any] = {
        "inputs": [
            {"name": "x", "shape": [1], "datatype": "FP32", "data": [1.0]},
            {"name": "sleep_ms", "shape": [1], "datatype": "FP32", "data": [sleep_ms]},
        ]
    }
    if timeout_us is not None:
        body["parameters"] = {"timeout": timeout_us}
    return body


def register_in_production(home: Path, entries: list[tuple[str, Path, Contract | None]]) -> None:
    """Register each (name, artifact, contract) under ``home`` and point its production alias at it."""
    with Registry.open(RegistrySettings(home=home)) as registry:
        for name, path, contract in entries:
            version = register_model(registry, name, path, contract=contract)
            registry.set_alias(name, "production", version.version)


ECHO_MODEL = '''
class Model:
    """Returns every input unchanged, under the name out_<input>."""

    def load(self, path):
        pass

    def predict(self, batch):
        return {"out_" + name: array for name, array in batch.items()}
'''

ECHO_DTYPES = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "object",
]


def echo_contract() -> dict[str, Any]:
    inputs = [{"name": f"in_{d}", "dtype": d, "shape": [2]} for d in ECHO_DTYPES]
    outputs = [{"name": f"out_in_{d}", "dtype": d, "shape": [2]} for d in ECHO_DTYPES]
    return {"inputs": inputs, "outputs": outputs}


def write_python_model(folder: Path, source: str, contract: dict[str, Any]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.py").write_text(source)
    contract_path = folder.parent / f"{folder.name}-contract.json"
    contract_path.write_text(json.dumps(contract))
    return folder, contract_path


def run_cli(home: Path, *args: str) -> str:
    result = subprocess.run(
        [INFERD, *args],
        env={**os.environ, "INFERD_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    http_port: int
    grpc_port: int
    home: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc_url(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for_workers(self, workers: int, timeout_s: float = 60) -> None:
        """Until ``workers`` worker processes have settled their heaps, i.e. loaded every model.

        Ready means one worker is; on a busy machine another may start seconds later, and a
        test about every worker (the shared ports, the metrics of both) must wait for it.
        """
        deadline = time.monotonic() + timeout_s
        while self.log().count("heap settled") < workers:
            assert time.monotonic() < deadline, f"{workers} workers did not start within {timeout_s:.0f} s"
            time.sleep(0.1)

    def stop(self, timeout_s: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def start_server(home: Path, *extra: str, wait_ready: bool = True, timeout_s: float = 90) -> RunningServer:
    http_port, grpc_port = free_port(), free_port()
    log_path = home / f"server-{http_port}.log"
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [INFERD, "serve", "--http-port", str(http_port), "--grpc-port", str(grpc_port), *extra],
        env={**os.environ, "INFERD_HOME": str(home)},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log_file.close()
    server = RunningServer(process, http_port, grpc_port, home, log_path)
    deadline = time.monotonic() + timeout_s
    path = "/v2/health/ready" if wait_ready else "/v2/health/live"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{server.log()}")
        with contextlib.suppress(OSError):
            if http(server.url + path)[0] == 200:
                return server
        time.sleep(0.1)
    server.stop()
    raise AssertionError(f"server not ready after {timeout_s} s:\n{server.log()}")


def http(
    url: str,
    body: bytes | dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) for a GET, or a POST when ``body`` is given; never raises on HTTP errors."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(
        url, data=data, headers=headers or {}, method="POST" if data is not None else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


def http_json(url: str, body: dict[str, Any] | None = None, timeout_s: float = 30) -> tuple[int, Any]:
    status, _, raw = http(url, body, timeout_s=timeout_s)
    return status, json.loads(raw) if raw else None


@contextlib.contextmanager
def served(home: Path, *extra: str) -> Iterator[RunningServer]:
    server = start_server(home, *extra)
    try:
        yield server
    finally:
        server.stop()
