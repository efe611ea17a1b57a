"""A model that fails unexpectedly: the server's own error (500 / INTERNAL), logged, and it serves on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from inferd.contract import Contract
from tests.server.fixtures import (
    RunningServer,
    http_json,
    register_in_production,
    start_server,
    write_python_model,
)

FLAKY_MODEL = """
import numpy as np


class Model:
    def predict(self, batch):
        x = np.asarray(batch["x"], dtype=np.float32)
        if (x < 0).any():
            raise RuntimeError("the model's own bug, with a secret value 12345 in its message")
        if (x > 100).any():
            return {"y": np.concatenate([x, x])}  # a row too many: refused by inferd's check of outputs
        return {"y": x + 1}
"""
FLAKY_CONTRACT = {
    "inputs": [{"name": "x", "dtype": "float32"}],
    "outputs": [{"name": "y", "dtype": "float32"}],
}


def body(x: float) -> dict[str, object]:
    return {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [x]}]}


def grpc_status(url: str, x: float) -> tuple[grpc.StatusCode, str]:
    from inferd.protocol.grpc import pb
    from inferd.protocol.grpc.open_inference_grpc_pb2_grpc import GRPCInferenceServiceStub

    request = pb.ModelInferRequest(model_name="flaky")
    request.inputs.add(name="x", datatype="FP32", shape=[1]).contents.fp32_contents.append(x)
    with grpc.insecure_channel(url) as channel:
        stub = GRPCInferenceServiceStub(channel)  # type: ignore[no-untyped-call]
        try:
            stub.ModelInfer(request, timeout=30)
        except grpc.RpcError as exc:
            return exc.code(), exc.details() or ""  # type: ignore[no-any-return]
    return grpc.StatusCode.OK, ""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of its own for each test, serving the flaky model: its log is that test's."""
    home = tmp_path / "home"
    folder, contract = write_python_model(tmp_path / "flaky", FLAKY_MODEL, FLAKY_CONTRACT)
    register_in_production(home, [("flaky", folder, Contract.load(contract))])
    running = start_server(home)
    yield running
    assert running.stop() == 0


def test_a_model_that_raises_is_a_500_and_internal_logged_and_the_server_serves_on(
    server: RunningServer,
) -> None:
    url = f"{server.url}/v2/models/flaky/infer"
    status, answer = http_json(url, body(-1.0))
    assert status == 500
    assert answer == {"error": "internal server error (logged)"}
    code, details = grpc_status(server.grpc_url, -1.0)
    assert code == grpc.StatusCode.INTERNAL
    assert "12345" not in details  # an exception's message may quote request values
    status, answer = http_json(url, body(1.0))
    assert status == 200, answer
    assert answer["outputs"][0]["data"] == [2.0]
    assert grpc_status(server.grpc_url, 1.0)[0] == grpc.StatusCode.OK
    assert "RuntimeError" in server.log()  # logged for the operator, with its traceback


def test_a_model_that_breaks_its_signature_is_a_500_and_internal_and_logged(server: RunningServer) -> None:
    status, answer = http_json(f"{server.url}/v2/models/flaky/infer", body(500.0))
    assert status == 500
    assert "output 'y'" in answer["error"]
    assert grpc_status(server.grpc_url, 500.0)[0] == grpc.StatusCode.INTERNAL
    # Both are in the operator's log, not only in the answers.
    assert server.log().count("internal error") == 2, server.log()
    assert http_json(f"{server.url}/v2/models/flaky/infer", body(1.0))[0] == 200
