"""A model graph registered and served like a model: each node batched on its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from inferd.config import RegistrySettings
from inferd.contract import Contract
from inferd.registry import Registry
from inferd.serving.registration import register_model
from tests.models import train_onnx_classifier
from tests.server.fixtures import (
    SLOW_CONTRACT,
    SLOW_MODEL,
    http_json,
    register_in_production,
    slow_request,
    start_server,
    write_python_model,
)

GRAPH = """
graph:
  inputs:
    - {name: input, dtype: float32, shape: [-1, 6]}
  nodes:
    a: {model: "clf-a@production"}
    b: {model: "clf-b@production"}
    vote: {ensemble: average, members: [a, b], output: probabilities}
  outputs:
    probabilities: vote.probabilities
    label_a: a.label
"""


def infer(url: str, name: str, rows: np.ndarray) -> dict[str, list[float]]:
    body = {
        "inputs": [
            {"name": "input", "shape": list(rows.shape), "datatype": "FP32", "data": rows.ravel().tolist()}
        ]
    }
    status, answer = http_json(f"{url}/v2/models/{name}/infer", body)
    assert status == 200, answer
    return {out["name"]: out["data"] for out in answer["outputs"]}


def test_an_ensemble_graph_averages_its_members(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    graph_file = tmp_path / "ensemble.yaml"
    graph_file.write_text(GRAPH)
    with Registry.open(RegistrySettings(home=home)) as registry:
        for name, folder, seed in (("clf-a", "a", 0), ("clf-b", "b", 1)):
            model = train_onnx_classifier(tmp_path / folder, seed=seed)
            version = register_model(registry, name, model)
            registry.set_alias(name, "production", version.version)
        graph = register_model(registry, "ensemble", graph_file)
        assert graph.framework == "graph"
        registry.set_alias("ensemble", "production", graph.version)
    server = start_server(home, "--grpc-port", "0")
    try:
        rows = np.random.default_rng(5).normal(size=(4, 6)).astype(np.float32)
        answer = infer(server.url, "ensemble", rows)
        a, b = infer(server.url, "clf-a", rows), infer(server.url, "clf-b", rows)
        assert not np.allclose(a["probabilities"], b["probabilities"])
        expected = (np.array(a["probabilities"]) + np.array(b["probabilities"])) / 2
        np.testing.assert_allclose(answer["probabilities"], expected, rtol=1e-6)
        assert answer["label_a"] == a["label"]
        status, metadata = http_json(f"{server.url}/v2/models/ensemble")
        assert status == 200
        assert metadata["platform"] == "graph"
        assert [i["name"] for i in metadata["inputs"]] == ["input"]
    finally:
        assert server.stop() == 0


SLOW_GRAPH = """
graph:
  inputs:
    - {name: x, dtype: float32, shape: [-1]}
    - {name: sleep_ms, dtype: float32, shape: [-1]}
  nodes:
    s: {model: "slow@production"}
  outputs:
    echo: s.echo
"""


def test_a_graph_past_its_deadline_answers_504_counts_a_failure_and_serves_on(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder, contract = write_python_model(tmp_path / "slow", SLOW_MODEL, SLOW_CONTRACT)
    graph_file = tmp_path / "slow-graph.yaml"
    graph_file.write_text(SLOW_GRAPH)
    register_in_production(home, [("slow", folder, Contract.load(contract)), ("slowgraph", graph_file, None)])
    server = start_server(home, "--grpc-port", "0")
    try:
        url = f"{server.url}/v2/models/slowgraph/infer"
        status, answer = http_json(url, slow_request(2000, timeout_us=200_000))
        assert status == 504, answer
        assert "deadline" in answer["error"]
        status, answer = http_json(url, slow_request(0))
        assert status == 200, answer
        assert answer["outputs"][0]["data"] == [2.0]
        status, stats = http_json(f"{server.url}/v2/models/slowgraph/stats")
        assert status == 200
        counts = stats["model_stats"][0]["inference_stats"]
        assert (counts["fail"]["count"], counts["success"]["count"]) == (1, 1)
    finally:
        assert server.stop() == 0
