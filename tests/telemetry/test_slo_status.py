"""``inferd slo status``'s figures from two scrapes of /metrics, with synthetic exposition text.

Against 99.5% the budget is 0.5%: 10 failures in 1000 requests (1%) leave 1 - 2 = -100%
of it, and 10 failures in the 100 requests of an interval burn it at 10% / 0.5% = 20x.
"""

from __future__ import annotations

import json

import pytest

from inferd.errors import InvalidInputError
from inferd.telemetry.metrics import MetricsSettings
from inferd.telemetry.metrics.server_metrics import ServerMetrics
from inferd.telemetry.slo import LatencyObjective, Objective, parse_objectives
from inferd.telemetry.slo_status import SliStatus, is_failure, read_snapshot, slo_status, status_document

BUCKETS_S = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf")
IRIS_995 = parse_objectives({"objectives": [{"model": "iris", "availability": 0.995}]})


def requests(model: str, codes: dict[str, int], version: str = "1", protocol: str = "rest") -> str:
    """Exposition lines of ``inferd_requests_total``: ``codes`` maps an HTTP status to a count."""
    return "".join(
        f'inferd_requests_total{{code="{code}",model="{model}",protocol="{protocol}",version="{version}"}}'
        f" {count}.0\n"
        for code, count in codes.items()
    )


def durations(model: str, within_s: dict[str, int], total: int) -> str:
    """A request-duration histogram: ``within_s`` maps a bucket bound to the requests at most that long."""
    labels = f'model="{model}",protocol="rest",version="1"'
    lines = []
    count = 0
    for bound in BUCKETS_S:
        count = total if bound == "+Inf" else within_s.get(bound, count)
        lines.append(f'inferd_request_duration_seconds_bucket{{le="{bound}",{labels}}} {count}.0')
    lines.append(f"inferd_request_duration_seconds_count{{{labels}}} {total}.0")
    lines.append(f"inferd_request_duration_seconds_sum{{{labels}}} 1.5")
    return "\n".join(lines) + "\n"


def page(*parts: str) -> str:
    """A /metrics page with the families' TYPE lines, as prometheus_client writes it."""
    requests_ = [p for p in parts if p.startswith("inferd_requests_total")]
    durations_ = [p for p in parts if p.startswith("inferd_request_duration")]
    others = [p for p in parts if p not in requests_ and p not in durations_]
    return (
        "# HELP inferd_requests_total Inference requests.\n# TYPE inferd_requests_total counter\n"
        + "".join(requests_)
        + "# HELP inferd_request_duration_seconds Time.\n# TYPE inferd_request_duration_seconds histogram\n"
        + "".join(durations_)
        + "".join(others)
    )


def only(statuses: list[SliStatus], model: str, sli: str) -> SliStatus:
    [status] = [s for s in statuses if s.model == model and s.sli == sli]
    return status


@pytest.mark.parametrize(
    ("code", "failed"),
    [
        *[(code, False) for code in ("200", "204", "400", "404", "413")],
        *[(code, True) for code in ("429", "500", "503", "504")],
    ],
)
def test_5xx_and_429_are_failures_other_4xx_are_the_clients(code: str, failed: bool) -> None:
    assert is_failure(code) is failed


def test_one_percent_failures_against_995_leave_minus_100_percent_of_the_budget() -> None:
    text = page(requests("iris", {"200": 940, "404": 50, "500": 6, "429": 4}))
    [status] = slo_status(IRIS_995, read_snapshot(text), read_snapshot(text))
    assert status.requests == 1000
    assert status.sli_value == pytest.approx(0.99, rel=1e-12)
    assert status.budget_left == pytest.approx(-1.0, rel=1e-12)


def test_the_burn_rate_is_the_bad_share_in_the_interval_over_the_budget() -> None:
    before = page(requests("iris", {"200": 1000}))
    after = page(requests("iris", {"200": 1090, "503": 10}))
    [status] = slo_status(IRIS_995, read_snapshot(before), read_snapshot(after))
    assert status.interval_requests == 100
    assert status.burn_rate == pytest.approx(20.0, rel=1e-12)
    # Since the start: 10 failures in 1100 requests.
    assert status.sli_value == pytest.approx(1 - 10 / 1100, rel=1e-12)
    assert status.budget_left == pytest.approx(1 - (10 / 1100) / 0.005, rel=1e-12)


def test_versions_and_protocols_of_a_model_are_summed() -> None:
    text = page(
        requests("iris", {"200": 300, "500": 1}, version="1"),
        requests("iris", {"200": 600, "500": 2}, version="2"),
        requests("iris", {"200": 96, "503": 1}, version="2", protocol="grpc"),
    )
    [status] = slo_status(IRIS_995, read_snapshot(text), read_snapshot(text))
    assert status.requests == 1000
    assert status.sli_value == pytest.approx(0.996, rel=1e-12)


def test_the_latency_sli_counts_requests_slower_than_the_threshold() -> None:
    objectives = parse_objectives(
        {"objectives": [{"model": "iris", "latency": {"threshold_s": 0.1, "target": 0.99}}]}
    )
    before = page(requests("iris", {"200": 1000}), durations("iris", {"0.05": 900, "0.1": 950}, 1000))
    after = page(requests("iris", {"200": 1200}), durations("iris", {"0.05": 1000, "0.1": 1140}, 1200))
    [status] = slo_status(objectives, read_snapshot(before), read_snapshot(after))
    assert (status.sli, status.threshold_s, status.target) == ("latency", 0.1, 0.99)
    assert status.sli_value == pytest.approx(0.95, rel=1e-12)  # 60 of 1200 took longer than 0.1 s
    assert status.budget_left == pytest.approx(1 - 0.05 / 0.01, rel=1e-12)
    # In the interval, 10 of 200 were slow: 5% over a 1% budget.
    assert status.burn_rate == pytest.approx(5.0, rel=1e-12)


