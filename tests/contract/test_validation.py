"""Validating batches: every violation is reported with its field and row."""

from __future__ import annotations

import numpy as np
import pytest

from inferd.contract import Contract, Field, Violation
from inferd.errors import ContractViolationError

PEOPLE = Contract(
    (
        Field("age", "float32", min=0.0, max=150.0),
        Field("city", "object", allowed=("paris", "oslo")),
        Field("visits", "int64"),
    )
)


def people(**columns: object) -> dict[str, np.ndarray]:
    batch = {
        "age": np.array([30.0, 40.0, 50.0], dtype=np.float32),
        "city": np.array(["paris", "oslo", "paris"], dtype=object),
        "visits": np.array([1, 2, 3]),
    }
    batch.update({k: np.asarray(v) for k, v in columns.items()})
    return batch


def reasons(contract: Contract, batch: dict[str, np.ndarray]) -> list[str]:
    return [str(v) for v in contract.validate(batch)]


def test_a_valid_batch_has_no_violations() -> None:
    assert PEOPLE.validate(people()) == []


def test_a_value_below_the_minimum_is_named_by_field_row_and_value() -> None:
    assert reasons(PEOPLE, people(age=np.array([30.0, -3.0, 50.0], dtype=np.float32))) == [
        "field 'age' row 1: -3.0 is below the minimum 0.0"
    ]


def test_every_violation_is_reported_not_just_the_first() -> None:
    batch = people(
        age=np.array([-1.0, 200.0, np.nan]),
        city=np.array(["rome", None, "oslo"], dtype=object),
        visits=np.array([1.5, 2.0, 1e30]),
    )
    found = {(v.field, v.row) for v in PEOPLE.validate(batch)}
    assert found == {
        ("age", 0),
        ("age", 1),
        ("age", 2),
        ("city", 0),
        ("city", 1),
        ("visits", 0),
        ("visits", 2),
    }


def test_violations_are_ordered_by_field_then_row() -> None:
    batch = people(age=np.array([np.nan, -1.0, np.nan]), visits=np.array([1.5, 2, 2.5]))
    assert [(v.field, v.row) for v in PEOPLE.validate(batch)] == [
        ("age", 0),
        ("age", 1),
        ("age", 2),
        ("visits", 0),
        ("visits", 2),
    ]


def test_a_missing_required_field_is_reported_without_a_row() -> None:
    batch = people()
    del batch["visits"]
    assert PEOPLE.validate(batch) == [
        Violation("visits", None, "is missing, and the contract gives it no default")
    ]


def test_a_field_the_contract_does_not_declare_is_a_violation() -> None:
    (violation,) = PEOPLE.validate(people(colour=np.array(["red"] * 3)))
    assert violation.field == "colour"
    assert violation.row is None
    assert "not in the contract" in violation.reason


def test_a_field_with_a_different_row_count_is_named() -> None:
    (violation,) = PEOPLE.validate(people(visits=np.array([1, 2])))
    assert str(violation) == "field 'visits': has 2 rows, but the other fields have 3"


def test_nulls_in_a_non_nullable_field_are_reported_per_row() -> None:
    batch = people(age=np.array([np.nan, 1.0, np.nan], dtype=np.float32))
    assert [(v.field, v.row) for v in PEOPLE.validate(batch)] == [("age", 0), ("age", 2)]
    assert "not nullable" in PEOPLE.validate(batch)[0].reason


def test_none_and_nan_are_nulls_in_object_arrays() -> None:
    contract = Contract((Field("x", "float64"), Field("s", "object")))
    batch = {"x": np.array([None, 1.0, float("nan")], dtype=object), "s": np.array(["a", float("nan"), None])}
    assert {(v.field, v.row) for v in contract.validate(batch)} == {("x", 0), ("x", 2), ("s", 1), ("s", 2)}


def test_nullable_fields_accept_nulls() -> None:
    contract = Contract((Field("x", "float32", nullable=True), Field("s", "object", nullable=True)))
    batch = {"x": np.array([np.nan, 1.0]), "s": np.array([None, "a"], dtype=object)}
    checked = contract.check(batch)
    assert np.isnan(checked["x"][0])
    assert checked["s"].tolist() == [None, "a"]


