"""The REST API as standard clients see it: Open Inference Protocol v2 and the records API."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from tests.server.fixtures import ECHO_DTYPES, RunningServer, http, http_json

IRIS_ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


@pytest.fixture
def client(server: RunningServer) -> httpclient.InferenceServerClient:
    return httpclient.InferenceServerClient(f"127.0.0.1:{server.http_port}")


def assert_healthy(server: RunningServer) -> None:
    status, body = http_json(f"{server.url}/v1/models/iris:predict", {"instances": [IRIS_ROW]})
    assert status == 200, body
    assert body["predictions"][0]["label"] == 0


def test_health_and_server_metadata(client: httpclient.InferenceServerClient) -> None:
    assert client.is_server_live()
    assert client.is_server_ready()
    metadata = client.get_server_metadata()
    assert metadata["name"] == "inferd"
    assert {"binary_tensor_data", "model_repository", "statistics"} <= set(metadata["extensions"])


def test_model_metadata_and_readiness_by_name_and_version(client: httpclient.InferenceServerClient) -> None:
    metadata = client.get_model_metadata("clf")
    assert metadata["platform"] == "onnxruntime_onnx"
    assert metadata["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 6]}]
    assert {o["name"] for o in metadata["outputs"]} == {"label", "probabilities"}
    assert client.get_model_metadata("clf", "1")["versions"] == ["1"]
    assert client.is_model_ready("clf")
    assert client.is_model_ready("clf", "1")
    assert not client.is_model_ready("clf", "9")
    assert not client.is_model_ready("nope")


@pytest.mark.parametrize("binary", [False, True])
def test_tritonclient_infers_with_json_and_binary_tensors(
    client: httpclient.InferenceServerClient, binary: bool
) -> None:
    rows = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)
    tensor = httpclient.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows, binary_data=binary)
    outputs = [httpclient.InferRequestedOutput(n, binary_data=binary) for n in ("label", "probabilities")]
    result = client.infer("clf", [tensor], outputs=outputs, request_id="req-7", parameters={"tag": "x"})
    assert result.get_response()["id"] == "req-7"
    assert result.get_response()["parameters"] == {"tag": "x"}
    probabilities = result.as_numpy("probabilities")
    assert probabilities.shape == (5, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(result.as_numpy("label"), probabilities.argmax(axis=1))


def test_requested_output_only_is_returned(client: httpclient.InferenceServerClient) -> None:
    tensor = httpclient.InferInput("input", [1, 6], "FP32")
    tensor.set_data_from_numpy(np.zeros((1, 6), np.float32))
    result = client.infer("clf", [tensor], outputs=[httpclient.InferRequestedOutput("label")])
    assert [o["name"] for o in result.get_response()["outputs"]] == ["label"]


def test_every_datatype_round_trips_through_the_server(client: httpclient.InferenceServerClient) -> None:
    rng = np.random.default_rng(1)
    inputs, expected = [], {}
    for dtype in ECHO_DTYPES:
        if dtype == "object":
            array = np.array([[b"a", b"bc"], [b"", b"\xff\x00"]], dtype=object)
        elif dtype == "bool":
            array = rng.integers(0, 2, size=(2, 2)).astype(bool)
        else:
            array = rng.integers(0, 100, size=(2, 2)).astype(dtype)
        datatype = {"object": "BYTES", "bool": "BOOL"}.get(dtype) or httpclient.np_to_triton_dtype(
            np.dtype(dtype)
        )
        tensor = httpclient.InferInput(f"in_{dtype}", [2, 2], datatype)
        tensor.set_data_from_numpy(array, binary_data=True)
        inputs.append(tensor)
        expected[f"out_in_{dtype}"] = array
    result = client.infer("echo", inputs)
    for name, array in expected.items():
        np.testing.assert_array_equal(result.as_numpy(name), array, err_msg=name)


def test_records_api_returns_labels_and_probabilities(server: RunningServer) -> None:
    rows = [IRIS_ROW, {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3}]
    status, body = http_json(f"{server.url}/v1/models/iris:predict", {"instances": rows, "id": "r1"})
    assert status == 200, body
    assert [p["label"] for p in body["predictions"]] == [0, 2]
    assert len(body["predictions"][0]["probabilities"]) == 3
    assert body["model_version"] == "1"
    assert body["id"] == "r1"
    status, body = http_json(f"{server.url}/v1/models/iris:predict", {"instances": rows})
    assert status == 200, body
    assert "id" in body  # null here: no id was asked for, and nothing logs the request


def test_openapi_document_is_served(server: RunningServer) -> None:
    status, document = http_json(f"{server.url}/openapi.json")
    assert status == 200
    assert "/v2/models/{name}/infer" in document["paths"]
    assert "/v1/models/{name}:predict" in document["paths"]


def test_contract_violation_is_400_naming_field_and_row(server: RunningServer) -> None:
    rows = [IRIS_ROW, {**IRIS_ROW, "petal_width": -4.0}]
    status, body = http_json(f"{server.url}/v1/models/iris:predict", {"instances": rows})
    assert status == 400
    assert "petal_width" in body["error"]
    assert "row 1" in body["error"]
    assert_healthy(server)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "JSON"),
        (b'{"inputs": [{"name": "input", "shape": [1, 6], "datatype": "FP32", "data": [1, 2]}]}', "input"),
        (b'{"inputs": [{"name": "input", "shape": [1, 6], "datatype": "FP99", "data": [1]}]}', "FP99"),
        (
            b'{"inputs": [{"name": "input", "shape": [1, 5], "datatype": "FP32", "data": [1,2,3,4,5]}]}',
            "input",
        ),
        (b'{"inputs": [{"name": "wrong", "shape": [1], "datatype": "FP32", "data": [1]}]}', "f0"),
    ],
)
def test_malformed_requests_are_400_and_the_server_stays_healthy(
    server: RunningServer, body: bytes, fragment: str
) -> None:
    status, _, raw = http(f"{server.url}/v2/models/clf/infer", body)
    assert status == 400, raw
    assert fragment in json.loads(raw)["error"]
    assert_healthy(server)


def test_unknown_model_and_version_are_404(server: RunningServer) -> None:
    body = {"inputs": [{"name": "input", "shape": [1, 6], "datatype": "FP32", "data": [0] * 6}]}
    assert http_json(f"{server.url}/v2/models/nope/infer", body)[0] == 404
    assert http_json(f"{server.url}/v2/models/clf/versions/9/infer", body)[0] == 404
    assert http_json(f"{server.url}/v2/models/nope")[0] == 404
    assert http_json(f"{server.url}/v2/nothing/here")[0] == 404
    assert http_json(f"{server.url}/v2/models/clf/versions/1/infer", body)[0] == 200
    assert_healthy(server)


def test_infer_paths_off_the_usual_shape_route_as_the_protocol_says(server: RunningServer) -> None:
    body = {"inputs": [{"name": "input", "shape": [1, 6], "datatype": "FP32", "data": [0] * 6}]}
    assert http_json(f"{server.url}/v2/models/clf/infer/", body)[0] == 200  # a trailing slash is forgiven
    assert http_json(f"{server.url}/v2/models/clf/extra/infer", body)[0] == 404
    assert http_json(f"{server.url}/v2/models/clf/versions/1/extra/infer", body)[0] == 404
    assert http_json(f"{server.url}/v2/models//infer", body)[0] == 404
    assert http_json(f"{server.url}/v2/models/infer", body)[0] == 405  # model metadata, which is GET only
    status, answer = http_json(f"{server.url}/v2/models/clf/versions/one/infer", body)
    assert status == 404
    assert "versions are integers" in answer["error"]
    status, _, _ = http(f"{server.url}/v2/models/clf/infer")  # GET
    assert status == 405


def test_tritonclient_sees_errors_as_exceptions_with_the_message(
    client: httpclient.InferenceServerClient,
) -> None:
    tensor = httpclient.InferInput("input", [1, 5], "FP32")
    tensor.set_data_from_numpy(np.zeros((1, 5), np.float32))
    with pytest.raises(InferenceServerException, match="input"):
        client.infer("clf", [tensor])


def test_statistics_count_rows_and_executions(
    server: RunningServer, client: httpclient.InferenceServerClient
) -> None:
    tensor = httpclient.InferInput("input", [3, 6], "FP32")
    tensor.set_data_from_numpy(np.zeros((3, 6), np.float32))
    before = client.get_inference_statistics("clf")["model_stats"][0]
    client.infer("clf", [tensor])
    after = client.get_inference_statistics("clf", "1")["model_stats"][0]
    assert after["inference_count"] - before["inference_count"] == 3
    assert after["execution_count"] - before["execution_count"] == 1
    assert after["inference_stats"]["success"]["count"] == before["inference_stats"]["success"]["count"] + 1
    assert any(b["batch_size"] == 3 for b in after["batch_stats"])
    status, everything = http_json(f"{server.url}/v2/models/stats")
    assert status == 200
    assert {s["name"] for s in everything["model_stats"]} >= {"clf", "iris"}


def test_repository_index_unload_and_load(client: httpclient.InferenceServerClient) -> None:
    index = {m["name"]: m for m in client.get_model_repository_index()}
    assert index["clf"]["state"] == "READY"
    client.unload_model("echo")
    assert not client.is_model_ready("echo")
    # Still in the index, as the extension asks (it lists what the load API can load), and why.
    unloaded = {m["name"]: m for m in client.get_model_repository_index()}["echo"]
    assert (unloaded["state"], unloaded["reason"]) == ("UNAVAILABLE", "unloaded")
    client.load_model("echo")
    assert client.is_model_ready("echo")


def test_repository_index_ready_flag_lists_only_ready_models(server: RunningServer) -> None:
    http_json(f"{server.url}/v2/repository/models/echo/unload", {})
    try:
        status, everything = http_json(f"{server.url}/v2/repository/index", {})
        assert status == 200
        status, ready = http_json(f"{server.url}/v2/repository/index", {"ready": True})
        assert status == 200
    finally:
        http_json(f"{server.url}/v2/repository/models/echo/load", {})
    assert "echo" in {m["name"] for m in everything}
    assert "echo" not in {m["name"] for m in ready}
    assert {m["state"] for m in ready} == {"READY"}
    assert {"clf", "iris"} <= {m["name"] for m in ready}
    status, answer = http_json(f"{server.url}/v2/repository/index", {"ready": "yes"})
    assert status == 400
    assert "'ready'" in answer["error"]


def test_concurrent_requests_of_different_sizes_each_get_their_own_rows(server: RunningServer) -> None:
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 40, size=60).tolist()
    starts = np.cumsum([0, *sizes[:-1]]).tolist()

    def send(start: int, size: int) -> tuple[int, list[float]]:
        x = [float(v) for v in range(start, start + size)]
        body = {
            "inputs": [
                {"name": "x", "shape": [size], "datatype": "FP32", "data": x},
                {"name": "sleep_ms", "shape": [size], "datatype": "FP32", "data": [1.0] * size},
            ]
        }
        status, answer = http_json(f"{server.url}/v2/models/double/infer", body)
        return status, answer["outputs"][0]["data"] if status == 200 else answer

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(send, starts, sizes))
    for start, size, (status, echoed) in zip(starts, sizes, results, strict=True):
        assert status == 200, echoed
        assert echoed == [2.0 * v for v in range(start, start + size)]
    stats = http_json(f"{server.url}/v2/models/double/stats")[1]["model_stats"][0]
    assert stats["inference_count"] == sum(sizes)
    assert stats["execution_count"] < len(sizes)  # requests were coalesced into fewer model calls
