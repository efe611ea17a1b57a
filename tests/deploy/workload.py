"""A served home whose models light up every dashboard panel, and the little load that does it.

Each model is there for some panels: ``iris`` (scikit-learn, class counts) and ``clf``
(ONNX, classifier scores) for traffic and latency; ``scored`` looks its inputs up in the
feature store, caches predictions and has a few stale customers (feature age, fallbacks,
degraded answers, cache hit ratio); ``slow`` echoes a float (regression values) behind a
one-row queue, so that it can be overloaded (429) and time out (504: rejected for its
deadline); ``broken`` has a tampered artifact, so it fails to load (load failures). The
answers are counted, so a test can check that Prometheus saw exactly what was sent.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from inferd.config import FeatureStoreSettings, RegistrySettings
from inferd.contract import Contract
from inferd.features import materialize, open_feature_store
from inferd.registry import ModelVersion, Registry
from inferd.serving.deployment import Deployment
from inferd.serving.registration import register_model
from tests.models import train_iris_skops, train_onnx_classifier
from tests.registry.artifacts import blob_of
from tests.server.fixtures import (
    SLOW_CONTRACT,
    SLOW_MODEL,
    RunningServer,
    http_json,
    iris_contract,
    slow_request,
    write_python_model,
)

IRIS_ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
FIELDS = [f"f{i}" for i in range(6)]
FRESH_CUSTOMERS = 8
STALE_CUSTOMERS = 2
FEATURE_TTL_S = 3600.0
#: The models that serve (``broken`` never does): what the dashboards' ``$model`` lists.
SERVED = ("clf", "iris", "scored", "slow")
#: One row queued at most and one row per call, so that a second caller waits and a third is refused.
SLOW_BATCHING = "slow:max_queue_rows=1,max_batch_size=1"


def build_home(home: Path, models: Path) -> None:
    """Register every model under ``home`` with a production alias, and fill its feature store."""
    _fill_feature_store(home)
    slow, _ = write_python_model(models / "slow", SLOW_MODEL, SLOW_CONTRACT)
    # Its own bytes (a blob of its own to tamper with), the slow model's behaviour.
    broken, _ = write_python_model(models / "broken", SLOW_MODEL + "# broken\n", SLOW_CONTRACT)
    classifier = train_onnx_classifier(models)
    scored_inputs = [
        {"name": f, "dtype": "float32", "ttl_s": FEATURE_TTL_S, "on_stale": "degrade"} for f in FIELDS
    ]
    scored_contract = Contract.from_dict(
        {"inputs": scored_inputs, "stacks": [{"into": "input", "fields": FIELDS}]}
    )
    scored_deployment = Deployment.from_dict(
        {"features": {"entity": "customer_id", "fields": FIELDS}, "cache": {"backend": "memory"}}
    )
    entries: list[tuple[str, Path, Contract | None, Deployment | None]] = [
        ("clf", classifier, None, None),
        ("iris", train_iris_skops(models), iris_contract(), None),
        ("scored", classifier, scored_contract, scored_deployment),
        ("slow", slow, Contract.from_dict(SLOW_CONTRACT), None),
        ("broken", broken, Contract.from_dict(SLOW_CONTRACT), None),
    ]
    with Registry.open(RegistrySettings(home=home)) as registry:
        for name, path, contract, deployment in entries:
            version = register_model(registry, name, path, contract=contract, deployment=deployment)
            registry.set_alias(name, "production", version.version)
            if name == "broken":
                _tamper(RegistrySettings(home=home), version)


def _tamper(settings: RegistrySettings, version: ModelVersion) -> None:
    """Overwrite the stored bytes of ``version``: a server refuses to load it (it checks digests)."""
    blob = blob_of(settings, version.files[0].sha256)
    blob.write_bytes(blob.read_bytes() + b"# tampered\n")


def _fill_feature_store(home: Path) -> None:
    rng = np.random.default_rng(5)
    count = FRESH_CUSTOMERS + STALE_CUSTOMERS
    frame = pd.DataFrame(rng.normal(size=(count, len(FIELDS))).astype(np.float32), columns=FIELDS)
    frame.insert(0, "customer_id", [f"c{i}" for i in range(count)])
    now = time.time()
    frame["event_time"] = [now - 30.0] * FRESH_CUSTOMERS + [now - 2 * FEATURE_TTL_S] * STALE_CUSTOMERS
    store = open_feature_store(FeatureStoreSettings(home=home).store_url)
    try:
        materialize(store, frame, entity="customer_id", timestamp_column="event_time")
    finally:
        store.close()


class Load:
    """Sends requests to a server and counts the answers by (model, status), from any thread."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.answered: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()

    def call(self, model: str, path: str, body: dict[str, Any]) -> None:
        status = http_json(f"{self.server.url}{path}", body)[0]
        with self._lock:
            self.answered[(model, status)] += 1

    def warm_up(self) -> None:
        """A good request per served model, and an overload: the series exist before the load.

        Prometheus cannot see the increase that creates a series (its first sample already
        holds the count), so without this a rate over the load would miss what made each
        series: the only 429 and 504 would never show in an error ratio.
        """
        self.call("iris", "/v1/models/iris:predict", {"instances": [IRIS_ROW]})
        self.call("clf", "/v2/models/clf/infer", _clf_body(rows=1, seed=99))
        self.call("scored", "/v1/models/scored:predict", {"instances": _customers()[:1]})
        self._overload_slow()

    def send(self) -> None:
        """Good requests, client mistakes (400, 404) and failures on the server's side (429, 504)."""
        for i in range(12):
            self.call("iris", "/v1/models/iris:predict", {"instances": [IRIS_ROW] * (1 + i % 4)})
            self.call("clf", "/v2/models/clf/infer", _clf_body(rows=1 + i % 3, seed=i))
        bad_shape = {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}]}
        for _ in range(3):
            self.call("iris", "/v1/models/iris:predict", {"instances": [{**IRIS_ROW, "sepal_length": -1.0}]})
            self.call("clf", "/v2/models/clf/infer", bad_shape)
        for _ in range(2):  # the second round is answered from the cache
            self.call("scored", "/v1/models/scored:predict", {"instances": _customers()})
        self.call("", "/v1/models/nope:predict", {"instances": [IRIS_ROW]})
        self._overload_slow()

    def _overload_slow(self) -> None:
        """While one call sleeps in the model, a second waits in the one-row queue past its deadline
        (504) and a third finds the queue full (429)."""
        path = "/v2/models/slow/infer"
        busy = threading.Thread(target=self.call, args=("slow", path, slow_request(600)))
        busy.start()
        time.sleep(0.15)
        waiting = threading.Thread(target=self.call, args=("slow", path, slow_request(0, timeout_us=200_000)))
        waiting.start()
        time.sleep(0.05)
        self.call("slow", path, slow_request(0))
        waiting.join()
        busy.join()
        self.call("slow", path, slow_request(1))


def _customers() -> list[dict[str, str]]:
    return [{"customer_id": f"c{i}"} for i in range(FRESH_CUSTOMERS + STALE_CUSTOMERS)]


def _clf_body(rows: int, seed: int) -> dict[str, Any]:
    data = np.random.default_rng(seed).normal(size=(rows, 6)).round(3).tolist()
    return {"inputs": [{"name": "input", "shape": [rows, 6], "datatype": "FP32", "data": data}]}