def test_a_nullable_integer_field_without_default_refuses_nulls_it_cannot_hold() -> None:
    contract = Contract((Field("n", "int64", nullable=True),))
    (violation,) = contract.validate({"n": np.array([1, None], dtype=object)})
    assert violation.row == 1
    assert "declare a default" in violation.reason


@pytest.mark.parametrize(
    ("dtype", "value", "reason"),
    [
        ("float32", "abc", "'abc' is not a number"),
        ("float64", "1.5", "'1.5' is not a number"),
        ("int64", 1.5, "1.5 is not a whole number"),
        ("int8", 300, "300 is out of range for int8 (-128 to 127)"),
        ("uint8", -1, "-1 is out of range for uint8 (0 to 255)"),
        ("float32", 1e300, "1e+300 is out of range for float32"),
        ("bool", 2, "2 is not a bool (expected true or false, or 0 or 1)"),
        ("bool", "yes", "'yes' is not a bool"),
        ("object", 3, "3 is not a string"),
    ],
)
def test_a_value_that_cannot_be_cast_to_the_dtype_is_named(dtype: str, value: object, reason: str) -> None:
    contract = Contract((Field("x", dtype),))
    batch = {"x": np.array([None, value], dtype=object)[1:]}
    assert reasons(contract, batch) == [f"field 'x' row 0: {reason}"]


def test_typed_arrays_out_of_range_for_a_narrower_dtype_are_named() -> None:
    contract = Contract((Field("x", "int8"), Field("y", "float32")))
    batch = {"x": np.array([1, 1000, -1000]), "y": np.array([1.0, 1e39, -np.inf])}
    assert [(v.field, v.row) for v in contract.validate(batch)] == [("x", 1), ("x", 2), ("y", 1)]


def test_bool_fields_accept_booleans_and_zero_or_one() -> None:
    contract = Contract((Field("b", "bool"),))
    for array in (
        np.array([True, False]),
        np.array([1, 0]),
        np.array([1.0, 0.0]),
        np.array([True, 0], dtype=object),
    ):
        assert contract.check({"b": array})["b"].tolist() == [True, False]


def test_a_wrong_per_row_shape_is_reported_for_the_field() -> None:
    contract = Contract((Field("emb", "float32", shape=(3,)),))
    (violation,) = contract.validate({"emb": np.zeros((2, 4))})
    assert str(violation) == "field 'emb': has per-row shape [4], but the contract says [3]"


def test_a_per_row_shape_of_minus_one_accepts_any_size() -> None:
    contract = Contract((Field("seq", "int64", shape=(-1,)),))
    assert contract.validate({"seq": np.zeros((2, 7), dtype=np.int64)}) == []


def test_range_violations_in_vector_fields_name_the_row_once() -> None:
    contract = Contract((Field("v", "float32", shape=(3,), min=0.0),))
    batch = {"v": np.array([[1, 2, 3], [-1, -2, 3], [1, 1, -5]], dtype=np.float32)}
    assert reasons(contract, batch) == [
        "field 'v' row 1: -1.0 is below the minimum 0.0",
        "field 'v' row 2: -5.0 is below the minimum 0.0",
    ]


def test_allowed_values_work_for_numbers_and_bytes() -> None:
    contract = Contract((Field("k", "int64", allowed=(1, 2)), Field("s", "object", allowed=("a",))))
    batch = {"k": np.array([1, 3]), "s": np.array([b"a", b"b"], dtype=object)}
    assert [(v.field, v.row) for v in contract.validate(batch)] == [("k", 1), ("s", 1)]


def test_validation_can_be_capped_and_still_counts_every_violation() -> None:
    contract = Contract((Field("x", "float64", min=0.0),))
    found = contract.validate({"x": -np.ones(5000)}, limit=10)
    assert len(found) == 10
    assert found.total == 5000
    assert found.is_capped


