from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferd.errors import InvalidInputError
from inferd.telemetry.prediction_log import mask_pii

PII = frozenset({"email"})


def test_hashing_replaces_each_value_with_its_keyed_hmac() -> None:
    columns = {"email": np.array(["a@example.org", "b@example.org"], dtype=object)}
    masked = mask_pii(columns, PII, "hash", "key")
    expected = hmac.new(b"key", b"a@example.org", hashlib.sha256).hexdigest()[:32]
    assert masked["email"].tolist()[0] == expected
    assert masked["email"].dtype == object


def test_the_same_value_hashes_alike_so_rows_still_join() -> None:
    first = mask_pii({"email": np.array(["x@y.z", "q@y.z"], dtype=object)}, PII, "hash", "key")
    second = mask_pii({"email": np.array(["q@y.z", "x@y.z"], dtype=object)}, PII, "hash", "key")
    assert first["email"].tolist() == second["email"].tolist()[::-1]


def test_another_key_gives_other_hashes() -> None:
    columns = {"email": np.array(["x@y.z"], dtype=object)}
    assert (
        mask_pii(columns, PII, "hash", "one")["email"][0] != mask_pii(columns, PII, "hash", "two")["email"][0]
    )


def test_a_number_and_its_text_hash_alike() -> None:
    as_int = mask_pii({"card": np.array([4929731520398413])}, frozenset({"card"}), "hash", b"key")
    as_text = mask_pii({"card": np.array(["4929731520398413"])}, frozenset({"card"}), "hash", b"key")
    assert as_int["card"].tolist() == as_text["card"].tolist()


def test_hashing_keeps_the_shape_and_the_nulls() -> None:
    columns = {"email": np.array([["a", None], ["b", "a"]], dtype=object)}
    masked = mask_pii(columns, PII, "hash", "key")["email"]
    assert masked.shape == (2, 2)
    assert masked[0, 1] is None
    assert masked[0, 0] == masked[1, 1]
    assert len(masked[1, 0]) == 32


def test_drop_removes_the_pii_columns_only() -> None:
    columns = {"email": np.array(["a"], dtype=object), "age": np.array([30])}
    assert list(mask_pii(columns, PII, "drop", None)) == ["age"]


def test_columns_without_pii_are_passed_through_without_copies() -> None:
    age = np.array([30.0, 40.0])
    masked = mask_pii({"age": age, "email": np.array(["a", "b"], dtype=object)}, PII, "hash", "key")
    assert masked["age"] is age


def test_hashing_without_a_key_says_how_to_set_one() -> None:
    with pytest.raises(InvalidInputError, match="INFERD_PREDICTION_LOG_PII_KEY"):
        mask_pii({"email": np.array(["a"], dtype=object)}, PII, "hash", None)


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="'redact' is not one of hash, drop"):
        mask_pii({}, PII, "redact", "key")  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1), min_size=1, max_size=20))
def test_hashes_are_deterministic_and_tell_distinct_values_apart(values: list[str]) -> None:
    columns = {"email": np.array(values, dtype=object)}
    once = mask_pii(columns, PII, "hash", "key")["email"].tolist()
    again = mask_pii(columns, PII, "hash", "key")["email"].tolist()
    assert once == again
    assert len(set(once)) == len(set(values))
    assert not set(once) & set(values)
