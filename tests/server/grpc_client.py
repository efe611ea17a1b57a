"""Driven by test_grpc.py in its own process: tritonclient.grpc registers the same
``inference.*`` protobuf names as inferd's stubs, so the two cannot share a process.

Usage: python grpc_client.py HOST:PORT; prints one JSON object of observations.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException


def error_of(call: object) -> dict[str, str]:
    try:
        call()  # type: ignore[operator]
    except InferenceServerException as exc:
        return {"status": str(exc.status()), "message": exc.message()}
    return {"status": "OK", "message": ""}


def main(url: str) -> None:
    client = grpcclient.InferenceServerClient(url)
    seen: dict[str, object] = {
        "live": client.is_server_live(),
        "ready": client.is_server_ready(),
        "extensions": list(client.get_server_metadata().extensions),
        "model_ready": client.is_model_ready("clf"),
        "model_ready_v9": client.is_model_ready("clf", "9"),
    }
    metadata = client.get_model_metadata("clf", as_json=True)
    seen["inputs"] = metadata["inputs"]
    rows = np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32)
    tensor = grpcclient.InferInput("input", [4, 6], "FP32")
    tensor.set_data_from_numpy(rows)
    result = client.infer("clf", [tensor], request_id="g-1", parameters={"tag": "x"})
    probabilities = result.as_numpy("probabilities")
    seen["id"] = result.get_response().id
    seen["probabilities_sum"] = probabilities.sum(axis=1).tolist()
    seen["label_is_argmax"] = bool((result.as_numpy("label") == probabilities.argmax(axis=1)).all())
    bad = grpcclient.InferInput("input", [1, 5], "FP32")
    bad.set_data_from_numpy(np.zeros((1, 5), np.float32))
    seen["bad_shape"] = error_of(lambda: client.infer("clf", [bad]))
    seen["unknown_model"] = error_of(lambda: client.infer("nope", [tensor]))
    seen["unknown_version"] = error_of(lambda: client.infer("clf", [tensor], model_version="9"))
    violation = [grpcclient.InferInput("x", [1], "FP32"), grpcclient.InferInput("sleep_ms", [1], "FP32")]
    violation[0].set_data_from_numpy(np.ones(1, np.float32))
    violation[1].set_data_from_numpy(np.array([-1.0], np.float32))
    seen["contract_violation"] = error_of(lambda: client.infer("slow", violation))
    slow = [grpcclient.InferInput("x", [1], "FP32"), grpcclient.InferInput("sleep_ms", [1], "FP32")]
    slow[0].set_data_from_numpy(np.ones(1, np.float32))
    slow[1].set_data_from_numpy(np.array([2000.0], np.float32))
    seen["deadline"] = error_of(lambda: client.infer("slow", slow, client_timeout=0.3))
    stats = client.get_inference_statistics("clf", as_json=True)["model_stats"][0]
    seen["inference_count"] = int(stats["inference_count"])
    seen["index"] = [m["name"] for m in client.get_model_repository_index(as_json=True)["models"]]
    seen["metadata_unknown"] = error_of(lambda: client.get_model_metadata("nope"))
    seen["statistics_unknown"] = error_of(lambda: client.get_inference_statistics("nope"))
    seen["load_unknown"] = error_of(lambda: client.load_model("nope"))
    client.unload_model("echo")
    seen["echo_ready_unloaded"] = client.is_model_ready("echo")
    seen["echo_state_unloaded"] = {
        m["name"]: m.get("state") for m in client.get_model_repository_index(as_json=True)["models"]
    }.get("echo")
    client.load_model("echo")  # back as it was: the server is shared with the other tests
    seen["echo_ready_reloaded"] = client.is_model_ready("echo")
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1])
