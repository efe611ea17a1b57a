"""Deferred metrics: what the request path appends reaches the series, whole, when published."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Histogram

from inferd.telemetry.metrics import MetricsSettings
from inferd.telemetry.metrics.deferred import PUBLISH_AT, Deferred, observe_many
from inferd.telemetry.metrics.server_metrics import ServerMetrics

BUCKETS = (0.001, 0.01, 0.1, 1.0, 10.0)


def histogram_samples(histogram: Histogram) -> dict[tuple[str, str], float]:
    return {
        (sample.name, sample.labels.get("le", "")): sample.value
        for family in histogram.collect()
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def counter_value(counter: Counter) -> float:
    return next(s.value for f in counter.collect() for s in f.samples if s.name.endswith("_total"))


@given(st.lists(st.floats(min_value=-1e3, max_value=1e3) | st.sampled_from(BUCKETS), max_size=50))
def test_observing_in_bulk_counts_exactly_what_observing_one_by_one_counts(values: list[float]) -> None:
    one_by_one = Histogram("a", "a", buckets=BUCKETS, registry=CollectorRegistry())
    in_bulk = Histogram("a", "a", buckets=BUCKETS, registry=CollectorRegistry())
    for value in values:
        one_by_one.observe(value)
    observe_many(in_bulk, np.asarray(values, dtype=np.float64))
    expected, got = histogram_samples(one_by_one), histogram_samples(in_bulk)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == (pytest.approx(value, abs=1e-9) if key[0] == "a_sum" else value)


def test_nothing_recorded_from_many_threads_is_lost() -> None:
    registry = CollectorRegistry()
    histogram = Histogram("latency_seconds", "l", buckets=BUCKETS, registry=registry)
    counter = Counter("requests", "r", registry=registry)
    durations = Histogram("request_seconds", "d", buckets=BUCKETS, registry=registry)
    deferred = Deferred()
    observed, served = deferred.histogram(histogram), deferred.requests(counter, durations)
    stop = threading.Event()

    def publisher() -> None:
        while not stop.is_set():
            deferred.publish()

    def recorder() -> None:
        for _ in range(20_000):
            observed.observe(0.005)
            served.observe(0.005)

    threads = [threading.Thread(target=recorder) for _ in range(4)]
    publishing = threading.Thread(target=publisher)
    publishing.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    publishing.join()
    deferred.publish()
    assert histogram_samples(histogram)[("latency_seconds_bucket", "0.01")] == 80_000
    assert counter_value(counter) == 80_000
    assert histogram_samples(durations)[("request_seconds_bucket", "0.01")] == 80_000


def test_a_queue_that_nobody_publishes_publishes_itself_before_it_grows_past_its_bound() -> None:
    registry = CollectorRegistry()
    counter = Counter("requests", "r", registry=registry)
    durations = Histogram("request_seconds", "d", buckets=BUCKETS, registry=registry)
    served = Deferred().requests(counter, durations)
    for _ in range(PUBLISH_AT):
        served.observe(0.002)
    assert counter_value(counter) == PUBLISH_AT


def test_the_page_shows_every_request_answered_before_it_was_asked_for() -> None:
    metrics = ServerMetrics(MetricsSettings(), inferd_version="test")
    metrics.for_model("iris", 1)
    for _ in range(7):
        metrics.observe_request("iris", "1", "rest", 200, 0.002)
    page = metrics.render().decode()
    assert 'inferd_requests_total{code="200",model="iris",protocol="rest",version="1"} 7.0' in page


def test_answered_and_failed_requests_are_counted_by_status_and_timed_together() -> None:
    metrics = ServerMetrics(MetricsSettings(), inferd_version="test")
    metrics.for_model("iris", 1)
    for _ in range(5):
        metrics.observe_request("iris", "1", "rest", 200, 0.002)
    for _ in range(2):
        metrics.observe_request("iris", "1", "rest", 500, 0.2)
    metrics.observe_request("iris", "1", "grpc", 200, 0.002)
    page = metrics.render().decode()
    assert 'inferd_requests_total{code="200",model="iris",protocol="rest",version="1"} 5.0' in page
    assert 'inferd_requests_total{code="500",model="iris",protocol="rest",version="1"} 2.0' in page
    assert 'inferd_requests_total{code="200",model="iris",protocol="grpc",version="1"} 1.0' in page
    assert 'inferd_request_duration_seconds_count{model="iris",protocol="rest",version="1"} 7.0' in page
    fast = 'inferd_request_duration_seconds_bucket{le="0.005",model="iris",protocol="rest",version="1"} 5.0'
    assert fast in page


def test_outputs_changed_in_place_after_the_call_are_counted_as_predicted() -> None:
    metrics = ServerMetrics(MetricsSettings(), inferd_version="test")
    model = metrics.for_model("churn", 1)
    labels = np.array([0, 1, 1])
    model.observe_outputs({"label": labels})
    labels[:] = 0  # e.g. a postprocessing step writing over the model's array
    page = metrics.render().decode()
    assert 'inferd_predicted_class_total{class="1",model="churn",output="label",version="1"} 2.0' in page


def test_a_retired_versions_last_records_are_published() -> None:
    metrics = ServerMetrics(MetricsSettings(), inferd_version="test")
    model = metrics.for_model("iris", 1)
    model.stage("validate").observe(0.001)
    model.on_retired()
    page = metrics.render().decode()
    assert 'inferd_stage_duration_seconds_count{model="iris",stage="validate",version="1"} 1.0' in page
