"""``to_model_inputs``: named fields become the matrix the model was trained on."""

from __future__ import annotations

import numpy as np
import pytest

from inferd.contract import Contract, Field, Stack
from inferd.errors import InvalidInputError

CONTRACT = Contract(
    (Field("b", "float64"), Field("a", "int64"), Field("c", "float32"), Field("ids", "object")),
    stacks=(Stack("X", ("c", "a", "b"), "float32"),),
)


def test_stacked_fields_keep_the_declared_order_and_dtype() -> None:
    batch = CONTRACT.check(
        {
            "a": np.array([1, 2]),
            "b": np.array([10.0, 20.0]),
            "c": np.array([100.0, 200.0], dtype=np.float32),
            "ids": np.array(["u1", "u2"], dtype=object),
        }
    )
    inputs = CONTRACT.to_model_inputs(batch)
    assert set(inputs) == {"X", "ids"}
    assert inputs["X"].dtype == np.float32
    assert inputs["X"].flags.c_contiguous
    assert inputs["X"].tolist() == [[100.0, 1.0, 10.0], [200.0, 2.0, 20.0]]
    assert inputs["ids"] is batch["ids"]


def test_stacking_matches_the_contract_signature() -> None:
    signature = CONTRACT.signature()
    assert [(s.name, s.shape) for s in signature.inputs] == [("X", (-1, 3)), ("ids", (-1,))]


def test_zero_rows_stack_into_an_empty_matrix() -> None:
    batch = {
        "a": np.zeros(0, np.int64),
        "b": np.zeros(0),
        "c": np.zeros(0, np.float32),
        "ids": np.zeros(0, object),
    }
    assert CONTRACT.to_model_inputs(CONTRACT.check(batch))["X"].shape == (0, 3)


def test_a_value_too_large_for_the_stack_dtype_is_a_violation_not_an_overflow() -> None:
    contract = Contract(
        (Field("a", "float64"), Field("b", "float64")), stacks=(Stack("X", ("a", "b"), "float32"),)
    )
    (violation,) = contract.validate({"a": np.array([1.0, 1e300]), "b": np.array([0.0, 0.0])})
    assert (violation.field, violation.row) == ("a", 1)
    assert "out of range for float32" in violation.reason
    assert "stacked into 'X'" in violation.reason


def test_a_text_field_cannot_be_stacked_into_a_numeric_matrix() -> None:
    with pytest.raises(InvalidInputError, match=r"only numeric and bool fields stack"):
        Contract((Field("s", "object"),), stacks=(Stack("X", ("s",), "float32"),))
