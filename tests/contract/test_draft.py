"""``draft_contract``: a contract to review, derived from training data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inferd.contract import Contract, draft_contract
from inferd.errors import InvalidInputError


def training_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [20, 35, 61],
            "income": [1000.5, np.nan, 3000.0],
            "city": ["paris", "oslo", None],
            "member": [True, False, True],
            "plan": pd.Categorical(["a", "b", "a"]),
            "user_id": [f"u{i}" for i in range(3)],
            "label": [0, 1, 0],
        }
    )


def test_the_draft_reads_dtypes_nulls_ranges_and_allowed_values() -> None:
    contract = draft_contract(training_frame(), outputs=["label"])
    fields = {f.name: f for f in contract.inputs}
    assert {n: f.dtype for n, f in fields.items()} == {
        "age": "int64",
        "income": "float64",
        "city": "object",
        "member": "bool",
        "plan": "object",
        "user_id": "object",
    }
    assert (fields["age"].min, fields["age"].max, fields["age"].nullable) == (20.0, 61.0, False)
    assert (fields["income"].min, fields["income"].max, fields["income"].nullable) == (1000.5, 3000.0, True)
    assert fields["city"].allowed == ("oslo", "paris")
    assert fields["city"].nullable
    assert fields["member"].allowed == (False, True)
    assert fields["plan"].allowed == ("a", "b")
    assert [f.name for f in contract.outputs] == ["label"]
    assert contract.pii_fields == ()


def test_high_cardinality_text_gets_no_allowed_list() -> None:
    frame = pd.DataFrame({"user_id": [f"u{i}" for i in range(21)]})
    assert draft_contract(frame).inputs[0].allowed is None


def test_the_draft_accepts_its_own_training_data() -> None:
    frame = training_frame().drop(columns=["label"])
    contract = draft_contract(frame)
    batch = {
        name: (column.to_numpy() if column.dtype.kind in "biuf" else column.astype(object).to_numpy())
        for name, column in frame.items()
    }
    assert contract.validate(batch) == []


def test_the_draft_round_trips_through_yaml() -> None:
    contract = draft_contract(training_frame())
    assert Contract.from_yaml(contract.to_yaml()) == contract


def test_a_column_a_contract_cannot_declare_is_named() -> None:
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-01"])})
    with pytest.raises(InvalidInputError, match="column 'when' has dtype datetime64"):
        draft_contract(frame)


def test_an_unknown_output_column_is_named() -> None:
    with pytest.raises(InvalidInputError, match="output column 'y' is not in the data"):
        draft_contract(training_frame(), outputs=["y"])
