"""``inferd features``: materialize a CSV or Parquet file, then read rows back by key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.features.conftest import drop_prefix, redis_prefix, require_redis
from tests.services import REDIS_URL

Inferd = Callable[..., tuple[int, str, str]]


def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [101, 102, 103],
            "income": [52000.5, 61000.0, 47000.25],
            "segment": ["gold", "silver", "gold"],
            "event_time": ["2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z", "2024-03-01T12:00:00Z"],
        }
    )


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'features.db'}"
        return
    require_redis()
    prefix = redis_prefix()
    yield f"{REDIS_URL}?prefix={prefix}"
    drop_prefix(prefix)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_materialize_then_get_prints_the_rows(
    inferd: Inferd, tmp_path: Path, store_url: str, suffix: str
) -> None:
    source = tmp_path / f"customers{suffix}"
    frame = customers()
    frame.to_csv(source, index=False) if suffix == ".csv" else frame.to_parquet(source)
    args = ["--entity", "customer_id", "--timestamp-column", "event_time", "--store", store_url]
    code, out, err = inferd("features", "materialize", str(source), *args, "--chunk-rows", "2")
    assert code == 0, err
    assert "materialized 3 row(s) of customer_id" in out
    code, out, err = inferd("features", "get", "customer_id", "102", "999", "--store", store_url)
    assert code == 0, err
    assert "61000.0" in out
    assert "silver" in out
    assert "2024-03-01T11:00:00+00:00" in out
    assert "999" in out
    assert "no" in out


def test_materialize_twice_keeps_the_newer_rows(inferd: Inferd, tmp_path: Path, store_url: str) -> None:
    source = tmp_path / "customers.csv"
    customers().to_csv(source, index=False)
    args = ["--entity", "customer_id", "--timestamp-column", "event_time", "--store", store_url]
    assert inferd("features", "materialize", str(source), *args)[0] == 0
    stale = customers().assign(income=0.0, event_time="2020-01-01T00:00:00Z")
    stale.to_csv(source, index=False)
    code, out, _ = inferd("features", "materialize", str(source), *args)
    assert code == 0
    assert "materialized 0 row(s)" in out
    code, out, _ = inferd(
        "features", "get", "customer_id", "101", "--feature", "income", "--store", store_url
    )
    assert "52000.5" in out


def test_the_default_store_lives_in_inferd_home(
    inferd: Inferd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("INFERD_HOME", str(home))
    monkeypatch.delenv("INFERD_FEATURE_STORE_URL", raising=False)
    source = tmp_path / "customers.csv"
    customers().to_csv(source, index=False)
    assert inferd("features", "materialize", str(source), "--entity", "customer_id", "--no-progress")[0] == 0
    assert (home / "features.db").is_file()
    code, out, _ = inferd("features", "get", "customer_id", "103")
    assert code == 0
    assert "47000.25" in out


def test_get_for_an_entity_with_nothing_loaded_says_how_to_load_it(inferd: Inferd, store_url: str) -> None:
    code, _, err = inferd("features", "get", "customer_id", "1", "--store", store_url)
    assert code == 1
    assert "entity 'customer_id' has no features" in err
    assert "inferd features materialize" in err


def test_materialize_refuses_an_unknown_key_column_listing_the_columns(
    inferd: Inferd, tmp_path: Path, store_url: str
) -> None:
    source = tmp_path / "customers.csv"
    customers().to_csv(source, index=False)
    code, _, err = inferd("features", "materialize", str(source), "--entity", "user_id", "--store", store_url)
    assert code == 1
    assert "column 'user_id' is not in the feature source" in err


def test_a_redis_that_is_down_is_reported_in_one_line(inferd: Inferd, tmp_path: Path) -> None:
    from tests.services import free_port

    source = tmp_path / "customers.csv"
    customers().to_csv(source, index=False)
    url = f"redis://127.0.0.1:{free_port()}/0"
    code, _, err = inferd("features", "materialize", str(source), "--entity", "customer_id", "--store", url)
    assert code == 1
    assert "is unavailable" in err
    assert "Traceback" not in err