def test_check_raises_listing_the_first_violations_and_how_many_more() -> None:
    contract = Contract((Field("x", "float64", min=0.0),))
    with pytest.raises(ContractViolationError) as caught:
        contract.check({"x": -np.arange(1.0, 16.0)})
    message = str(caught.value)
    assert message.startswith("15 contract violations: field 'x' row 0: -1.0 is below the minimum 0.0;")
    assert message.endswith("and 5 more")
    assert len(caught.value.violations) == 15
    assert all(isinstance(v, Violation) for v in caught.value.violations)


def test_one_violation_is_the_whole_message() -> None:
    with pytest.raises(ContractViolationError, match=r"^field 'visits' row 2: 2\.5 is not a whole number$"):
        PEOPLE.check(people(visits=np.array([1, 2, 2.5])))


def test_a_value_that_is_not_an_array_is_reported_not_raised() -> None:
    found = PEOPLE.validate({**people(), "age": [1, 2, 3], "city": np.array("paris")})
    assert [(v.field, v.row) for v in found] == [("age", None), ("city", None)]


def test_a_single_bad_value_among_many_well_typed_fields_is_found_in_the_right_place() -> None:
    contract = Contract(
        tuple(Field(f"f{i}", "float32", min=float(-i), max=float(i + 1)) for i in range(20))
        + tuple(Field(f"n{i}", "int16", nullable=True) for i in range(5))
    )
    batch = {f"f{i}": np.full(8, 0.5, dtype=np.float32) for i in range(20)}
    batch.update({f"n{i}": np.arange(8, dtype=np.int16) for i in range(5)})
    assert contract.validate(batch) == []
    batch["f7"] = batch["f7"].copy()
    batch["f7"][5] = 8.5
    batch["f12"] = batch["f12"].copy()
    batch["f12"][2] = np.nan
    assert [str(v) for v in contract.validate(batch)] == [
        "field 'f7' row 5: 8.5 is above the maximum 8.0",
        "field 'f12' row 2: is null, but the field is not nullable and has no default",
    ]


def test_a_nullable_field_with_a_range_accepts_nulls_but_checks_the_other_values() -> None:
    contract = Contract((Field("x", "float64", nullable=True, min=0.0), Field("y", "float64", nullable=True)))
    batch = {"x": np.array([np.nan, 1.0, 2.0]), "y": np.array([np.nan, -1.0, 0.0])}
    assert contract.validate(batch) == []
    batch["x"] = np.array([np.nan, -1.0, 2.0])
    assert [(v.field, v.row) for v in contract.validate(batch)] == [("x", 1)]


def test_whole_numbers_at_the_64_bit_limits_are_accepted_exactly() -> None:
    # float64 rounds 2**63 - 1 up to 2**63: the range check must not refuse int64's own maximum.
    contract = Contract((Field("i", "int64"), Field("u", "uint64")))
    batch = {
        "i": np.array([None, 2**63 - 1, -(2**63)], dtype=object)[1:],
        "u": np.array([None, 2**64 - 1, 0], dtype=object)[1:],
    }
    assert reasons(contract, batch) == []
    checked = contract.check(batch)
    assert checked["i"].tolist() == [2**63 - 1, -(2**63)]
    assert checked["u"].tolist() == [2**64 - 1, 0]
    beyond = {
        "i": np.array([None, 2**63, 0], dtype=object)[1:],
        "u": np.array([None, 2**64, 1], dtype=object)[1:],
    }
    assert reasons(contract, beyond) == [
        f"field 'i' row 0: {2**63} is out of range for int64 ({-(2**63)} to {2**63 - 1})",
        f"field 'u' row 0: {2**64} is out of range for uint64 (0 to {2**64 - 1})",
    ]


def test_a_whole_number_too_large_for_float64_is_out_of_range_not_an_infinity() -> None:
    contract = Contract((Field("x", "float64"),))
    batch = {"x": np.array([None, 10**400, float("inf"), 2.5], dtype=object)[1:]}
    violations = contract.validate(batch)
    assert [(v.field, v.row) for v in violations] == [("x", 0)]
    assert str(violations[0]).endswith("is out of range for float64")
