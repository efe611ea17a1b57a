"""The gRPC API as tritonclient.grpc sees it (the client runs in its own process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.server.fixtures import RunningServer

CLIENT = Path(__file__).with_name("grpc_client.py")


@pytest.fixture(scope="module")
def seen(server: RunningServer) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(CLIENT), server.grpc_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    observed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return observed


def test_grpc_health_metadata_and_readiness(seen: dict[str, Any]) -> None:
    assert seen["live"] is True
    assert seen["ready"] is True
    assert "statistics" in seen["extensions"]
    assert seen["model_ready"] is True
    assert seen["model_ready_v9"] is False
    assert seen["inputs"] == [{"name": "input", "datatype": "FP32", "shape": ["-1", "6"]}]


def test_grpc_infer_returns_labels_probabilities_and_the_request_id(seen: dict[str, Any]) -> None:
    assert seen["id"] == "g-1"
    assert seen["probabilities_sum"] == pytest.approx([1.0] * 4, rel=1e-5)
    assert seen["label_is_argmax"] is True
    assert seen["inference_count"] >= 4


def test_grpc_errors_carry_the_matching_status_codes(seen: dict[str, Any]) -> None:
    assert seen["bad_shape"]["status"] == "StatusCode.INVALID_ARGUMENT"
    assert "input" in seen["bad_shape"]["message"]
    assert seen["unknown_model"]["status"] == "StatusCode.NOT_FOUND"
    assert seen["unknown_version"]["status"] == "StatusCode.NOT_FOUND"
    assert seen["contract_violation"]["status"] == "StatusCode.INVALID_ARGUMENT"
    assert "sleep_ms" in seen["contract_violation"]["message"]
    assert "row 0" in seen["contract_violation"]["message"]
    assert seen["deadline"]["status"] == "StatusCode.DEADLINE_EXCEEDED"


def test_grpc_repository_index_lists_served_models(seen: dict[str, Any]) -> None:
    assert {"clf", "iris", "slow", "echo"} <= set(seen["index"])


def test_grpc_metadata_and_statistics_of_an_unknown_model_are_not_found(seen: dict[str, Any]) -> None:
    assert seen["metadata_unknown"]["status"] == "StatusCode.NOT_FOUND"
    assert "nope" in seen["metadata_unknown"]["message"]
    assert seen["statistics_unknown"]["status"] == "StatusCode.NOT_FOUND"


def test_grpc_repository_unload_and_load(seen: dict[str, Any]) -> None:
    assert seen["echo_ready_unloaded"] is False
    assert seen["echo_state_unloaded"] == "UNAVAILABLE"
    assert seen["echo_ready_reloaded"] is True
    assert seen["load_unknown"]["status"] == "StatusCode.NOT_FOUND"
