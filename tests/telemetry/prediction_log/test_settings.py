from __future__ import annotations

import pytest

from inferd.errors import InvalidInputError
from inferd.telemetry.prediction_log import PredictionLogSettings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for suffix in ("", "_SAMPLE_RATE", "_PII_MODE", "_PII_KEY"):
        monkeypatch.delenv(f"INFERD_PREDICTION_LOG{suffix}", raising=False)


def test_the_log_is_off_unless_a_sink_is_named() -> None:
    settings = PredictionLogSettings.from_environment()
    assert settings.sink == ""
    assert not settings.is_enabled
    assert (settings.sample_rate, settings.pii_mode, settings.buffer_records) == (1.0, "hash", 10_000)


def test_environment_variables_fill_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERD_PREDICTION_LOG", "postgresql://db/predictions")
    monkeypatch.setenv("INFERD_PREDICTION_LOG_SAMPLE_RATE", "0.25")
    monkeypatch.setenv("INFERD_PREDICTION_LOG_PII_MODE", "DROP")
    monkeypatch.setenv("INFERD_PREDICTION_LOG_PII_KEY", "s3cret")
    settings = PredictionLogSettings.from_environment()
    assert settings.sink == "postgresql://db/predictions"
    assert settings.sample_rate == 0.25
    assert settings.pii_mode == "drop"
    assert settings.pii_key == "s3cret"


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("INFERD_PREDICTION_LOG_SAMPLE_RATE", "often", "is not a number"),
        ("INFERD_PREDICTION_LOG_SAMPLE_RATE", "1.5", "between 0 and 1"),
        ("INFERD_PREDICTION_LOG_PII_MODE", "encrypt", "hash, drop"),
    ],
)
def test_a_bad_variable_is_named_in_the_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInputError, match=f"{variable}=.*{says}"):
        PredictionLogSettings.from_environment()


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"sample_rate": -0.1}, "sample_rate=-0.1 must be between 0 and 1"),
        ({"buffer_records": 0}, "buffer_records=0 must be at least 1"),
        ({"rotate_rows": 0}, "rotate_rows=0 must be at least 1"),
        ({"flush_interval_s": 0.0}, "flush_interval_s=0.0 must be above 0"),
        ({"rotate_s": -1.0}, "rotate_s=-1.0 must be above 0"),
        ({"table": "predictions; DROP TABLE x"}, "must be a SQL name"),
        ({"pii_key": ""}, "pii_key='' is empty"),
    ],
)
def test_out_of_range_settings_are_refused_naming_the_field(changes: dict[str, object], says: str) -> None:
    with pytest.raises(InvalidInputError, match=says.replace("(", r"\(")):
        PredictionLogSettings(**changes)  # type: ignore[arg-type]


def test_the_pii_key_never_shows_in_the_settings_repr() -> None:
    settings = PredictionLogSettings(sink="parquet", pii_key="do-not-print-me")
    assert "do-not-print-me" not in repr(settings)
    assert "do-not-print-me" not in str(settings)


def test_a_schema_qualified_table_name_is_accepted() -> None:
    assert PredictionLogSettings(table="telemetry.predictions").table == "telemetry.predictions"
