"""Traces, structured logs and the prediction log through a running server, and PII kept out of all three."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import grpc
import pytest

from inferd.config import RegistrySettings
from inferd.contract import Contract
from inferd.registry import Registry
from inferd.serving.registration import register_model
from tests.server.fixtures import RunningServer, http, start_server, write_python_model
from tests.server.otlp_receiver import otlp_receiver
from tests.services import fresh_postgres_database

EMAIL = "alice.pii.4242@example.com"
CARD = "4111-9999-2024-7777"
PII_KEY = "test-secret-key"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"

SCORER = '''
import numpy as np


class Model:
    """Scores a payment from its amount; takes the customer's email and card too (marked pii)."""

    def load(self, path):
        pass

    def predict(self, batch):
        return {"score": np.asarray(batch["amount"], dtype=np.float32) * 2}
'''
SCORER_CONTRACT: dict[str, Any] = {
    "inputs": [
        {"name": "email", "dtype": "object", "pii": True},
        {"name": "card", "dtype": "object", "pii": True},
        {"name": "amount", "dtype": "float32", "min": 0},
    ],
    "outputs": [{"name": "score", "dtype": "float32"}],
}


@pytest.fixture(scope="module")
def scorer_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("telemetry-home")
    folder, _ = write_python_model(tmp_path_factory.mktemp("scorer") / "scorer", SCORER, SCORER_CONTRACT)
    with Registry.open(RegistrySettings(home=home)) as registry:
        version = register_model(registry, "scorer", folder, contract=Contract.from_dict(SCORER_CONTRACT))
        registry.set_alias("scorer", "production", version.version)
    return home


def row(amount: float = 12.5, email: str = EMAIL, card: str = CARD) -> dict[str, Any]:
    return {"email": email, "card": card, "amount": amount}


def predict(
    server: RunningServer, rows: list[dict[str, Any]], **headers: str
) -> tuple[int, dict[str, str], Any]:
    status, response_headers, body = http(
        f"{server.url}/v1/models/scorer:predict", {"instances": rows}, headers=headers
    )
    return status, {k.lower(): v for k, v in response_headers.items()}, json.loads(body)


@pytest.fixture
def pii_key() -> Iterator[None]:
    os.environ["INFERD_PREDICTION_LOG_PII_KEY"] = PII_KEY
    try:
        yield
    finally:
        del os.environ["INFERD_PREDICTION_LOG_PII_KEY"]


def every_file_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())


def test_traces_logs_and_prediction_log_tell_one_story_without_pii(scorer_home: Path, pii_key: None) -> None:
    with otlp_receiver() as (endpoint, received):
        server = start_server(
            scorer_home,
            *("--trace", "--otlp-endpoint", endpoint),
            *("--log-format", "json", "--access-log"),
            *("--prediction-log", "parquet", "--pii-mode", "hash"),
        )
        try:
            # A caller's trace continues here, and the answer names the span that served it.
            traceparent = f"00-{TRACE_ID}-{PARENT_SPAN}-01"
            status, headers, body = predict(server, [row(), row(3.0)], traceparent=traceparent)
            assert status == 200, body
            assert headers["traceresponse"].startswith(f"00-{TRACE_ID}-")
            prediction_id = body["prediction_id"]
            assert headers["inferd-prediction-id"] == prediction_id
            # The same through gRPC, with the traceparent in the call's metadata.
            grpc_trace_id = grpc_infer_with_traceparent(server)
            # A client's mistake: refused, logged without its values.
            status, _, body = predict(server, [row(-1.0)])
            assert status == 400
            assert "amount" in body["error"]
            status, _, body = predict(server, [row(7.0, email="bob.pii@example.org")])
            assert status == 200
            second_id = body["prediction_id"]
        finally:
            assert server.stop() == 0  # SIGTERM: the log's buffer and the spans are flushed
        log_text = server.log()

    # Traces: the caller's trace id and parent, a span per stage, the model and version named.
    root = next(s for s in received.spans if s["name"] == "inference" and s["traceId"] == TRACE_ID)
    assert root["parentSpanId"] == PARENT_SPAN
    assert root["kind"] == 2  # SERVER
    attributes = received.attributes(root)
    assert (attributes["inferd.model"], attributes["inferd.model_version"]) == ("scorer", "1")
    assert attributes["inferd.rows"] == "2"  # int64 is a string in OTLP JSON
    children = [s for s in received.spans if s.get("parentSpanId") == root["spanId"]]
    assert {"validate", "batched model"} <= {s["name"] for s in children}
    for child in children:  # each stage lies within its request
        assert int(root["startTimeUnixNano"]) <= int(child["startTimeUnixNano"])
        assert int(child["endTimeUnixNano"]) <= int(root["endTimeUnixNano"])
    assert {"key": "service.name", "value": {"stringValue": "inferd"}} in received.resources[0]["attributes"]
    assert any(s["traceId"] == grpc_trace_id and s["name"] == "inference" for s in received.spans)
    refused = next(s for s in received.spans if received.attributes(s).get("inferd.status_code") == "400")
    assert received.attributes(refused)["error.type"] == "ContractViolationError"
    assert "status" not in refused  # the client's mistake is not our error

    # Logs: JSON lines; the access line carries the request, trace, model and version.
    lines = [json.loads(line) for line in log_text.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "inferd.access"]
    first = next(line for line in access if line.get("request_id") == prediction_id)
    assert first["trace_id"] == TRACE_ID
    assert (first["model"], first["version"], first["status"]) == ("scorer", "1", 200)
    assert any(line["status"] == 400 for line in access)

    # The prediction log: every accepted request, joinable by the id the client got, PII hashed.
    folder = scorer_home / "predictions"
    table = duckdb.sql(
        f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true) ORDER BY time, row"
    ).fetchall()
    columns = [
        c[0] for c in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{folder}/**/*.parquet')").fetchall()
    ]
    records = [dict(zip(columns, values, strict=True)) for values in table]
    assert [r["prediction_id"] for r in records].count(prediction_id) == 2
    assert second_id in {r["prediction_id"] for r in records}
    logged = next(r for r in records if r["prediction_id"] == prediction_id)
    assert logged["trace_id"] == TRACE_ID
    assert logged["input__amount"] == pytest.approx(12.5)
    assert len(logged["input__email"]) >= 16
    assert logged["input__email"] != EMAIL

    # PII appears nowhere: not in the log files, the traces, nor the server's own log.
    for secret in (EMAIL, CARD, "bob.pii@example.org"):
        raw = secret.encode()
        assert raw not in every_file_bytes(folder)
        assert all(raw not in body for body in received.bodies)
        assert secret not in log_text
        assert all(secret not in str(value) for r in records for value in r.values())


def grpc_infer_with_traceparent(server: RunningServer) -> str:
    from inferd.protocol.grpc import pb
    from inferd.protocol.grpc.open_inference_grpc_pb2_grpc import GRPCInferenceServiceStub

    trace_id = "0af7651916cd43dd8448eb211c80319c"
    request = pb.ModelInferRequest(model_name="scorer")
    for name, datatype, contents in (
        ("email", "BYTES", {"bytes_contents": [EMAIL.encode()]}),
        ("card", "BYTES", {"bytes_contents": [CARD.encode()]}),
        ("amount", "FP32", {"fp32_contents": [1.0]}),
    ):
        tensor = request.inputs.add(name=name, datatype=datatype, shape=[1])
        for key, values in contents.items():
            getattr(tensor.contents, key).extend(values)
    with grpc.insecure_channel(server.grpc_url) as channel:
        stub = GRPCInferenceServiceStub(channel)  # type: ignore[no-untyped-call]
        response, call = stub.ModelInfer.with_call(
            request, metadata=[("traceparent", f"00-{trace_id}-b7ad6b7169203331-01")], timeout=30
        )
    trailing = dict(call.trailing_metadata())
    assert trailing["traceresponse"].startswith(f"00-{trace_id}-")
    assert trailing["inferd-prediction-id"] == response.parameters["prediction_id"].string_param
    return trace_id


def test_the_prediction_log_in_postgresql_keeps_every_request_through_a_shutdown(
    scorer_home: Path, pii_key: None
) -> None:
    import psycopg

    with fresh_postgres_database() as url:
        server = start_server(scorer_home, "--prediction-log", url, "--grpc-port", "0")
        ids = []
        try:
            for i in range(25):
                status, _, body = predict(server, [row(float(i)), row(float(i) + 0.5)])
                assert status == 200
                ids.append(body["prediction_id"])
        finally:
            assert server.stop() == 0
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
            stored = connection.execute(
                "SELECT prediction_id, count(*), bool_or(inputs::text LIKE %s) FROM inferd_predictions"
                " GROUP BY prediction_id",
                (f"%{EMAIL}%",),
            ).fetchall()
    assert sorted(p for p, _, _ in stored) == sorted(ids)
    assert {n for _, n, _ in stored} == {2}
    assert not any(leaked for _, _, leaked in stored)
