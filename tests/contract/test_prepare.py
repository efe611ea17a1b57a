"""Contract.prepare: a client's batch to model inputs, from named fields or from the stacked matrix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inferd.contract import Contract
from inferd.errors import ContractViolationError, InvalidInputError

CONTRACT = Contract.from_dict(
    {
        "inputs": [
            {"name": "a", "dtype": "float32", "min": 0, "max": 10},
            {"name": "b", "dtype": "float32"},
            {"name": "c", "dtype": "float32", "nullable": True},
        ],
        "stacks": [{"into": "x", "fields": ["a", "b", "c"], "dtype": "float32"}],
    }
)


def test_a_clean_matrix_goes_to_the_model_as_it_is() -> None:
    matrix = np.array([[1, 2, 3], [4, 5, np.nan]], dtype=np.float32)
    prepared = CONTRACT.prepare({"x": matrix})
    assert list(prepared) == ["x"]
    np.testing.assert_array_equal(prepared["x"], matrix)


def test_a_bad_value_in_the_matrix_is_named_by_field_and_row() -> None:
    matrix = np.array([[1, 2, 3], [11, 5, 6]], dtype=np.float32)
    with pytest.raises(ContractViolationError, match=r"field 'a' row 1: 11\.0 is above the maximum 10\.0"):
        CONTRACT.prepare({"x": matrix})


def test_a_null_in_a_non_nullable_column_of_the_matrix_is_refused() -> None:
    matrix = np.array([[1, np.nan, 3]], dtype=np.float32)
    with pytest.raises(ContractViolationError, match="field 'b' row 0"):
        CONTRACT.prepare({"x": matrix})


def test_a_matrix_of_the_wrong_width_names_the_input() -> None:
    with pytest.raises(InvalidInputError, match=r"input 'x': expected shape \[rows, 3\]"):
        CONTRACT.prepare({"x": np.zeros((1, 4), np.float32)})


def test_a_float64_matrix_is_checked_and_cast_to_the_stack_dtype() -> None:
    prepared = CONTRACT.prepare({"x": np.array([[1.0, 2.0, 3.0]])})
    assert prepared["x"].dtype == np.float32


def test_named_fields_are_stacked_in_order() -> None:
    prepared = CONTRACT.prepare({"c": np.array([3.0]), "a": np.array([1.0]), "b": np.array([2.0])})
    np.testing.assert_array_equal(prepared["x"], [[1, 2, 3]])


@given(hnp.arrays(np.float32, st.tuples(st.integers(0, 6), st.just(3)), elements=st.floats(-5, 15, width=32)))
def test_the_matrix_and_the_fields_are_judged_alike(matrix: np.ndarray) -> None:
    fields = {name: matrix[:, i].copy() for i, name in enumerate(("a", "b", "c"))}
    assert _outcome(CONTRACT, {"x": matrix}) == _outcome(CONTRACT, fields)


def _outcome(contract: Contract, batch: dict[str, np.ndarray]) -> str:
    """What ``contract`` makes of ``batch``: the prepared matrix, or the violation's message."""
    try:
        return repr(contract.prepare(batch)["x"].tolist())
    except ContractViolationError as exc:
        return str(exc)


# Without bounds the matrix is screened by one sum (see MatrixScreen.clears): NaN, infinities
# and sums that overflow must still be judged exactly as the field-by-field check judges them.
OPEN = Contract.from_dict(
    {
        "inputs": [
            {"name": "p", "dtype": "float32"},
            {"name": "q", "dtype": "float32", "nullable": True},
        ],
        "stacks": [{"into": "x", "fields": ["p", "q"], "dtype": "float32"}],
    }
)


def test_an_unbounded_matrix_whose_sum_overflows_is_still_clean() -> None:
    matrix = np.full((3, 2), 3e38, dtype=np.float32)
    np.testing.assert_array_equal(OPEN.prepare({"x": matrix})["x"], matrix)


def test_an_unbounded_matrix_with_a_null_in_a_strict_field_is_refused_by_field_and_row() -> None:
    matrix = np.array([[1, 2], [np.nan, np.nan]], dtype=np.float32)
    with pytest.raises(ContractViolationError, match=r"field 'p' row 1"):
        OPEN.prepare({"x": matrix})


@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(0, 6), st.just(2)),
        elements=st.one_of(
            st.floats(width=32),  # NaN and the infinities included
            st.sampled_from([np.float32(3e38), np.float32(-3e38), np.float32(0.0)]),
        ),
    )
)
def test_an_unbounded_matrix_and_its_fields_are_judged_alike(matrix: np.ndarray) -> None:
    fields = {name: matrix[:, i].copy() for i, name in enumerate(("p", "q"))}
    assert _outcome(OPEN, {"x": matrix}) == _outcome(OPEN, fields)


def test_what_prepare_and_check_build_from_the_contract_is_built_once_and_kept() -> None:
    # functools.cached_property kept nothing in a compiled build (no instance __dict__): every
    # request built the model inputs' plan and the validator again, 2 -> 24 µs a request.
    contract = Contract.from_dict(CONTRACT.to_dict())
    matrix = np.ones((1, 3), dtype=np.float32)
    contract.prepare({"x": matrix})
    contract.check({"a": matrix[:, 0], "b": matrix[:, 1], "c": matrix[:, 2]})
    plan, validator = contract._inputs, contract._checks
    assert plan is not None
    assert validator is not None
    contract.prepare({"x": matrix})
    contract.check({"a": matrix[:, 0], "b": matrix[:, 1], "c": matrix[:, 2]})
    assert contract._inputs is plan
    assert contract._checks is validator
    assert contract == CONTRACT  # what is kept is not part of the contract's value
    assert hash(contract) == hash(CONTRACT)
