"""`inferd serve --model-batching`: per-model batching settings from the command line."""

from __future__ import annotations

import pytest

from inferd.batching import BatchingSettings
from inferd.cli.serve import parse_model_batching
from inferd.errors import InvalidInputError


def test_per_model_settings_start_from_the_server_default() -> None:
    default = BatchingSettings(max_batch_size=64, max_delay_us=2000)
    parsed = parse_model_batching(
        ("iris:max_batch_size=8,preferred_batch_sizes=4/8", "slow:enabled=false,inline_call_us=0"), default
    )
    assert parsed["iris"] == BatchingSettings(
        max_batch_size=8, max_delay_us=2000, preferred_batch_sizes=(4, 8)
    )
    assert parsed["slow"].enabled is False
    assert parsed["slow"].inline_call_us == 0  # its model's calls never run on the event loop
    assert parsed["slow"].max_batch_size == 64


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("iris", "expected MODEL:KEY=VALUE"),
        ("iris:size=3", "unknown key 'size'"),
        ("iris:max_batch_size=big", "bad value 'big'"),
        ("iris:max_batch_size=0", "max_batch_size must be at least 1"),
        ("iris:max_batch_size=4,preferred_batch_sizes=8", "preferred_batch_sizes"),
    ],
)
def test_a_bad_spec_names_the_problem(spec: str, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        parse_model_batching((spec,), BatchingSettings())


def test_a_prediction_log_that_hashes_pii_needs_its_key_before_any_worker_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from inferd.cli.serve import prediction_log_settings

    monkeypatch.delenv("INFERD_PREDICTION_LOG_PII_KEY", raising=False)
    with pytest.raises(InvalidInputError, match="INFERD_PREDICTION_LOG_PII_KEY"):
        prediction_log_settings("parquet", None, "hash")
    assert prediction_log_settings("parquet", 0.5, "drop").sample_rate == 0.5
    monkeypatch.setenv("INFERD_PREDICTION_LOG_PII_KEY", "k")
    assert prediction_log_settings("parquet", None, None).pii_key == "k"
