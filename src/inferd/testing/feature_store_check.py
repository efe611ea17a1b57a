"""check_feature_store: the conformance kit for the FeatureStore interface.

In the spirit of scikit-learn's ``check_estimator``: give it an open store and
it raises ``AssertionError`` saying which promise of the interface is broken.
It writes only under a fresh entity name (``entity``, by default a random one),
so it can run against a store that holds real data:

- values written come back equal, with their dtype (float64, float32, int64,
  bool, strings as objects), aligned with the keys asked for, in any order and
  with repeats; ``event_time_s`` is each row's time and ``found`` is true;
- an int key and its string form name the same row;
- a key the store does not know is reported by ``found`` with ``NaN`` (numbers),
  ``None`` (strings) and a ``NaN`` event time;
- an older row does not overwrite a newer one (``put`` reports it unwritten), a
  newer one does, and writing the same rows again changes nothing;
- a lookup of zero keys gives zero-length arrays.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np

from inferd.features import FeatureRows, FeatureStore

_KEYS = np.array([101, 102, 103])
_TIME_S = 1_700_000_000.0


def check_feature_store(store: FeatureStore, *, entity: str | None = None) -> None:
    """Assert that ``store`` honours the FeatureStore interface (see the module docstring)."""
    name = entity or f"check_{uuid.uuid4().hex[:12]}"
    values = _sample_values()
    written = store.put(name, _KEYS, values, np.full(len(_KEYS), _TIME_S))
    _expect(written == len(_KEYS), f"put of {len(_KEYS)} new rows reported {written} written")
    _check_round_trip(store, name, values)
    _check_missing_keys(store, name)
    _check_newest_wins(store, name, values)
    _check_no_keys(store, name, list(values))


def _sample_values() -> dict[str, np.ndarray]:
    return {
        "amount": np.array([0.1, -2.5e300, 3.0]),
        "score": np.array([0.1, 1.5, -3.25], dtype=np.float32),
        "count": np.array([7, -1, 2**40], dtype=np.int64),
        "is_active": np.array([True, False, True]),
        "segment": np.array(["gold", "", "zß€"], dtype=object),
    }


def _check_round_trip(store: FeatureStore, entity: str, values: dict[str, np.ndarray]) -> None:
    order = np.array([103, 101, 103, 102])
    rows = store.get(entity, order, list(values))
    _check_shape(rows, list(values), len(order))
    positions = [2, 0, 2, 1]
    for feature, expected in values.items():
        got = rows.values[feature]
        _expect(
            got.dtype == expected.dtype, f"feature {feature!r} came back as {got.dtype}, not {expected.dtype}"
        )
        _expect(
            list(got) == list(expected[positions]),
            f"feature {feature!r} came back as {list(got)}, expected {list(expected[positions])}",
        )
    _expect(bool(rows.found.all()), f"stored keys reported not found: found={rows.found}")
    _expect(
        bool((rows.event_time_s == _TIME_S).all()), f"event times {rows.event_time_s}, expected {_TIME_S}"
    )
    as_text = store.get(entity, np.array(["102"], dtype=object), ["count"])
    _expect(
        bool(as_text.found[0]) and as_text.values["count"][0] == -1, "key '102' did not find the row of 102"
    )


def _check_missing_keys(store: FeatureStore, entity: str) -> None:
    rows = store.get(entity, np.array([101, 999_999]), ["amount", "segment"])
    _expect(list(rows.found) == [True, False], f"found={rows.found}, expected [True, False]")
    _expect(
        bool(np.isnan(rows.values["amount"][1])), f"a missing key's number is {rows.values['amount'][1]!r}"
    )
    _expect(rows.values["segment"][1] is None, f"a missing key's string is {rows.values['segment'][1]!r}")
    _expect(bool(np.isnan(rows.event_time_s[1])), f"a missing key's event time is {rows.event_time_s[1]}")


def _check_newest_wins(store: FeatureStore, entity: str, values: dict[str, np.ndarray]) -> None:
    older = {"amount": np.array([-1.0])}
    written = store.put(entity, _KEYS[:1], older, np.array([_TIME_S - 60]))
    _expect(written == 0, f"an older row was reported written ({written})")
    _expect(_amount(store, entity) == values["amount"][0], "an older row overwrote a newer one")
    again = store.put(entity, _KEYS, values, np.full(len(_KEYS), _TIME_S))
    _expect(again in (0, len(_KEYS)), f"writing the same rows again reported {again} written")
    _expect(_amount(store, entity) == values["amount"][0], "writing the same rows again changed them")
    written = store.put(entity, _KEYS[:1], {"amount": np.array([42.0])}, np.array([_TIME_S + 60]))
    _expect(written == 1, f"a newer row was reported {written} written")
    rows = store.get(entity, _KEYS[:1], ["amount", "segment"])
    _expect(rows.values["amount"][0] == 42.0, "a newer row did not overwrite the stored one")
    _expect(rows.event_time_s[0] == _TIME_S + 60, f"the newer row's event time is {rows.event_time_s[0]}")


def _amount(store: FeatureStore, entity: str) -> Any:
    return store.get(entity, _KEYS[:1], ["amount"]).values["amount"][0]


def _check_no_keys(store: FeatureStore, entity: str, features: list[str]) -> None:
    rows = store.get(entity, np.array([], dtype=np.int64), features)
    _check_shape(rows, features, 0)


def _check_shape(rows: FeatureRows, features: list[str], n_keys: int) -> None:
    _expect(isinstance(rows, FeatureRows), f"get returned {type(rows).__name__}, not FeatureRows")
    _expect(sorted(rows.values) == sorted(features), f"get returned features {sorted(rows.values)}")
    for name, array in [*rows.values.items(), ("event_time_s", rows.event_time_s), ("found", rows.found)]:
        _expect(array.shape == (n_keys,), f"{name} has shape {array.shape}; expected ({n_keys},)")
    _expect(rows.found.dtype == np.bool_, f"found has dtype {rows.found.dtype}, not bool")
    _expect(rows.event_time_s.dtype == np.float64, f"event_time_s has dtype {rows.event_time_s.dtype}")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"feature store check failed: {message}")
