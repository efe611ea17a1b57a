"""``check`` normalises what it accepts: defaults filled, dtypes cast, contract order."""

from __future__ import annotations

import numpy as np
import pytest

from inferd.contract import Contract, Field
from inferd.errors import ContractViolationError


def test_a_missing_field_with_a_default_becomes_a_column_of_the_default() -> None:
    contract = Contract((Field("x", "float32"), Field("country", "object", default="FR", has_default=True)))
    checked = contract.check({"x": np.array([1.0, 2.0])})
    assert checked["country"].tolist() == ["FR", "FR"]


def test_nulls_in_a_field_with_a_default_become_the_default() -> None:
    contract = Contract(
        (
            Field("n", "int16", default=-1, has_default=True),
            Field("x", "float32", default=0.5, has_default=True),
        )
    )
    checked = contract.check(
        {"n": np.array([3, None, 5], dtype=object), "x": np.array([np.nan, 1.0, np.nan])}
    )
    assert checked["n"].dtype == np.int16
    assert checked["n"].tolist() == [3, -1, 5]
    assert checked["x"].tolist() == [0.5, 1.0, 0.5]


def test_every_field_is_cast_to_its_dtype() -> None:
    contract = Contract((Field("a", "float32"), Field("b", "int8"), Field("c", "bool"), Field("d", "object")))
    batch = {
        "a": np.array([1, 2]),
        "b": np.array([1.0, -2.0]),
        "c": np.array([0, 1]),
        "d": np.array(["x", "y"]),
    }
    checked = contract.check(batch)
    assert {name: array.dtype.name for name, array in checked.items()} == {
        "a": "float32",
        "b": "int8",
        "c": "bool",
        "d": "object",
    }
    assert checked["d"].tolist() == ["x", "y"]


def test_check_returns_fields_in_contract_order() -> None:
    contract = Contract((Field("b", "float64"), Field("a", "float64")))
    assert list(contract.check({"a": np.zeros(1), "b": np.zeros(1)})) == ["b", "a"]


def test_a_column_already_right_is_passed_through_without_a_copy() -> None:
    column = np.arange(4, dtype=np.float32)
    assert Contract((Field("x", "float32"),)).check({"x": column})["x"] is column


def test_a_default_that_breaks_the_contract_is_reported_for_the_field() -> None:
    contract = Contract((Field("x", "float32", min=0.0, default=-1.0, has_default=True),))
    with pytest.raises(ContractViolationError, match=r"field 'x': its default -1\.0 breaks the contract"):
        contract.check({})


def test_an_empty_batch_with_defaults_gives_empty_columns() -> None:
    contract = Contract((Field("x", "float32", default=1.0, has_default=True),))
    assert contract.check({})["x"].shape == (0,)


def test_a_default_vector_fills_a_vector_field() -> None:
    contract = Contract(
        (Field("k", "int64"), Field("v", "float32", shape=(2,), default=[0.0, 1.0], has_default=True))
    )
    checked = contract.check({"k": np.arange(3)})
    assert checked["v"].tolist() == [[0.0, 1.0]] * 3
