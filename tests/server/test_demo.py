"""`make demo`'s promise: the demo models are trained, registered and served, and the lines it prints work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from inferd.cli.demo import how_to_call
from tests.server.fixtures import run_cli, start_server


def test_the_printed_curl_and_python_lines_work_against_the_demo_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = run_cli(home, "demo", "--no-serve")
    assert "tabular-gbm:1" in out
    server = start_server(home)
    try:
        lines = how_to_call(server.http_port, server.grpc_port).splitlines()
        calls = [line for line in lines if line.startswith(("curl ", "python -c"))]
        assert len(calls) == 3
        for call in calls:
            command = call.replace("python -c", f"{sys.executable} -c", 1)
            result = subprocess.run(
                command, shell=True, capture_output=True, text=True, timeout=60, check=False
            )
            assert result.returncode == 0, (call, result.stderr)
            answer = result.stdout.strip()
            assert "label" in answer, (call, answer)
            if call.startswith("curl"):
                assert "error" not in json.loads(answer)
    finally:
        assert server.stop() == 0
