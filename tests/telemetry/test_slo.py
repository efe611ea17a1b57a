"""Reading SLO objectives from a config file, and the messages a bad one gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inferd.errors import InvalidInputError
from inferd.telemetry.slo import LatencyObjective, Objective, load_objectives, parse_objectives

EXAMPLE = """
objectives:
  - {model: iris, availability: 0.995, latency: {threshold_s: 0.1, target: 0.99}, window: 28d}
  - {model: "*", availability: 0.999}
"""


def test_yaml_objectives_are_read_into_frozen_records(tmp_path: Path) -> None:
    path = tmp_path / "slo.yaml"
    path.write_text(EXAMPLE)
    iris, default = load_objectives(path)
    assert iris == Objective("iris", 0.995, LatencyObjective(0.1, 0.99), "28d")
    assert default == Objective("*", 0.999, None, "28d")
    assert default.is_default
    assert not iris.is_default
    with pytest.raises(AttributeError):
        iris.availability = 0.9  # type: ignore[misc]


def test_json_objectives_are_read_too(tmp_path: Path) -> None:
    path = tmp_path / "slo.json"
    path.write_text(
        json.dumps({"objectives": [{"model": "m", "latency": {"threshold_s": 1, "target": 0.9}}]})
    )
    (objective,) = load_objectives(path)
    assert objective.latency == LatencyObjective(1.0, 0.9)
    assert objective.latency.bucket == "1.0", "prometheus_client spells the le label of 1 as 1.0"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"objective": []}, "single key 'objectives'"),
        ({"objectives": []}, "'objectives' must be a non-empty list"),
        (
            {"objectives": [{"model": "iris", "availabilty": 0.99}]},
            "objectives[0]: unknown key 'availabilty'",
        ),
        (
            {"objectives": [{"model": "iris"}]},
            "objectives[0] (model 'iris') needs 'availability' or 'latency'",
        ),
        (
            {"objectives": [{"model": "iris", "availability": 99.5}]},
            "objectives[0].availability: 99.5 must be",
        ),
        ({"objectives": [{"model": 'a"b', "availability": 0.9}]}, "objectives[0].model: 'a\"b' must be"),
        ({"objectives": [{"model": "m", "availability": 0.9, "window": "4 weeks"}]}, "objectives[0].window"),
        (
            {"objectives": [{"model": "m", "latency": {"threshold_s": 0.2, "target": 0.9}}]},
            "objectives[0].latency.threshold_s: 0.2 is not a bucket of inferd_request_duration_seconds",
        ),
        (
            {"objectives": [{"model": "m", "latency": {"threshold_s": 0.1}}]},
            "objectives[0].latency.target is missing",
        ),
        (
            {"objectives": [{"model": "m", "availability": 0.9}, {"model": "m", "availability": 0.99}]},
            "objectives[1].model: 'm' appears twice",
        ),
    ],
)
def test_a_bad_config_is_refused_naming_the_bad_key(document: object, message: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_objectives(document)
    assert message in str(raised.value)


def test_a_config_that_is_not_yaml_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "slo.yaml"
    path.write_text("objectives: [")
    with pytest.raises(InvalidInputError, match=r"slo\.yaml is not valid YAML or JSON"):
        load_objectives(path)
    with pytest.raises(InvalidInputError, match="cannot read SLO config"):
        load_objectives(tmp_path / "missing.yaml")