def test_a_served_model_without_requests_shows_no_traffic() -> None:
    loaded = '# TYPE inferd_model_loaded gauge\ninferd_model_loaded{model="clf",version="3"} 1.0\n'
    objectives = parse_objectives({"objectives": [{"model": "*", "availability": 0.999}]})
    text = page(requests("iris", {"200": 10}), loaded)
    statuses = slo_status(objectives, read_snapshot(text), read_snapshot(text))
    assert [s.model for s in statuses] == ["clf", "iris"]
    clf = only(statuses, "clf", "availability")
    assert (clf.requests, clf.sli_value, clf.budget_left, clf.burn_rate) == (0, None, None, None)


def test_a_model_the_objectives_name_but_the_server_lacks_shows_no_traffic() -> None:
    statuses = slo_status(IRIS_995, {}, {})
    assert [(s.model, s.sli_value, s.burn_rate) for s in statuses] == [("iris", None, None)]


def test_an_idle_interval_has_no_burn_rate_but_keeps_the_budget() -> None:
    text = page(requests("iris", {"200": 199, "500": 1}))
    [status] = slo_status(IRIS_995, read_snapshot(text), read_snapshot(text))
    assert status.interval_requests == 0
    assert status.burn_rate is None
    assert status.budget_left == pytest.approx(0.0, abs=1e-12)  # 0.5% failed: the whole budget is spent


def test_a_restart_between_the_scrapes_counts_the_interval_from_the_restart() -> None:
    before = page(requests("iris", {"200": 5000, "500": 5}))
    after = page(requests("iris", {"200": 38, "500": 2}))
    [status] = slo_status(IRIS_995, read_snapshot(before), read_snapshot(after))
    assert status.interval_requests == 40
    assert status.burn_rate == pytest.approx((2 / 40) / 0.005, rel=1e-12)


def test_each_model_gets_its_own_objective_or_else_the_default() -> None:
    objectives = parse_objectives(
        {
            "objectives": [
                {"model": "iris", "availability": 0.99, "window": "7d"},
                {"model": "*", "availability": 0.999},
            ]
        }
    )
    text = page(requests("iris", {"200": 100}), requests("mnist", {"200": 100}))
    statuses = slo_status(objectives, read_snapshot(text), read_snapshot(text))
    assert [(s.model, s.target, s.window) for s in statuses] == [
        ("iris", 0.99, "7d"),
        ("mnist", 0.999, "28d"),
    ]


def test_models_without_an_objective_are_left_out_and_an_unused_default_shows_once() -> None:
    text = page(requests("mnist", {"200": 100}))
    assert [s.model for s in slo_status(IRIS_995, read_snapshot(text), read_snapshot(text))] == ["iris"]
    default = parse_objectives({"objectives": [{"model": "*", "availability": 0.999}]})
    [status] = slo_status(default, {}, {})
    assert (status.model, status.sli_value) == ("*", None)


def test_requests_that_named_no_served_model_belong_to_no_objective() -> None:
    objectives = parse_objectives({"objectives": [{"model": "*", "availability": 0.999}]})
    text = page(requests("", {"404": 30}, version=""), requests("iris", {"200": 10}))
    statuses = slo_status(objectives, read_snapshot(text), read_snapshot(text))
    assert [(s.model, s.requests) for s in statuses] == [("iris", 10)]


def test_a_threshold_the_server_has_no_bucket_for_is_refused_naming_the_buckets() -> None:
    objective = Objective(model="iris", latency=LatencyObjective(threshold_s=0.3, target=0.99))
    text = page(requests("iris", {"200": 10}), durations("iris", {"0.1": 10}, 10))
    with pytest.raises(
        InvalidInputError, match=r"no latency bucket at 0\.3 s \(it has 0\.005, .*, 10, inf\)"
    ):
        slo_status([objective], read_snapshot(text), read_snapshot(text))


def test_what_the_server_renders_reads_back_exactly() -> None:
    metrics = ServerMetrics(MetricsSettings(), inferd_version="test")
    for seconds in (0.004, 0.02, 0.09, 0.3):
        metrics.observe_request("iris", "2", "rest", 200, seconds)
    metrics.observe_request("iris", "2", "grpc", 503, 0.001)
    metrics.observe_request("iris", "2", "rest", 400, 0.001)
    metrics.observe_request("", "", "rest", 404, 0.001)
    snapshot = read_snapshot(metrics.render().decode())
    assert set(snapshot) == {"iris"}
    iris = snapshot["iris"]
    assert (iris.requests, iris.failed, iris.timed) == (6, 1, 6)
    assert (iris.within[0.1], iris.within[0.25], iris.within[float("inf")]) == (5, 5, 6)


def test_the_json_document_says_null_where_there_was_no_traffic() -> None:
    text = page(requests("iris", {"200": 10}))
    statuses = slo_status(IRIS_995, read_snapshot(text), read_snapshot(text))
    document = json.loads(json.dumps(status_document(statuses, 5.0)))
    assert document == {
        "interval_s": 5.0,
        "objectives": [
            {
                "model": "iris",
                "sli": "availability",
                "target": 0.995,
                "window": "28d",
                "threshold_s": None,
                "requests": 10.0,
                "sli_value": 1.0,
                "budget_left": 1.0,
                "interval_requests": 0.0,
                "burn_rate": None,
            }
        ],
    }
