"""``Contract.default_for``: the contract a model registered without one gets."""

from __future__ import annotations

import numpy as np
import pytest

from inferd.contract import Contract
from inferd.errors import InvalidInputError
from inferd.tensors import Signature, TensorSpec


def test_an_unnamed_matrix_gives_fields_f0_to_fn_stacked_into_it() -> None:
    signature = Signature((TensorSpec("input", "float32", (-1, 4)),), (TensorSpec("label", "int64", (-1,)),))
    contract = Contract.default_for(signature)
    assert contract.input_names == ("f0", "f1", "f2", "f3")
    assert all(f.dtype == "float32" for f in contract.inputs)
    assert [(s.into, s.fields) for s in contract.stacks] == [("input", ("f0", "f1", "f2", "f3"))]
    assert [f.name for f in contract.outputs] == ["label"]
    assert contract.signature() == signature


def test_the_default_contract_turns_rows_of_f_fields_into_the_matrix() -> None:
    contract = Contract.default_for(Signature((TensorSpec("X", "float64", (-1, 2)),)))
    inputs = contract.to_model_inputs(
        contract.check({"f0": np.array([1.0, 2.0]), "f1": np.array([3.0, 4.0])})
    )
    assert inputs["X"].tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_named_inputs_become_fields_of_the_same_name_and_per_row_shape() -> None:
    signature = Signature(
        (
            TensorSpec("age", "float32", (-1,)),
            TensorSpec("emb", "float32", (-1, 8)),
            TensorSpec("s", "object", (-1,)),
        )
    )
    contract = Contract.default_for(signature)
    assert [(f.name, f.dtype, f.shape) for f in contract.inputs] == [
        ("age", "float32", ()),
        ("emb", "float32", (8,)),
        ("s", "object", ()),
    ]
    assert contract.stacks == ()


def test_a_matrix_of_unknown_width_asks_for_a_contract() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown width.*give a contract"):
        Contract.default_for(Signature((TensorSpec("input", "float32", (-1, -1)),)))
