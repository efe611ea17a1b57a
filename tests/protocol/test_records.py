"""The records JSON API: rows or columns in, one prediction object per row out."""

from __future__ import annotations

import math

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferd.errors import InvalidInputError
from inferd.protocol.records import decode_records, encode_predictions


def test_rows_become_typed_columns() -> None:
    body = orjson.dumps(
        {
            "id": "q-1",
            "instances": [
                {"age": 41, "income": 52000.5, "city": "Oslo", "member": True, "embedding": [0.1, 0.2]},
                {"age": 37, "income": 61000, "city": "Lima", "member": False, "embedding": [0.3, 0.4]},
            ],
        }
    )
    request = decode_records(body)
    columns = request.inputs
    assert request.id == "q-1"
    assert columns["age"].dtype == np.int64
    np.testing.assert_array_equal(columns["age"], [41, 37])
    assert columns["income"].dtype == np.float64
    assert columns["city"].dtype == object
    assert list(columns["city"]) == ["Oslo", "Lima"]
    assert columns["member"].dtype == bool
    assert columns["embedding"].shape == (2, 2)
    assert request.datatypes == {
        "age": "INT64",
        "income": "FP64",
        "city": "BYTES",
        "member": "BOOL",
        "embedding": "FP64",
    }
    assert request.shapes["embedding"] == (2, 2)


def test_nulls_and_missing_keys_are_nan_in_numbers_and_none_in_objects() -> None:
    body = orjson.dumps(
        {"instances": [{"age": 41, "city": "Oslo"}, {"age": None}, {"city": None, "extra": 1.5}]}
    )
    columns = decode_records(body).inputs
    assert columns["age"].dtype == np.float64
    assert columns["age"][0] == 41
    assert math.isnan(columns["age"][1])
    assert math.isnan(columns["age"][2])
    assert list(columns["city"]) == ["Oslo", None, None]
    assert math.isnan(columns["extra"][0])
    assert columns["extra"][2] == 1.5


def test_the_columnar_form_gives_the_same_batch() -> None:
    rows = decode_records(orjson.dumps({"instances": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]})).inputs
    columns = decode_records(orjson.dumps({"inputs": {"a": [1, 2], "b": ["x", "y"]}})).inputs
    for name in ("a", "b"):
        np.testing.assert_array_equal(rows[name], columns[name])
        assert rows[name].dtype == columns[name].dtype


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "n": st.integers(-(2**63), 2**63 - 1) | st.none(),
                "x": st.floats(allow_nan=False, allow_infinity=False) | st.none(),
                "s": st.text(max_size=5) | st.none(),
            },
        ),
        min_size=1,
        max_size=8,
    )
)
def test_every_row_value_lands_in_its_column(rows: list[dict[str, object]]) -> None:
    columns = decode_records(orjson.dumps({"instances": rows})).inputs
    for name, column in columns.items():
        assert len(column) == len(rows)
        for row, value in zip(rows, column, strict=True):
            expected = row.get(name)
            if expected is None:
                assert value is None or math.isnan(value)
            else:
                assert value == expected


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"instances": []}, '"instances" must be a non-empty list of objects'),
        ({"instances": {"a": 1}}, '"instances" must be a non-empty list of objects'),
        ({"instances": [{"a": 1}, [1, 2]]}, "instance 1 must be an object of field: value, got list"),
        ({"instances": [{"a": 1}, {"a": "x"}]}, "field 'a': row 1 holds str 'x' but earlier rows hold int"),
        (
            {"instances": [{"a": None}, {"a": True}, {"a": 2}]},
            "field 'a': row 2 holds int 2 but earlier rows hold bool",
        ),
        (
            {"instances": [{"a": [1, 2]}, {"a": [1]}]},
            "field 'a': every row must hold a list of numbers of the same length",
        ),
        ({"instances": [{"a": {"b": 1}}]}, "field 'a': values of type dict are not supported"),
        ({"instances": [{"a": 2**63}]}, "field 'a': an integer does not fit in 64 bits"),
        ({"inputs": {"a": [1, 2], "b": [1]}}, "fields have different numbers of rows ('a': 2, 'b': 1)"),
        ({"inputs": {"a": 1}}, "field 'a': expected a list of values"),
        ({"inputs": []}, '"inputs" must be a non-empty object'),
        ({"rows": []}, 'request body needs "instances"'),
        ({"instances": [{"a": 1}], "id": 3}, "request 'id' must be a string"),
        ({"instances": [{"a": 1}], "parameters": [1]}, "request 'parameters' must be an object"),
    ],
)
def test_bad_records_are_refused_naming_the_row_or_field(document: object, message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        decode_records(orjson.dumps(document))
    assert message in str(info.value)


@pytest.mark.parametrize("body", [b"[1]", b"nope"])
def test_non_object_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(InvalidInputError, match="request body"):
        decode_records(body)


def test_predictions_are_one_object_per_row_with_probabilities_as_lists() -> None:
    outputs = {
        "label": np.array([1, 0]),
        "probabilities": np.asfortranarray(np.array([[0.25, 0.75], [0.9, 0.1]])),
        "segment": np.array([b"gold", "silver"], dtype=object),
        "score": np.array([np.nan, 0.5], dtype=np.float32),
    }
    body = encode_predictions(outputs, model_version="4", request_id="q-1", model_name="churn")
    assert orjson.loads(body) == {
        "predictions": [
            {"label": 1, "probabilities": [0.25, 0.75], "segment": "gold", "score": None},
            {"label": 0, "probabilities": [0.9, 0.1], "segment": "silver", "score": 0.5},
        ],
        "model_name": "churn",
        "model_version": "4",
        "id": "q-1",
    }


def test_predictions_need_outputs_that_agree_on_rows() -> None:
    with pytest.raises(InvalidInputError, match="outputs disagree on the number of rows"):
        encode_predictions({"a": np.zeros(2), "b": np.zeros(3)})
    with pytest.raises(InvalidInputError, match="output 'a' is a scalar"):
        encode_predictions({"a": np.float64(1.0).reshape(())})


def test_rows_of_numbers_keep_integer_and_float_fields_apart() -> None:
    rows = [{"age": 41, "income": 52000.5, "visits": 3}, {"age": 2**62, "income": 0.25, "visits": -1}]
    columns = decode_records(orjson.dumps({"instances": rows})).inputs
    assert list(columns) == ["age", "income", "visits"]
    assert columns["age"].dtype == np.int64
    assert columns["age"][1] == 2**62
    assert columns["income"].dtype == np.float64
    np.testing.assert_array_equal(columns["income"], [52000.5, 0.25])
    np.testing.assert_array_equal(columns["visits"], [3, -1])
    assert all(column.flags.c_contiguous for column in columns.values())


def test_an_integer_beyond_64_bits_in_rows_of_numbers_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="field 'age': an integer does not fit in 64 bits"):
        decode_records(orjson.dumps({"instances": [{"age": 2**63, "x": 1.0}]}))


def test_predictions_always_carry_an_id_the_requests_else_the_logged_one_else_null() -> None:
    outputs = {"label": np.array([1])}
    assert orjson.loads(encode_predictions(outputs, request_id="q-1", prediction_id="p-1"))["id"] == "q-1"
    logged = orjson.loads(encode_predictions(outputs, prediction_id="p-1"))
    assert (logged["id"], logged["prediction_id"]) == ("p-1", "p-1")
    assert orjson.loads(encode_predictions(outputs))["id"] is None
