"""The metrics recorders on their own: what a version's predictions look like, cost, bounded labels."""

from __future__ import annotations

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from inferd.errors import InvalidInputError
from inferd.telemetry.metrics import MetricsSettings
from inferd.telemetry.metrics.names import MAX_CLASSES
from inferd.telemetry.metrics.server_metrics import ServerMetrics


def samples(metrics: ServerMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def total(metrics: ServerMetrics, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples(metrics).items() if n == name and wanted <= ls)


@pytest.fixture
def metrics() -> ServerMetrics:
    return ServerMetrics(MetricsSettings(), inferd_version="test")


def test_a_binary_classifier_is_scored_by_its_positive_class(metrics: ServerMetrics) -> None:
    model = metrics.for_model("churn", 2)
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]])
    model.observe_outputs({"label": np.array([0, 1, 1]), "probabilities": probabilities})
    assert total(metrics, "inferd_prediction_score_count", model="churn", version="2") == 3
    assert total(metrics, "inferd_prediction_score_bucket", model="churn", le="0.1") == 1
    assert total(metrics, "inferd_prediction_score_bucket", model="churn", le="0.6") == 2
    assert total(metrics, "inferd_predicted_class_total", model="churn", **{"class": "1"}) == 2


def test_a_multiclass_classifier_is_scored_by_its_top_class(metrics: ServerMetrics) -> None:
    probabilities = np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]])
    metrics.for_model("iris", 1).observe_outputs({"probabilities": probabilities})
    assert total(metrics, "inferd_prediction_score_sum", model="iris") == pytest.approx(1.2)


def test_regression_outputs_go_to_the_value_histogram_and_nan_is_skipped(metrics: ServerMetrics) -> None:
    values = np.array([[-3.0], [0.5], [250.0], [np.nan]])
    metrics.for_model("price", 1).observe_outputs({"variable": values})
    assert total(metrics, "inferd_prediction_value_count", model="price") == 3
    assert total(metrics, "inferd_prediction_value_bucket", model="price", le="-1.0") == 1
    assert total(metrics, "inferd_prediction_value_bucket", model="price", le="1000.0") == 3


def test_class_labels_beyond_the_cap_count_as_other(metrics: ServerMetrics) -> None:
    labels = np.array([f"c{i}" for i in range(MAX_CLASSES + 5)], dtype=object)
    metrics.for_model("tags", 1).observe_outputs({"label": labels})
    series = [ls for (n, ls) in samples(metrics) if n == "inferd_predicted_class_total"]
    assert len(series) == MAX_CLASSES + 1
    assert total(metrics, "inferd_predicted_class_total", **{"class": "other"}) == 5


def test_unorderable_outputs_never_fail_the_model_call(metrics: ServerMetrics) -> None:
    metrics.for_model("odd", 1).observe_outputs({"label": np.array([1, "a", None], dtype=object)})
    assert total(metrics, "inferd_predicted_class_total", model="odd") == 0


def test_cost_is_absent_without_a_price_and_without_traffic() -> None:
    free = ServerMetrics(MetricsSettings(), inferd_version="test")
    free.sample_process(0.0, 0)
    free.sample_process(1.0, 100)
    assert total(free, "inferd_inference_cost_dollars") == 0
    priced = ServerMetrics(MetricsSettings(price_per_replica_hour=7.2), inferd_version="test")
    priced.sample_process(0.0, 0)
    assert not [n for (n, _) in samples(priced) if n == "inferd_inference_cost_dollars"]
    priced.sample_process(2.0, 400)  # 200 inferences a second
    assert total(priced, "inferd_inference_cost_dollars") == pytest.approx(7.2 / (200 * 3600))


def test_throughput_is_measured_over_the_window_only() -> None:
    metrics = ServerMetrics(MetricsSettings(throughput_window_s=10), inferd_version="test")
    for second in range(30):
        metrics.sample_process(float(second), 0 if second < 20 else (second - 19) * 50)
    assert total(metrics, "inferd_throughput_inferences_per_second") == pytest.approx(50, rel=0.2)


def test_settings_refuse_a_negative_price() -> None:
    with pytest.raises(InvalidInputError, match="price"):
        MetricsSettings(price_per_replica_hour=-1)
