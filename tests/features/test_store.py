"""The FeatureStore behaviour users rely on, on SQLite and on the real Redis alike."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inferd.errors import InvalidInputError, NotFoundError
from inferd.features import FeatureStore
from inferd.testing import check_feature_store

T0 = 1_700_000_000.0


def put(store: FeatureStore, keys: list[object], time_s: float = T0, **values: np.ndarray) -> int:
    return store.put("customer_id", np.array(keys, dtype=object), values, np.full(len(keys), time_s))


def test_the_store_passes_the_conformance_kit(store: FeatureStore) -> None:
    check_feature_store(store)


def test_values_come_back_equal_with_their_dtypes_in_the_order_asked(store: FeatureStore) -> None:
    put(
        store,
        ["a", "b"],
        income=np.array([52_000.5, 1e-300]),
        score=np.array([0.7, 0.25], dtype=np.float32),
        visits=np.array([3, -(2**62)], dtype=np.int64),
        small=np.array([1, 2], dtype=np.int16),
        vip=np.array([False, True]),
        city=np.array(["Zürich", "Lyon"], dtype=object),
        joined=np.array(["2024-01-01T10:00", "2023-05-06T00:00:01"], dtype="datetime64[ns]"),
    )
    features = ["income", "score", "visits", "small", "vip", "city", "joined"]
    rows = store.get("customer_id", np.array(["b", "a"]), features)
    assert rows.values["income"].tolist() == [1e-300, 52_000.5]
    assert rows.values["score"].dtype == np.float32
    assert rows.values["score"].tolist() == [np.float32(0.25), np.float32(0.7)]
    assert rows.values["visits"].tolist() == [-(2**62), 3]
    assert rows.values["small"].dtype == np.int16
    assert rows.values["vip"].tolist() == [True, False]
    assert rows.values["city"].tolist() == ["Lyon", "Zürich"]
    assert rows.values["joined"].dtype == np.dtype("datetime64[ns]")
    assert str(rows.values["joined"][0]) == "2023-05-06T00:00:01.000000000"
    assert rows.event_time_s.tolist() == [T0, T0]


def test_unknown_keys_are_reported_by_found_with_nan_and_none(store: FeatureStore) -> None:
    put(store, [1], income=np.array([1.0]), visits=np.array([4]), vip=np.array([True]), city=np.array(["x"]))
    rows = store.get("customer_id", np.array([404, 1]), ["income", "visits", "vip", "city"])
    assert rows.found.tolist() == [False, True]
    assert np.isnan(rows.event_time_s[0])
    assert np.isnan(rows.values["income"][0])
    # An integer column with a gap reads as float64 with NaN; booleans and strings hold None.
    assert rows.values["visits"].dtype == np.float64
    assert np.isnan(rows.values["visits"][0])
    assert rows.values["visits"][1] == 4
    assert rows.values["vip"].tolist() == [None, True]
    assert rows.values["city"].tolist() == [None, "x"]


def test_an_entity_with_nothing_stored_finds_no_key(store: FeatureStore) -> None:
    rows = store.get("never_loaded", np.array([1, 2]), ["f"])
    assert rows.found.tolist() == [False, False]
    assert np.isnan(rows.values["f"]).all()


def test_a_feature_the_entity_never_had_is_refused_naming_it(store: FeatureStore) -> None:
    put(store, [1], income=np.array([1.0]))
    with pytest.raises(NotFoundError, match=r"no feature 'incme'.*it has: income"):
        store.get("customer_id", np.array([1]), ["incme"])


def test_the_newest_event_time_wins_and_reloading_changes_nothing(store: FeatureStore) -> None:
    assert put(store, [1, 2], T0, income=np.array([10.0, 20.0])) == 2
    assert put(store, [1, 2], T0 - 3600, income=np.array([-1.0, -2.0])) == 0
    assert put(store, [2], T0 + 60, income=np.array([25.0])) == 1
    put(store, [1, 2], T0, income=np.array([10.0, 20.0]))  # the first load again
    rows = store.get("customer_id", np.array([1, 2]), ["income"])
    assert rows.values["income"].tolist() == [10.0, 25.0]
    assert rows.event_time_s.tolist() == [T0, T0 + 60]


def test_the_last_of_repeated_keys_in_one_write_wins_when_times_tie(store: FeatureStore) -> None:
    put(store, [7, 7], T0, income=np.array([1.0, 2.0]))
    assert store.get("customer_id", np.array([7]), ["income"]).values["income"].tolist() == [2.0]


def test_features_from_separate_loads_join_one_row(store: FeatureStore) -> None:
    put(store, [1], T0, income=np.array([10.0]))
    put(store, [1], T0 + 1, city=np.array(["Oslo"], dtype=object))
    rows = store.get("customer_id", np.array([1]), ["income", "city"])
    assert rows.values["income"].tolist() == [10.0]
    assert rows.values["city"].tolist() == ["Oslo"]


def test_a_missing_value_in_a_newer_row_clears_the_old_one(store: FeatureStore) -> None:
    put(store, [1], T0, income=np.array([10.0]))
    put(store, [1], T0 + 1, income=np.array([np.nan]))
    rows = store.get("customer_id", np.array([1]), ["income"])
    assert rows.found.tolist() == [True]
    assert np.isnan(rows.values["income"][0])


def test_int_float_and_string_forms_of_a_key_name_the_same_row(store: FeatureStore) -> None:
    put(store, [42], income=np.array([1.5]))
    rows = store.get("customer_id", np.array([42, "42", 42.0], dtype=object), ["income"])
    assert rows.values["income"].tolist() == [1.5, 1.5, 1.5]


@pytest.mark.parametrize("key", [None, True, float("nan"), 1.5])
def test_a_key_that_names_no_row_is_refused(store: FeatureStore, key: object) -> None:
    with pytest.raises(InvalidInputError, match="entity key at row 1"):
        store.get("customer_id", np.array([1, key], dtype=object), ["income"])


def test_an_integer_feature_widens_to_float_when_a_later_load_has_fractions(store: FeatureStore) -> None:
    put(store, [1], T0, visits=np.array([3], dtype=np.int64))
    put(store, [2], T0, visits=np.array([2.5]))
    rows = store.get("customer_id", np.array([1, 2]), ["visits"])
    assert rows.values["visits"].dtype == np.float64
    assert rows.values["visits"].tolist() == [3.0, 2.5]


def test_a_datetime_feature_refuses_numbers_naming_it(store: FeatureStore) -> None:
    put(store, [1], joined=np.array(["2024-01-01"], dtype="datetime64[ns]"))
    with pytest.raises(InvalidInputError, match=r"feature 'joined' is stored as datetime64\[ns\]"):
        put(store, [2], joined=np.array([3.0]))


def test_a_write_whose_columns_disagree_with_the_keys_is_refused_naming_the_feature(
    store: FeatureStore,
) -> None:
    with pytest.raises(InvalidInputError, match="feature 'income' has shape"):
        put(store, [1, 2], income=np.array([1.0]))
    with pytest.raises(InvalidInputError, match="event time at row 0"):
        store.put("customer_id", np.array([1]), {"income": np.array([1.0])}, np.array([np.nan]))


def test_the_store_lists_an_entitys_features_with_their_dtypes(store: FeatureStore) -> None:
    put(store, [1], income=np.array([1.0]), city=np.array(["x"], dtype=object))
    assert store.feature_dtypes("customer_id") == {"income": "float64", "city": "object"}


def test_threads_can_share_one_store(store: FeatureStore) -> None:
    put(store, list(range(50)), income=np.arange(50, dtype=np.float64))
    failures: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(20):
                rows = store.get("customer_id", np.arange(50), ["income"])
                assert rows.values["income"].tolist() == list(map(float, range(50)))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    floats=st.lists(st.floats(allow_nan=False), min_size=1, max_size=8),
    ints=st.lists(st.integers(-(2**63), 2**63 - 1), min_size=8, max_size=8),
    strings=st.lists(texts, min_size=8, max_size=8),
)
def test_any_numbers_and_strings_round_trip_exactly(
    store: FeatureStore, floats: list[float], ints: list[int], strings: list[str]
) -> None:
    n = len(floats)
    keys = [f"k{i}" for i in range(n)]
    put(
        store,
        keys,
        x=np.array(floats),
        n=np.array(ints[:n], dtype=np.int64),
        s=np.array(strings[:n], dtype=object),
    )
    rows = store.get("customer_id", np.array(keys), ["x", "n", "s"])
    assert rows.values["x"].tolist() == floats
    assert rows.values["n"].tolist() == ints[:n]
    assert rows.values["s"].tolist() == strings[:n]
