"""/metrics on a running server: what an operator's Prometheus scrapes, with one worker and with two."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from inferd.server.app import request_path_compiled
from tests.server.fixtures import RunningServer, http, http_json, start_server

IRIS_ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
GRPC_CLIENT = Path(__file__).with_name("grpc_client.py")

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(server: RunningServer) -> Samples:
    status, headers, body = http(f"{server.url}/metrics")
    assert status == 200, body
    assert headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of every series of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


@pytest.fixture(scope="module")
def metered(served_home: Path) -> Iterator[RunningServer]:
    """A server of its own, so that its counts are exactly this module's requests."""
    server = start_server(served_home, "--price-per-replica-hour", "3.6")
    yield server
    server.stop()


def test_requests_are_counted_by_model_version_protocol_and_status(metered: RunningServer) -> None:
    before = scrape(metered)
    for _ in range(3):
        assert http_json(f"{metered.url}/v1/models/iris:predict", {"instances": [IRIS_ROW]})[0] == 200
    bad = {**IRIS_ROW, "sepal_length": -1.0}
    assert http_json(f"{metered.url}/v1/models/iris:predict", {"instances": [bad]})[0] == 400
    assert http_json(f"{metered.url}/v1/models/nope:predict", {"instances": [IRIS_ROW]})[0] == 404
    after = scrape(metered)

    def delta(**labels: str) -> float:
        return value(after, "inferd_requests_total", **labels) - value(
            before, "inferd_requests_total", **labels
        )

    assert delta(model="iris", version="1", protocol="rest", code="200") == 3
    assert delta(model="iris", version="1", protocol="rest", code="400") == 1
    # A model that is not served is recorded without its name: label values stay bounded.
    assert delta(model="", version="", protocol="rest", code="404") == 1
    assert value(after, "inferd_requests_total", model="nope") == 0
    duration_count = value(after, "inferd_request_duration_seconds_count", model="iris", protocol="rest")
    assert duration_count - value(before, "inferd_request_duration_seconds_count", model="iris") == 4


