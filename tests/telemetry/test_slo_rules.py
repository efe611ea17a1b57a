"""``inferd slo rules``: the rules pass promtool, and synthetic traffic makes each alert fire or stay silent.

Burn rate = error ratio / (1 - objective). Against 99.5% (a 0.5% budget) a 2% error rate
burns 4x: a ticket (over 1x for 3d and 6h), not a page (14.4x for 1h and 5m, or 6x for 6h
and 30m). Against 99.9% the same 2% burns 20x and pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from inferd.telemetry.slo import parse_objectives
from inferd.telemetry.slo_rules import slo_rules_yaml
from tests.telemetry.conftest import Promtool

CONFIG = {
    "objectives": [
        {
            "model": "iris",
            "availability": 0.995,
            "latency": {"threshold_s": 0.1, "target": 0.99},
            "window": "28d",
        },
        {"model": "*", "availability": 0.999},
    ]
}
RULES = slo_rules_yaml(parse_objectives(CONFIG))
ALERTS = [
    f"InferdSLO{sli}{speed}Burn"
    for sli in ("Availability", "Latency")
    for speed in ("Fast", "Medium", "Slow")
]


def requests(model: str, per_minute: dict[str, int], minutes: int) -> list[dict[str, str]]:
    """Counter series of ``inferd_requests_total`` growing by ``per_minute[code]`` each minute."""
    return [
        {
            "series": f'inferd_requests_total{{model="{model}",version="1",protocol="rest",code="{code}"}}',
            "values": f"0+{count}x{minutes}",
        }
        for code, count in per_minute.items()
    ]


def durations(model: str, fast_per_minute: int, all_per_minute: int, minutes: int) -> list[dict[str, str]]:
    """Histogram series where ``fast_per_minute`` of ``all_per_minute`` requests finish within 0.1s."""
    labels = f'model="{model}",version="1",protocol="rest"'
    name = "inferd_request_duration_seconds"
    return [
        {"series": f'{name}_bucket{{{labels},le="0.05"}}', "values": f"0+{fast_per_minute // 2}x{minutes}"},
        {"series": f'{name}_bucket{{{labels},le="0.1"}}', "values": f"0+{fast_per_minute}x{minutes}"},
        {"series": f'{name}_bucket{{{labels},le="+Inf"}}', "values": f"0+{all_per_minute}x{minutes}"},
        {"series": f"{name}_count{{{labels}}}", "values": f"0+{all_per_minute}x{minutes}"},
    ]


def alert(
    model: str, sli: str, severity: str, objective: str, burn: str, windows: str, description: str
) -> Any:
    labels = {"model": model, "severity": severity, "slo": sli, "objective": objective}
    if sli == "latency":
        labels["le"] = "0.1"
    summary = f"{model}: {sli} error budget burning at {burn}x (over {windows})"
    return {"exp_labels": labels, "exp_annotations": {"summary": summary, "description": description}}


IRIS_AVAILABILITY = "Objective: 99.5% of requests succeed (5xx and 429 are failures) over 28d."
DEFAULT_AVAILABILITY = "Objective: 99.9% of requests succeed (5xx and 429 are failures) over 28d."
IRIS_LATENCY = "Objective: 99% of requests within 0.1s over 28d."


def expect(eval_time: str, firing: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """One alert_rule_test per alert: those in ``firing`` with their alerts, every other one silent."""
    return [
        {"eval_time": eval_time, "alertname": name, "exp_alerts": firing.get(name, [])} for name in ALERTS
    ]


def assert_passes(
    promtool: Promtool, series: list[dict[str, str]], alert_tests: list[dict[str, Any]]
) -> None:
    result = promtool.test(
        RULES, [{"interval": "1m", "input_series": series, "alert_rule_test": alert_tests}]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_rules_pass_promtool_check(promtool: Promtool) -> None:
    result = promtool.check(RULES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 19 rules found" in result.stdout


def test_two_percent_errors_against_995_burns_4x_opening_a_ticket_but_no_page(promtool: Promtool) -> None:
    series = requests("iris", {"200": 980, "500": 20}, 8 * 60)
    ticket = alert("iris", "availability", "ticket", "0.995", "4", "1x for 3d and 6h", IRIS_AVAILABILITY)
    assert_passes(promtool, series, expect("7h", {"InferdSLOAvailabilitySlowBurn": [ticket]}))


def test_two_percent_errors_against_the_999_default_page_fast(promtool: Promtool) -> None:
    series = requests("mnist", {"200": 980, "503": 20}, 90)
    page = alert("mnist", "availability", "page", "0.999", "20", "14.4x for 1h and 5m", DEFAULT_AVAILABILITY)
    medium = alert("mnist", "availability", "page", "0.999", "20", "6x for 6h and 30m", DEFAULT_AVAILABILITY)
    ticket = alert("mnist", "availability", "ticket", "0.999", "20", "1x for 3d and 6h", DEFAULT_AVAILABILITY)
    firing = {
        "InferdSLOAvailabilityFastBurn": [page],
        "InferdSLOAvailabilityMediumBurn": [medium],
        "InferdSLOAvailabilitySlowBurn": [ticket],
    }
    assert_passes(promtool, series, expect("75m", firing))


def test_shedding_load_with_429_burns_the_budget_and_pages(promtool: Promtool) -> None:
    series = requests("iris", {"200": 900, "429": 100}, 90)
    page = alert("iris", "availability", "page", "0.995", "20", "14.4x for 1h and 5m", IRIS_AVAILABILITY)
    medium = alert("iris", "availability", "page", "0.995", "20", "6x for 6h and 30m", IRIS_AVAILABILITY)
    ticket = alert("iris", "availability", "ticket", "0.995", "20", "1x for 3d and 6h", IRIS_AVAILABILITY)
    firing = {
        "InferdSLOAvailabilityFastBurn": [page],
        "InferdSLOAvailabilityMediumBurn": [medium],
        "InferdSLOAvailabilitySlowBurn": [ticket],
    }
    assert_passes(promtool, series, expect("75m", firing))


def test_a_tenth_of_a_percent_of_errors_and_many_client_errors_keep_every_alert_silent(
    promtool: Promtool,
) -> None:
    series = requests("iris", {"200": 699, "404": 200, "400": 100, "500": 1}, 8 * 60)
    series += requests("mnist", {"200": 9995, "422": 4000, "500": 5}, 8 * 60)
    series += durations("iris", 998, 1000, 8 * 60)
    assert_passes(promtool, series, [test for t in ("10m", "1h", "7h") for test in expect(t, {})])


def test_a_page_stops_minutes_after_the_errors_stop(promtool: Promtool) -> None:
    # 10% errors for an hour, then none: the 1h window still burns, the 5m window no longer does.
    series = [
        {
            "series": 'inferd_requests_total{model="iris",version="1",protocol="rest",code="200"}',
            "values": "0+900x120",
        },
        {
            "series": 'inferd_requests_total{model="iris",version="1",protocol="rest",code="500"}',
            "values": "0+100x60 6000+0x60",
        },
    ]
    page = alert("iris", "availability", "page", "0.995", "20", "14.4x for 1h and 5m", IRIS_AVAILABILITY)
    during = [t for t in expect("59m", {}) if t["alertname"] == "InferdSLOAvailabilityFastBurn"]
    during[0]["exp_alerts"] = [page]
    after = [t for t in expect("70m", {}) if t["alertname"] == "InferdSLOAvailabilityFastBurn"]
    assert_passes(promtool, series, during + after)


@pytest.mark.parametrize(("fast_per_minute", "burn"), [(800, "20"), (930, "7")])
def test_slow_requests_burn_the_latency_budget(promtool: Promtool, fast_per_minute: int, burn: str) -> None:
    series = requests("iris", {"200": 1000}, 90) + durations("iris", fast_per_minute, 1000, 90)
    page = alert("iris", "latency", "page", "0.99", burn, "14.4x for 1h and 5m", IRIS_LATENCY)
    medium = alert("iris", "latency", "page", "0.99", burn, "6x for 6h and 30m", IRIS_LATENCY)
    ticket = alert("iris", "latency", "ticket", "0.99", burn, "1x for 3d and 6h", IRIS_LATENCY)
    firing = {"InferdSLOLatencyMediumBurn": [medium], "InferdSLOLatencySlowBurn": [ticket]}
    if burn == "20":  # 7x is over 6x but under 14.4x
        firing["InferdSLOLatencyFastBurn"] = [page]
    assert_passes(promtool, series, expect("75m", firing))


def test_the_command_writes_rules_that_promtool_accepts(promtool: Promtool, tmp_path: Path) -> None:
    from inferd.cli.app import run

    config = tmp_path / "slo.yaml"
    config.write_text("objectives:\n  - {model: iris, latency: {threshold_s: 0.25, target: 0.95}}\n")
    output = tmp_path / "out.yaml"
    assert run(["slo", "rules", str(config), "-o", str(output)]) == 0
    text = output.read_text()
    assert 'inferd_request_duration_seconds_bucket{le="0.25"}' in text
    result = promtool.check(text)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_command_names_the_bad_key_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from inferd.cli.app import run

    config = tmp_path / "slo.yaml"
    config.write_text("objectives:\n  - {model: iris, availability: 1.5}\n")
    assert run(["slo", "rules", str(config)]) == 1
    assert "objectives[0].availability: 1.5 must be a fraction" in capsys.readouterr().err
