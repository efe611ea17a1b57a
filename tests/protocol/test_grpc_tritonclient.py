"""Triton's own gRPC client against inferd's stubs and converters, over a real channel."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest

from inferd.errors import InferdError
from inferd.protocol import InferenceResponse
from inferd.protocol.grpc import open_inference_grpc_pb2_grpc as services
from inferd.protocol.grpc import pb, request_from_message, response_to_message

CLIENT_SCRIPT = Path(__file__).with_name("tritonclient_grpc_echo.py")


class EchoService(services.GRPCInferenceServiceServicer):
    """Answers ModelInfer with the decoded inputs as outputs; a stand-in for the edge."""

    def ModelInfer(  # noqa: N802 (the generated servicer's method name)
        self, request: pb.ModelInferRequest, context: grpc.ServicerContext
    ) -> pb.ModelInferResponse:
        try:
            decoded = request_from_message(request)
        except InferdError as exc:
            context.abort(getattr(grpc.StatusCode, exc.grpc_code), str(exc))
        response = InferenceResponse(request.model_name, decoded.inputs, id=decoded.id)
        return response_to_message(response)


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    services.add_GRPCInferenceServiceServicer_to_server(EchoService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None).wait()


def test_tritonclient_grpc_round_trips_every_datatype_and_gets_invalid_argument(echo_server: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(CLIENT_SCRIPT), echo_server],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report.pop("id") == "r-1"
    error = report.pop("error")
    assert report == dict.fromkeys(report, True), report
    assert len(report) == 13
    assert error["status"] == "StatusCode.INVALID_ARGUMENT"
    assert "input 'x'" in error["message"]
    assert "needs 16" in error["message"]
