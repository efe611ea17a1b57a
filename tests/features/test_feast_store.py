"""The Feast adapter against a real Feast repository with its SQLite online store.

Feast is not in the development environment: it pins pandas below 3 and brings
dask, fastapi and gunicorn along, so it is an opt-in extra (``inferd[feast]``)
and these tests skip unless it is installed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from inferd.features import FeatureStore, open_feature_store

feast = pytest.importorskip("feast", reason="Feast is an opt-in extra: pip install 'inferd[feast]'")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")

REPO_YAML = """\
project: inferd_test
registry: data/registry.db
provider: local
online_store:
  type: sqlite
  path: data/online_store.db
entity_key_serialization_version: 3
"""


def feast_repo(folder: Path) -> None:
    import pandas as pd
    from feast.types import Float64, Int64, String

    (folder / "data").mkdir()
    (folder / "feature_store.yaml").write_text(REPO_YAML)
    source_path = folder / "data" / "customers.parquet"
    pd.DataFrame(
        {
            "customer_id": pd.Series([0], dtype="int64"),
            "income": [0.0],
            "visits": pd.Series([0], dtype="int64"),
            "segment": [""],
            "event_timestamp": pd.to_datetime([0], unit="s", utc=True),
        }
    ).to_parquet(source_path)
    customer = feast.Entity(name="customer", join_keys=["customer_id"], value_type=feast.ValueType.INT64)
    view = feast.FeatureView(
        name="customer_stats",
        entities=[customer],
        ttl=timedelta(days=3650),
        schema=[
            feast.Field(name="income", dtype=Float64),
            feast.Field(name="visits", dtype=Int64),
            feast.Field(name="segment", dtype=String),
        ],
        source=feast.FileSource(path=str(source_path), timestamp_field="event_timestamp"),
        online=True,
    )
    feast.FeatureStore(repo_path=str(folder)).apply([customer, view])


@pytest.fixture
def feast_store(tmp_path: Path) -> Iterator[FeatureStore]:
    feast_repo(tmp_path)
    store = open_feature_store(f"feast://{tmp_path}?view=customer_stats")
    yield store
    store.close()


def values(**columns: Any) -> dict[str, np.ndarray]:
    return {name: np.asarray(column) for name, column in columns.items()}


def test_rows_written_through_feast_come_back_by_key(feast_store: FeatureStore) -> None:
    now_s = float(int(time.time()))
    written = feast_store.put(
        "customer_id",
        np.array([1, 2]),
        values(income=[10.5, 20.25], visits=[3, 4], segment=np.array(["gold", "silver"], dtype=object)),
        np.array([now_s, now_s]),
    )
    assert written == 2
    rows = feast_store.get(
        "customer_id", np.array([2, 99, 1]), ["income", "visits", "customer_stats:segment"]
    )
    assert rows.found.tolist() == [True, False, True]
    assert rows.values["income"][[0, 2]].tolist() == [20.25, 10.5]
    assert np.isnan(rows.values["income"][1])
    assert rows.values["customer_stats:segment"].tolist() == ["silver", None, "gold"]
    assert rows.event_time_s[0] == now_s
    assert np.isnan(rows.event_time_s[1])


def test_an_older_row_does_not_overwrite_a_newer_one_in_feast(feast_store: FeatureStore) -> None:
    now_s = float(int(time.time()))
    feast_store.put("customer_id", np.array([1]), values(income=[1.0]), np.array([now_s]))
    assert feast_store.put("customer_id", np.array([1]), values(income=[-1.0]), np.array([now_s - 60])) == 0
    assert feast_store.get("customer_id", np.array([1]), ["income"]).values["income"].tolist() == [1.0]


def test_feast_lists_the_features_of_views_keyed_by_the_entity(feast_store: FeatureStore) -> None:
    assert sorted(feast_store.feature_dtypes("customer_id")) == [
        "customer_stats:income",
        "customer_stats:segment",
        "customer_stats:visits",
    ]
