"""The Grafana dashboards in deploy/grafana: importable boards whose every query returns data.

The structure tests read the JSON alone. The data tests run a real Prometheus (Debian's
binary) that scrapes a real ``inferd serve`` under a little load and evaluates the rules of
``inferd slo rules``; every panel's query, its variables expanded as Grafana would, must
return at least one finite value. The test server is configured so that no panel is
conditional: a price per replica-hour (cost), a feature-store model with a cache and stale
customers (feature age, fallbacks, degraded answers, cache hits), a prediction log, a
model that fails to load, and a slow model that is overloaded and times out (rejections).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import pytest

from tests.deploy.conftest import Observed
from tests.deploy.grafana import (
    BOARDS,
    BUILT_INS,
    Target,
    current_values,
    expand,
    load,
    panels,
    referenced,
    targets,
    variables,
)
from tests.deploy.workload import SERVED

DASHBOARDS = {board: load(board) for board in BOARDS}
TARGETS = [target for board, dashboard in DASHBOARDS.items() for target in targets(board, dashboard)]
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
#: What each audience must find on its board (issue 5, section 5), as the metrics that show it.
AUDIENCE_METRICS = {
    "executive": {
        "inferd_requests_total",
        "model:inferd_request_errors:ratio_rate1h",
        "inferd_inference_cost_dollars",
        "inferd_replica_price_dollars_per_hour",
    },
    "oncall": {
        "inferd_request_duration_seconds_bucket",
        "inferd_requests_total",
        "inferd_queue_depth_rows",
        "inferd_requests_in_flight",
        "inferd_rejected_requests_total",
    },
    "debug": {
        "inferd_stage_duration_seconds_bucket",
        "inferd_batch_size_rows_bucket",
        "inferd_queue_depth_rows",
        "inferd_prediction_score_bucket",
        "inferd_predicted_class_total",
        "inferd_process_resident_memory_bytes",
        "inferd_cache_lookups_total",
        "inferd_feature_age_seconds_bucket",
        "inferd_circuit_breaker_state",
    },
}


# -- the JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("board", BOARDS)
def test_each_board_has_a_prometheus_datasource_variable_and_a_model_variable(board: str) -> None:
    dashboard = DASHBOARDS[board]
    assert 36 <= dashboard["schemaVersion"] <= 41
    assert dashboard["title"].startswith("inferd / ")
    assert dashboard["id"] is None  # Grafana assigns ids on import
    defined = variables(dashboard)
    assert defined["datasource"]["type"] == "datasource"
    assert defined["datasource"]["query"] == "prometheus"
    model = defined["model"]
    assert model["type"] == "query"
    assert model["datasource"] == DATASOURCE
    assert model["definition"] == "label_values(inferd_requests_total, model)"
    assert model["multi"] is True
    assert model["includeAll"] is True


def test_the_boards_have_distinct_uids_and_link_to_each_other() -> None:
    assert len({dashboard["uid"] for dashboard in DASHBOARDS.values()}) == len(BOARDS)
    for dashboard in DASHBOARDS.values():
        assert "inferd" in dashboard["tags"]
        assert any(link["type"] == "dashboards" and link["tags"] == ["inferd"] for link in dashboard["links"])


@pytest.mark.parametrize("board", BOARDS)
def test_panel_ids_are_unique_and_panels_do_not_overlap(board: str) -> None:
    every = list(panels(DASHBOARDS[board]))
    ids = [panel["id"] for panel in every]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    cells: dict[tuple[int, int], int] = {}
    for panel in every:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} overlaps panel {cells[(x, y)]}"
                cells[(x, y)] = panel["id"]


@pytest.mark.parametrize("board", BOARDS)
def test_every_panel_queries_prometheus_through_the_datasource_variable(board: str) -> None:
    for panel in panels(DASHBOARDS[board]):
        if panel["type"] == "row":
            assert not panel.get("targets"), panel["title"]
            continue
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], f"{panel['title']!r} has no query"
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]
            assert target["expr"].strip(), f"{panel['title']!r} target {target['refId']} has no expr"


@pytest.mark.parametrize("board", BOARDS)
def test_queries_use_only_variables_the_board_defines(board: str) -> None:
    dashboard = DASHBOARDS[board]
    defined = set(variables(dashboard)) | set(BUILT_INS)
    for target in targets(board, dashboard):
        assert referenced(target.expr) <= defined - {"datasource"}, str(target)
        # A fixed window breaks with another scrape interval or time range ($__rate_interval: 4 scrapes).
        windows = set(re.findall(r"(?<=[}\w])\[([^\]]*)\]", target.expr))
        assert windows <= {"$__rate_interval", "$__range", "$slo_window"}, f"{target}: windows {windows}"


@pytest.mark.parametrize("board", BOARDS)
def test_each_board_shows_what_its_audience_needs(board: str) -> None:
    used = " ".join(target.expr for target in targets(board, DASHBOARDS[board]))
    missing = {metric for metric in AUDIENCE_METRICS[board] if metric not in used}
    assert not missing
    if board == "oncall":
        assert "histogram_quantile(0.95" in used
        assert "histogram_quantile(0.99" in used
        assert "sum by (model, version)" in used  # canary against production


# -- the data, through a real Prometheus -----------------------------------------------------------


def test_prometheus_saw_exactly_the_requests_inferd_answered(observed: Observed) -> None:
    # The usual statuses exist at 0 from the load on (so rate() counts their first request): skip those.
    seen = {
        (series["metric"].get("model", ""), int(series["metric"]["code"])): float(series["value"][1])
        for series in observed.prometheus.query("sum by (model, code) (inferd_requests_total)")
        if float(series["value"][1]) > 0
    }
    assert seen == {key: float(count) for key, count in observed.load.answered.items()}
    # The load reached every kind of answer the panels tell apart.
    assert {code for _, code in seen} == {200, 400, 404, 429, 504}


def test_the_model_variable_lists_the_served_models(observed: Observed) -> None:
    values = observed.prometheus.api("label/model/values", **{"match[]": "inferd_requests_total"})
    assert sorted(values) == sorted(SERVED)


def test_the_slo_rules_evaluate_against_the_real_series(observed: Observed) -> None:
    groups = observed.prometheus.api("rules")["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert rules
    assert [rule["name"] for rule in rules if rule["health"] != "ok"] == []


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_every_panel_query_returns_data(observed: Observed, target: Target) -> None:
    values = {
        **current_values(DASHBOARDS[target.board]),
        **BUILT_INS,
        "model": "(" + "|".join(SERVED) + ")",
    }
    expr = expand(target.expr, values)
    result = observed.prometheus.query(expr)
    assert result, f"{target}: no series for\n{expr}"
    assert any(_is_finite(series) for series in result), f"{target}: only NaN or Inf for\n{expr}\n{result}"


def _is_finite(series: dict[str, Any]) -> bool:
    return math.isfinite(float(series["value"][1]))
