"""SIGTERM while the workers are still starting: the server stops at once and exits 0.

Kubernetes sends SIGTERM to a pod that is still starting as readily as to one that
serves, and kills it 30 s later; granian's own limit for a worker is 35 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from inferd.contract import Contract
from tests.server.fixtures import (
    ECHO_MODEL,
    INFERD,
    echo_contract,
    register_in_production,
    write_python_model,
)
from tests.services import free_port

STOP_BOUND_S = 10.0


@pytest.fixture(scope="module")
def echo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with one model that loads at once, so stopping waits for no load."""
    home = tmp_path_factory.mktemp("early-sigterm-home")
    folder, _ = write_python_model(home.parent / "early-sigterm-echo", ECHO_MODEL, echo_contract())
    register_in_production(home, [("echo", folder, Contract.from_dict(echo_contract()))])
    return home


def wait_for_line(log_path: Path, line: str, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while line not in log_path.read_text():
        assert process.poll() is None, f"server exited with {process.returncode}:\n{log_path.read_text()}"
        assert time.monotonic() < deadline, f"no {line!r} within {timeout_s:.0f} s:\n{log_path.read_text()}"
        time.sleep(0.005)


def sigterm_on_line(home: Path, log_path: Path, args: list[str], line: str, env: dict[str, str]) -> None:
    """Start ``inferd serve ARGS``, SIGTERM it once ``line`` is logged; it must exit 0 within the bound."""
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [INFERD, "serve", "--http-port", str(free_port()), "--grpc-port", "0", *args],
            # On a hang, SIGABRT makes every process print where it is stuck.
            env={**os.environ, "INFERD_HOME": str(home), "PYTHONFAULTHANDLER": "1", **env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group, to signal with its workers
        )
    try:
        wait_for_line(log_path, line, process)
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        try:
            exit_code = process.wait(STOP_BOUND_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGABRT)
            time.sleep(1)
            pytest.fail(f"still running {STOP_BOUND_S:.0f} s after SIGTERM:\n{log_path.read_text()}")
        stop_s = time.monotonic() - signalled
    finally:
        if process.poll() is None:  # its workers too: granian joins them before it exits
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert exit_code == 0, log_path.read_text()
    assert stop_s < STOP_BOUND_S
    assert "Killing worker" not in log_path.read_text()


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_while_workers_start_exits_0_within_seconds(echo_home: Path, workers: int) -> None:
    # "Spawning": the last worker is forked and importing the app, long before it serves.
    sigterm_on_line(
        echo_home,
        echo_home / f"server-{workers}-workers.log",
        ["--workers", str(workers)],
        f"Spawning worker-{workers} ",
        {},
    )


SLOW_LOADING_MODEL = '''
import os
import sys
import time


class Model:
    """Takes a minute to load in the server (a large model from a slow store); returns its input.

    Registration loads it too, to check it: there it loads at once.
    """

    def load(self, path):
        if os.environ.get("SLOW_LOAD_S"):
            print("slow load started", file=sys.stderr, flush=True)
            time.sleep(float(os.environ["SLOW_LOAD_S"]))

    def predict(self, batch):
        return {"out_" + name: array for name, array in batch.items()}
'''


def test_sigterm_while_a_model_loads_exits_0_without_waiting_for_the_load(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder, _ = write_python_model(tmp_path / "slow-loading", SLOW_LOADING_MODEL, echo_contract())
    register_in_production(home, [("slow", folder, Contract.from_dict(echo_contract()))])
    sigterm_on_line(home, tmp_path / "server.log", [], "slow load started", {"SLOW_LOAD_S": "60"})
