"""The inference pipeline through a running server: feature lookup, steps, cache, a failing store."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from inferd.config import FeatureStoreSettings, RegistrySettings
from inferd.contract import Contract
from inferd.features import materialize, open_feature_store
from inferd.registry import Registry
from inferd.serving.deployment import Deployment
from inferd.serving.registration import register_model
from tests.models import train_onnx_classifier
from tests.server.fixtures import http, http_json, start_server
from tests.server.test_metrics import scrape, value
from tests.services import free_port

FIELDS = [f"f{i}" for i in range(6)]


def contract(**extra: Any) -> Contract:
    inputs = [{"name": f, "dtype": "float32", **extra} for f in FIELDS]
    return Contract.from_dict({"inputs": inputs, "stacks": [{"into": "input", "fields": FIELDS}]})


def customers(n: int = 20, *, age_s: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(n, 6)).astype(np.float32), columns=FIELDS)
    frame.insert(0, "customer_id", [f"c{i}" for i in range(n)])
    frame["event_time"] = time.time() - age_s
    return frame


def register(home: Path, name: str, model: Path, deployment: dict[str, Any], **contract_extra: Any) -> None:
    with Registry.open(RegistrySettings(home=home)) as registry:
        version = register_model(
            registry,
            name,
            model,
            contract=contract(**contract_extra),
            deployment=Deployment.from_dict(deployment),
        )
        registry.set_alias(name, "production", version.version)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_onnx_classifier(tmp_path_factory.mktemp("pipeline-model"))


def test_features_are_looked_up_by_key_and_steps_run_around_the_model(
    model_file: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    store = open_feature_store(FeatureStoreSettings(home=home).store_url)
    materialize(store, customers(), entity="customer_id", timestamp_column="event_time")
    store.close()
    deployment = {
        "features": {"entity": "customer_id", "fields": FIELDS},
        "postprocess": [
            {
                "step": "threshold",
                "output": "probabilities",
                "column": 1,
                "threshold": 0.5,
                "labels": ["no", "yes"],
                "name": "decision",
            }
        ],
        "cache": {"backend": "memory"},
    }
    register(home, "scored", model_file, deployment, ttl_s=3600)
    server = start_server(home, "--grpc-port", "0")
    try:
        rows = [{"customer_id": "c1"}, {"customer_id": "c2"}]
        status, body = http_json(f"{server.url}/v1/models/scored:predict", {"instances": rows})
        assert status == 200, body
        assert [p["decision"] for p in body["predictions"]] in (
            [d1, d2] for d1 in ("no", "yes") for d2 in ("no", "yes")
        )
        # The same rows again come from the cache: no new model call.
        before = http_json(f"{server.url}/v2/models/scored/stats")[1]["model_stats"][0]
        assert http_json(f"{server.url}/v1/models/scored:predict", {"instances": rows})[1] == body
        after = http_json(f"{server.url}/v2/models/scored/stats")[1]["model_stats"][0]
        assert after["execution_count"] == before["execution_count"]
        # An unknown customer is refused, naming the field, the row and the key.
        status, body = http_json(
            f"{server.url}/v1/models/scored:predict",
            {"instances": [{"customer_id": "c1"}, {"customer_id": "zz"}]},
        )
        assert status == 400
        assert "row 1" in body["error"]
        assert "zz" in body["error"]
        # What an operator sees of it: the cache, the features, each stage.
        samples = scrape(server)
        assert value(samples, "inferd_cache_lookups_total", model="scored", result="miss") == 2
        assert value(samples, "inferd_cache_lookups_total", model="scored", result="hit") == 2
        # The unknown key: counted on the first field judged, which refuses the request.
        assert value(samples, "inferd_feature_fallbacks_total", model="scored", reason="missing") == 1
        assert value(samples, "inferd_feature_age_seconds_count", model="scored", feature="f0") == 3
        for stage in ("features", "validate", "cache", "queue", "model", "postprocess"):
            assert value(samples, "inferd_stage_duration_seconds_count", model="scored", stage=stage) >= 1
    finally:
        assert server.stop() == 0


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A Redis of the test's own on a free port, so the test may stop and start it."""
    port = free_port()
    yield port, tmp_path
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False)


def start_redis(port: int, folder: Path) -> None:
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--dir",
            str(folder),
            "--logfile",
            str(folder / "redis.log"),
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while (
        subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip()
        != "PONG"
    ):
        assert time.monotonic() < deadline, "redis did not start"
        time.sleep(0.05)


def test_a_redis_outage_degrades_answers_then_they_recover(
    model_file: Path, tmp_path: Path, redis_server: tuple[int, Path]
) -> None:
    port, folder = redis_server
    start_redis(port, folder)
    url = f"redis://127.0.0.1:{port}/0"
    store = open_feature_store(url)
    materialize(store, customers(), entity="customer_id", timestamp_column="event_time")
    store.close()
    home = tmp_path / "home"
    register(
        home,
        "resilient",
        model_file,
        {"features": {"entity": "customer_id", "fields": FIELDS}},
        default=0.0,
        on_stale="default",
        ttl_s=3600,
    )
    os.environ["INFERD_FEATURE_STORE_URL"] = url
    try:
        server = start_server(home, "--grpc-port", "0", "--timeout-s", "2")
    finally:
        del os.environ["INFERD_FEATURE_STORE_URL"]
    outcomes: Counter[str] = Counter()
    stop = threading.Event()

    def drive() -> None:
        while not stop.is_set():
            started = time.monotonic()
            status, headers, _ = http(
                f"{server.url}/v1/models/resilient:predict",
                {"instances": [{"customer_id": "c3"}]},
                timeout_s=10,
            )
            elapsed = time.monotonic() - started
            degraded = any(k.lower() == "inferd-degraded" for k in headers)
            outcomes[f"{status}:{'degraded' if degraded else 'fresh'}"] += 1
            outcomes["slow"] += elapsed > 3

    try:
        threads = [threading.Thread(target=drive) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, check=False)
        time.sleep(2.0)
        during = Counter(outcomes)
        breaker_during = value(scrape(server), "inferd_circuit_breaker_state", dependency="feature-store")
        start_redis(port, folder)
        store = open_feature_store(url)
        materialize(store, customers(), entity="customer_id", timestamp_column="event_time")
        store.close()
        time.sleep(4.0)
        stop.set()
        for thread in threads:
            thread.join(15)
        after = outcomes - during
        samples = scrape(server)
    finally:
        stop.set()
        assert server.stop() == 0
    assert breaker_during in (1, 2)  # open, or half-open and probing
    assert value(samples, "inferd_circuit_breaker_state", dependency="feature-store") == 0
    assert value(samples, "inferd_degraded_responses_total", model="resilient") == outcomes["200:degraded"]
    assert value(samples, "inferd_feature_fallbacks_total", model="resilient", reason="unavailable") > 0
    assert set(outcomes) <= {"200:fresh", "200:degraded", "slow"}, outcomes
    assert outcomes["slow"] == 0
    assert during["200:degraded"] > 0
    assert after["200:fresh"] > 0
