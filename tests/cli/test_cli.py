"""The ``inferd`` command as a user types it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

Inferd = Callable[..., tuple[int, str, str]]

IRIS_ROWS = [
    {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
    {"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3},
]


def test_register_detects_the_framework_and_lists_the_model(inferd: Inferd, model_dir: Path) -> None:
    code, out, err = inferd(
        "models", "register", "clf", str(model_dir / "classifier.onnx"), "--metric", "auc=0.9"
    )
    assert code == 0, err
    assert "registered clf:1 (onnx" in out
    code, out, _ = inferd("models", "list")
    assert code == 0
    assert "clf" in out


def test_versions_show_and_aliases_follow_registrations(inferd: Inferd, model_dir: Path) -> None:
    for _ in range(2):
        assert inferd("models", "register", "iris", str(model_dir / "iris.skops"))[0] == 0
    assert inferd("alias", "set", "iris", "production", "1", "--reason", "first")[0] == 0
    code, out, _ = inferd("alias", "set", "iris", "production", "2", "--reason", "better")
    assert code == 0
    assert "1 -> 2" in out
    code, out, _ = inferd("models", "versions", "iris")
    assert code == 0
    assert "production" in out
    code, out, _ = inferd("models", "show", "iris@production")
    assert code == 0
    assert "iris:2" in out
    assert "sepal_length" in out
    code, out, _ = inferd("alias", "history", "iris")
    assert code == 0
    assert "better" in out
    assert "first" in out
    code, out, _ = inferd("alias", "rollback", "iris", "production")
    assert code == 0
    assert "2 -> 1" in out


def test_alias_to_a_missing_version_is_one_clear_line(inferd: Inferd, model_dir: Path) -> None:
    inferd("models", "register", "iris", str(model_dir / "iris.skops"))
    code, out, err = inferd("alias", "set", "iris", "production", "7")
    assert code == 1
    assert "7" in err
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1


def test_unknown_model_is_one_clear_line_not_a_traceback(inferd: Inferd) -> None:
    code, out, err = inferd("models", "show", "nope")
    assert code == 1
    assert "nope" in err
    assert "Traceback" not in out + err


def test_predict_scores_rows_from_json_csv_and_parquet(
    inferd: Inferd, model_dir: Path, tmp_path: Path
) -> None:
    inferd("models", "register", "iris", str(model_dir / "iris.skops"))
    json_path = tmp_path / "rows.json"
    json_path.write_text(json.dumps(IRIS_ROWS))
    csv_path = tmp_path / "rows.csv"
    pd.DataFrame(IRIS_ROWS).to_csv(csv_path, index=False)
    parquet_path = tmp_path / "rows.parquet"
    pd.DataFrame(IRIS_ROWS).to_parquet(parquet_path)
    for path in (json_path, csv_path, parquet_path):
        code, out, err = inferd("predict", "iris", "--input", str(path), "--json")
        assert code == 0, err
        rows = [json.loads(line) for line in out.strip().splitlines()]
        assert [r["label"] for r in rows] == [0, 2]
        assert all(abs(sum(r["probabilities"]) - 1) < 1e-5 for r in rows)


def test_predict_names_the_field_and_row_of_a_contract_violation(
    inferd: Inferd, model_dir: Path, tmp_path: Path
) -> None:
    inferd("models", "register", "iris", str(model_dir / "iris.skops"))
    rows = [dict(IRIS_ROWS[0]), {**IRIS_ROWS[1], "petal_width": "wide"}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rows))
    code, out, err = inferd("predict", "iris", "--input", str(path))
    assert code == 1
    assert "petal_width" in err
    assert "row 1" in err
    assert "Traceback" not in out + err


def test_wrong_framework_is_refused_with_one_line(inferd: Inferd, model_dir: Path) -> None:
    code, out, err = inferd(
        "models", "register", "x", str(model_dir / "classifier.onnx"), "--framework", "sklearn"
    )
    assert code == 1
    assert "classifier.onnx" in err
    assert "Traceback" not in out + err
    assert inferd("models", "list")[1].count("x ") == 0


def test_missing_file_is_refused(inferd: Inferd, tmp_path: Path) -> None:
    code, _, err = inferd("models", "register", "x", str(tmp_path / "absent.onnx"))
    assert code == 1
    assert "absent.onnx" in err


def test_contract_draft_writes_a_yaml_contract_that_registration_accepts(
    inferd: Inferd, model_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "train.csv"
    pd.DataFrame(IRIS_ROWS * 3).assign(species=[0, 2] * 3).to_csv(data, index=False)
    contract = tmp_path / "contract.yaml"
    code, _, err = inferd("contract", "draft", str(data), "--target", "species", "-o", str(contract))
    assert code == 0, err
    assert "petal_width" in contract.read_text()
    assert "species" not in contract.read_text()
    code, _, err = inferd(
        "models", "register", "iris", str(model_dir / "iris.skops"), "--contract", str(contract)
    )
    assert code == 0, err


def test_usage_error_exits_2(inferd: Inferd) -> None:
    code, _, _ = inferd("models", "register")
    assert code == 2


def test_the_installed_command_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "inferd"
    result = subprocess.run([str(script), "models", "list"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "no models registered yet" in result.stdout


def test_predict_runs_the_versions_deployment_steps(inferd: Inferd, model_dir: Path, tmp_path: Path) -> None:
    deployment = tmp_path / "deploy.yaml"
    deployment.write_text("postprocess:\n  - {step: rename, mapping: {label: species}}\n")
    code, _, err = inferd(
        "models", "register", "iris", str(model_dir / "iris.skops"), "--deployment", str(deployment)
    )
    assert code == 0, err
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps(IRIS_ROWS))
    code, out, err = inferd("predict", "iris", "--input", str(rows), "--json")
    assert code == 0, err
    assert [json.loads(line)["species"] for line in out.strip().splitlines()] == [0, 2]


def test_a_deployment_naming_an_unknown_step_is_refused(
    inferd: Inferd, model_dir: Path, tmp_path: Path
) -> None:
    deployment = tmp_path / "deploy.yaml"
    deployment.write_text("postprocess:\n  - {step: sparkle}\n")
    code, _, err = inferd(
        "models", "register", "iris", str(model_dir / "iris.skops"), "--deployment", str(deployment)
    )
    assert code == 1
    assert "sparkle" in err


def test_alias_at_a_time_and_alias_delete(inferd: Inferd, model_dir: Path) -> None:
    from datetime import timedelta

    from inferd.registry import Registry

    for _ in range(2):
        assert inferd("models", "register", "iris", str(model_dir / "iris.skops"))[0] == 0
    assert inferd("alias", "set", "iris", "production", "1")[0] == 0
    assert inferd("alias", "set", "iris", "production", "2")[0] == 0
    with Registry.open() as registry:
        first, second = sorted(registry.alias_history("iris", "production"), key=lambda move: move.at)
    code, out, err = inferd("alias", "at", "iris", "production", first.at.isoformat())
    assert code == 0, err
    assert f"iris@production was version 1 at {first.at:%Y-%m-%d %H:%M:%S} UTC" in out
    code, out, _ = inferd("alias", "at", "iris", "production", second.at.isoformat())
    assert "was version 2" in out
    code, out, _ = inferd("alias", "at", "iris", "production", (first.at - timedelta(days=1)).isoformat())
    assert code == 0
    assert "pointed at nothing" in out
    code, out, err = inferd("alias", "at", "iris", "production", "last tuesday")
    assert code == 1
    assert "'last tuesday' is not an ISO-8601 time" in err
    assert "Traceback" not in out + err
    code, out, err = inferd("alias", "delete", "iris", "production", "--reason", "retired")
    assert code == 0, err
    assert "iris@production: 2 -> deleted" in out
    code, out, _ = inferd("alias", "history", "iris")
    assert "retired" in out
    assert "deleted" in out


def test_metrics_and_params_are_read_as_json_when_they_parse(inferd: Inferd, model_dir: Path) -> None:
    from inferd.registry import Registry

    code, _, err = inferd(
        "models", "register", "clf", str(model_dir / "classifier.onnx"),
        "--metric", "auc=0.91", "--param", "team=risk", "--param", "depth=4",
    )  # fmt: skip
    assert code == 0, err
    with Registry.open() as registry:
        version = registry.get("clf", 1)
    assert version.metadata["metrics"] == {"auc": 0.91}
    assert version.metadata["params"] == {"team": "risk", "depth": 4}
    onnx = str(model_dir / "classifier.onnx")
    code, _, err = inferd("models", "register", "clf", onnx, "--metric", "auc")
    assert code == 1
    assert "--metric 'auc': expected KEY=VALUE" in err


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("INFERD_CONNECT_TIMEOUT_S", "soon", "INFERD_CONNECT_TIMEOUT_S='soon' is not a number"),
        ("INFERD_ARTIFACT_OPTIONS", "{key: 1}", "INFERD_ARTIFACT_OPTIONS is not valid JSON"),
        ("INFERD_ARTIFACT_OPTIONS", "[1, 2]", "INFERD_ARTIFACT_OPTIONS must be a JSON object"),
    ],
)
def test_a_bad_setting_in_the_environment_is_one_line_naming_the_variable(
    inferd: Inferd, model_dir: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    code, out, err = inferd("models", "register", "clf", str(model_dir / "classifier.onnx"))
    assert code == 1
    assert message in err
    assert "Traceback" not in out + err
