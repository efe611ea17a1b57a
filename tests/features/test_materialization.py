"""Loading tables into the online store: chunks, event times, idempotence, clear refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inferd.errors import InvalidInputError, NotFoundError
from inferd.features import FeatureStore, materialize


class RecordedProgress:
    def __init__(self) -> None:
        self.events: list[tuple[str, int | None]] = []

    def start(self, total_rows: int | None) -> None:
        self.events.append(("start", total_rows))

    def advance(self, rows: int) -> None:
        self.events.append(("advance", rows))

    def finish(self) -> None:
        self.events.append(("finish", None))


def customers(n: int = 25) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "income": np.linspace(0, 1, n),
            "segment": [f"s{i % 3}" for i in range(n)],
            "event_time": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
        }
    )


def test_a_frame_loads_in_chunks_with_its_event_times(store: FeatureStore) -> None:
    progress = RecordedProgress()
    written = materialize(
        store,
        customers(),
        entity="customer_id",
        timestamp_column="event_time",
        chunk_rows=10,
        progress=progress,
    )
    assert written == 25
    assert progress.events == [
        ("start", 25),
        ("advance", 10),
        ("advance", 10),
        ("advance", 5),
        ("finish", None),
    ]
    rows = store.get("customer_id", np.array([0, 24]), ["income", "segment"])
    assert rows.values["segment"].tolist() == ["s0", "s0"]
    assert rows.event_time_s.tolist() == [
        pd.Timestamp("2024-01-01", tz="UTC").timestamp(),
        pd.Timestamp("2024-01-02", tz="UTC").timestamp(),
    ]


def test_loading_the_same_table_twice_changes_nothing(store: FeatureStore) -> None:
    frame = customers()
    materialize(store, frame, entity="customer_id", timestamp_column="event_time")
    older = frame.assign(income=-1.0, event_time=frame["event_time"] - pd.Timedelta(days=1))
    assert materialize(store, older, entity="customer_id", timestamp_column="event_time") == 0
    materialize(store, frame, entity="customer_id", timestamp_column="event_time")
    rows = store.get("customer_id", frame["customer_id"].to_numpy(), ["income"])
    assert rows.values["income"].tolist() == frame["income"].tolist()


def test_without_a_timestamp_column_rows_are_stamped_with_the_load_time(store: FeatureStore) -> None:
    now_s = pd.Timestamp.now(tz="UTC").timestamp()
    materialize(store, customers().drop(columns="event_time"), entity="customer_id")
    rows = store.get("customer_id", np.array([3]), ["income"])
    assert abs(rows.event_time_s[0] - now_s) < 60


def test_csv_chunks_whose_types_differ_still_land_in_one_column(store: FeatureStore, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,visits,city,event_time\n1,3,Oslo,1700000000\n2,,,1700000000.5\n")
    assert materialize(store, path, entity="customer_id", timestamp_column="event_time", chunk_rows=1) == 2
    rows = store.get("customer_id", np.array([1, 2]), ["visits", "city"])
    assert rows.values["visits"].tolist()[0] == 3.0
    assert np.isnan(rows.values["visits"][1])
    assert rows.values["city"].tolist() == ["Oslo", None]
    assert rows.event_time_s.tolist() == [1_700_000_000.0, 1_700_000_000.5]


def test_iso_text_and_nullable_columns_load(store: FeatureStore) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": pd.array(["a", "b"], dtype="string"),
            "visits": pd.array([1, None], dtype="Int64"),
            "vip": pd.array([True, False], dtype="boolean"),
            "at": ["2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00"],
        }
    )
    materialize(store, frame, entity="customer_id", timestamp_column="at")
    rows = store.get("customer_id", np.array(["a", "b"]), ["visits", "vip"])
    assert rows.values["vip"].tolist() == [True, False]
    assert rows.values["visits"][0] == 1
    assert rows.event_time_s[0] == rows.event_time_s[1]


def test_a_row_without_an_event_time_is_refused_naming_the_row(store: FeatureStore) -> None:
    frame = customers(3)
    frame.loc[2, "event_time"] = pd.NaT
    with pytest.raises(InvalidInputError, match="timestamp column 'event_time' row 2 is empty"):
        materialize(store, frame, entity="customer_id", timestamp_column="event_time")


def test_an_unknown_column_is_refused_listing_the_columns(store: FeatureStore) -> None:
    with pytest.raises(
        InvalidInputError, match=r"column 'user_id' is not in the feature source \(it has: customer_id"
    ):
        materialize(store, customers(), entity="user_id")


def test_a_missing_or_foreign_file_is_refused_naming_it(store: FeatureStore, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"nowhere\.csv"):
        materialize(store, tmp_path / "nowhere.csv", entity="customer_id")
    (tmp_path / "table.xlsx").write_text("x")
    with pytest.raises(InvalidInputError, match=r"table.xlsx.*expected a .parquet or .csv file"):
        materialize(store, tmp_path / "table.xlsx", entity="customer_id")
