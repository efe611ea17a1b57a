"""With ``--workers N`` the repository API and ``/admin/reload`` reach every worker, whichever takes
them, and the statistics extension counts every worker's requests.

Each request below opens a connection of its own, so the kernel hands them to both
workers; before the workers shared these calls, about half of them reached the
worker that had not heard of the change.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import grpc
import pytest

from inferd.config import RegistrySettings
from inferd.registry import Registry
from inferd.server.settings import SYNC_ENV
from inferd.server.shared_repository import LOG_NAME
from inferd.serving.registration import register_model
from tests.models import train_onnx_classifier
from tests.server.fixtures import http_json, start_server

ROW = {"inputs": [{"name": "input", "shape": [1, 6], "datatype": "FP32", "data": [0.1] * 6}]}
REQUESTS = 40  # on fresh connections: the chance that all of them reach one of two workers is nil


def _statuses(url: str) -> Counter[int]:
    return Counter(http_json(url, ROW)[0] for _ in range(REQUESTS))


def _home(tmp_path: Path) -> Path:
    """``clf`` version 1 in production and a version 2 with no alias; ``spare`` registered, not served."""
    home = tmp_path / "home"
    artifacts = tmp_path / "artifacts"
    for sub in ("a", "b", "c"):
        (artifacts / sub).mkdir(parents=True)
    with Registry.open(RegistrySettings(home=home)) as registry:
        first = register_model(registry, "clf", train_onnx_classifier(artifacts / "a"))
        registry.set_alias("clf", "production", first.version)
        register_model(registry, "clf", train_onnx_classifier(artifacts / "b", seed=1))
        register_model(registry, "spare", train_onnx_classifier(artifacts / "c", seed=2))
    return home


def test_load_unload_and_reload_reach_every_worker(tmp_path: Path) -> None:
    home = _home(tmp_path)
    server = start_server(home, "--workers", "2", "--watch-interval-s", "0")  # no polling: only the calls
    try:
        server.wait_for_workers(2)
        clf, spare = f"{server.url}/v2/models/clf/infer", f"{server.url}/v2/models/spare/infer"
        assert _statuses(clf) == {200: REQUESTS}

        assert http_json(f"{server.url}/v2/repository/models/clf/unload", {})[0] == 200
        assert _statuses(clf) == {404: REQUESTS}

        assert http_json(f"{server.url}/v2/repository/models/spare/load", {})[0] == 200
        assert _statuses(spare) == {200: REQUESTS}

        assert http_json(f"{server.url}/v2/repository/models/clf/load", {})[0] == 200
        assert _statuses(clf) == {200: REQUESTS}

        with Registry.open(RegistrySettings(home=home)) as registry:
            registry.set_alias("clf", "production", 2)
        status, answer = http_json(f"{server.url}/admin/reload", {})
        assert (status, answer) == (200, {"reloaded": ["clf:2"]})
        assert _statuses(f"{server.url}/v2/models/clf/versions/2/infer") == {200: REQUESTS}

        index = {m["name"]: m for m in http_json(f"{server.url}/v2/repository/index", {})[1]}
        assert (index["clf"]["state"], index["clf"]["version"]) == ("READY", "2")
        assert index["spare"]["state"] == "READY"
    finally:
        assert server.stop() == 0


def _grpc_inference_count(url: str) -> int:
    from inferd.protocol.grpc import pb
    from inferd.protocol.grpc.open_inference_grpc_pb2_grpc import GRPCInferenceServiceStub

    with grpc.insecure_channel(url) as channel:  # one connection: one worker answers
        stub = GRPCInferenceServiceStub(channel)  # type: ignore[no-untyped-call]
        response = stub.ModelStatistics(pb.ModelStatisticsRequest(name="clf"), timeout=30)
    return int(response.model_stats[0].inference_count)


def test_statistics_count_the_requests_of_every_worker(tmp_path: Path) -> None:
    server = start_server(_home(tmp_path), "--workers", "2")
    try:
        server.wait_for_workers(2)
        assert _statuses(f"{server.url}/v2/models/clf/infer") == {200: REQUESTS}
        for path in ("/v2/models/clf/stats", "/v2/models/clf/versions/1/stats", "/v2/models/stats"):
            status, body = http_json(server.url + path)
            assert status == 200, body
            (stats,) = [s for s in body["model_stats"] if s["name"] == "clf"]
            assert stats["inference_count"] == REQUESTS, path
            assert stats["inference_stats"]["success"]["count"] == REQUESTS, path
            assert sum(b["compute_infer"]["count"] for b in stats["batch_stats"]) == stats["execution_count"]
        assert _grpc_inference_count(server.grpc_url) == REQUESTS
        assert http_json(f"{server.url}/v2/models/nope/stats")[0] == 404
    finally:
        assert server.stop() == 0


def test_a_single_worker_ignores_a_shared_folder_it_inherited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another server's folder, in the environment of one started from its worker, is not joined."""
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / LOG_NAME).write_text('{"change": "unload", "model": "clf", "worker": "1"}\n')
    monkeypatch.setenv(SYNC_ENV, str(foreign))
    server = start_server(_home(tmp_path))
    try:
        assert _statuses(f"{server.url}/v2/models/clf/infer") == {200: REQUESTS}
    finally:
        assert server.stop() == 0