def test_grpc_requests_carry_their_protocol_and_http_equivalent_status(metered: RunningServer) -> None:
    before = value(scrape(metered), "inferd_requests_total", protocol="grpc", code="200")
    result = subprocess.run(
        [sys.executable, str(GRPC_CLIENT), metered.grpc_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["id"] == "g-1"
    after = scrape(metered)
    assert value(after, "inferd_requests_total", model="clf", protocol="grpc", code="200") - before == 1
    # The client also sends a bad shape, an unknown model and a request past its deadline.
    assert value(after, "inferd_requests_total", model="clf", protocol="grpc", code="400") == 1
    assert value(after, "inferd_requests_total", model="", protocol="grpc", code="404") == 1
    # Past its deadline: our 504, or 499 when the client's own gRPC deadline cancels the call first.
    late = [
        value(after, "inferd_requests_total", model="slow", protocol="grpc", code=c) for c in ("504", "499")
    ]
    assert sum(late) == 1


def test_each_stage_and_batch_is_timed(metered: RunningServer) -> None:
    assert http_json(f"{metered.url}/v1/models/iris:predict", {"instances": [IRIS_ROW] * 5})[0] == 200
    samples = scrape(metered)
    for stage in ("validate", "queue", "model"):
        count = value(samples, "inferd_stage_duration_seconds_count", model="iris", stage=stage)
        assert count >= 1, stage
    # Stages this model does not have are absent, not zero; the usual statuses start at zero.
    assert (
        "inferd_requests_total",
        frozenset({("model", "iris"), ("version", "1"), ("protocol", "grpc"), ("code", "429")}),
    ) in samples
    assert value(samples, "inferd_stage_duration_seconds_count", model="iris", stage="features") == 0
    assert not any(
        n == "inferd_stage_duration_seconds_count" and ("stage", "features") in ls for n, ls in samples
    )
    assert value(samples, "inferd_batch_size_rows_bucket", model="iris", le="4.0") < value(
        samples, "inferd_batch_size_rows_bucket", model="iris", le="8.0"
    )


def test_model_calls_are_counted_by_the_thread_that_ran_them(metered: RunningServer) -> None:
    # clf is ONNX: after its first calls are timed in the pool, its short calls run on the event
    # loop. double is a Python model: in the pool always, however short its calls (sleep_ms=0).
    row = [0.5] * 6
    body = {"inputs": [{"name": "input", "shape": [1, 6], "datatype": "FP32", "data": row}]}
    for _ in range(30):
        assert http_json(f"{metered.url}/v2/models/clf/infer", body)[0] == 200
        assert (
            http_json(f"{metered.url}/v1/models/double:predict", {"instances": [{"x": 1, "sleep_ms": 0}]})[0]
            == 200
        )
    deadline = time.monotonic() + 10
    while True:  # the counts are sampled once a second
        samples = scrape(metered)
        if value(samples, "inferd_model_calls_total", model="double", thread="pool") >= 30:
            break
        assert time.monotonic() < deadline, "the calls were not counted"
        time.sleep(0.3)
    assert value(samples, "inferd_model_calls_total", model="clf", thread="pool") >= 8
    assert value(samples, "inferd_model_calls_total", model="clf", thread="event_loop") > 0
    assert value(samples, "inferd_model_calls_total", model="double", thread="event_loop") == 0


def test_prediction_distribution_counts_every_row(metered: RunningServer) -> None:
    before = scrape(metered)
    rows = [[0.1 * i] * 6 for i in range(7)]
    body = {"inputs": [{"name": "input", "shape": [7, 6], "datatype": "FP32", "data": rows}]}
    assert http_json(f"{metered.url}/v2/models/clf/infer", body)[0] == 200
    after = scrape(metered)

    def delta(name: str) -> float:
        return value(after, name, model="clf") - value(before, name, model="clf")

    assert delta("inferd_predicted_class_total") == 7
    assert delta("inferd_prediction_score_count") == 7  # a binary classifier: the positive class's score
    assert value(after, "inferd_prediction_score_bucket", model="clf", le="1.0") >= 7


def test_loaded_models_report_load_and_warmup_times(metered: RunningServer) -> None:
    samples = scrape(metered)
    for model in ("iris", "clf"):
        assert value(samples, "inferd_model_loaded", model=model, version="1") == 1
        assert value(samples, "inferd_model_load_duration_seconds", model=model) > 0
        assert value(samples, "inferd_model_warmup_duration_seconds", model=model) > 0
    assert value(samples, "inferd_circuit_breaker_state", dependency="feature-store") == 0
    assert value(samples, "inferd_process_resident_memory_bytes") > 10e6
    # The server runs the build these tests import: pure, or compiled (tests/test_compiled.py).
    assert value(samples, "inferd_build_info", compiled=str(request_path_compiled()).lower()) == 1
    # Once every model is warm the heap is frozen out of the collector's way (shorter GC pauses).
    assert "heap settled" in metered.log()


def test_cost_per_inference_is_the_replica_price_over_the_measured_throughput(metered: RunningServer) -> None:
    for _ in range(20):
        http_json(f"{metered.url}/v1/models/iris:predict", {"instances": [IRIS_ROW]})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        samples = scrape(metered)
        throughput = value(samples, "inferd_throughput_inferences_per_second")
        if throughput > 0 and value(samples, "inferd_inference_cost_dollars") > 0:
            break
        time.sleep(0.3)
    assert value(samples, "inferd_replica_price_dollars_per_hour") == 3.6
    # 3.6 dollars an hour is 0.001 a second: the cost of one inference is that over the rate.
    assert value(samples, "inferd_inference_cost_dollars") == pytest.approx(0.001 / throughput, rel=1e-6)


def test_metrics_can_be_turned_off(served_home: Path) -> None:
    server = start_server(served_home, "--no-metrics", "--grpc-port", "0")
    try:
        assert http(f"{server.url}/metrics")[0] == 404
        assert http_json(f"{server.url}/v1/models/iris:predict", {"instances": [IRIS_ROW]})[0] == 200
    finally:
        server.stop()


def test_two_workers_answer_for_the_whole_replica(served_home: Path) -> None:
    server = start_server(served_home, "--workers", "2", "--grpc-port", "0")
    try:
        server.wait_for_workers(2)
        for _ in range(40):
            assert http_json(f"{server.url}/v1/models/iris:predict", {"instances": [IRIS_ROW]})[0] == 200
        # Whichever worker answers the scrape, it reports both workers' requests: each worker
        # publishes what it recorded at least once a second.
        deadline = time.monotonic() + 5
        while value(scrape(server), "inferd_requests_total", model="iris", code="200") < 40:
            assert time.monotonic() < deadline, "the workers' requests were not all published within 5 s"
            time.sleep(0.2)
        totals = {value(scrape(server), "inferd_requests_total", model="iris", code="200") for _ in range(8)}
        assert totals == {40}
        memory = [ls for n, ls in scrape(server) if n == "inferd_process_resident_memory_bytes"]
        assert len(memory) == 2  # one series per worker process
    finally:
        assert server.stop() == 0
