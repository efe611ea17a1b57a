"""The built-in preprocessing steps, as a deployment's author sees them."""

from __future__ import annotations

import numpy as np
import pytest

from inferd.errors import InvalidInputError
from inferd.serving.steps import build_steps
from inferd.tensors import Batch


def run(config: dict[str, object], batch: Batch) -> Batch:
    return build_steps([config])(batch)


def test_standardize_subtracts_the_mean_and_divides_by_the_std_per_field() -> None:
    out = run(
        {"step": "standardize", "fields": ["age", "income"], "mean": [40, 1000], "std": [10, 500]},
        {"age": np.array([30.0, 50.0]), "income": np.array([1000.0, 2000.0]), "other": np.array([7, 8])},
    )
    np.testing.assert_allclose(out["age"], [-1.0, 1.0])
    np.testing.assert_allclose(out["income"], [0.0, 2.0])
    np.testing.assert_array_equal(out["other"], [7, 8])


def test_standardize_keeps_float32_fields_float32_and_turns_integers_into_floats() -> None:
    out = run(
        {"step": "standardize", "fields": ["a", "b"], "mean": 1, "std": 2},
        {"a": np.array([3.0], dtype=np.float32), "b": np.array([3])},
    )
    assert out["a"].dtype == np.float32
    assert out["b"].dtype == np.float64


def test_standardize_a_matrix_field_per_column() -> None:
    out = run(
        {"step": "standardize", "field": "input", "mean": [0, 10], "std": [1, 5]},
        {"input": np.array([[1.0, 20.0], [2.0, 0.0]], dtype=np.float32)},
    )
    np.testing.assert_allclose(out["input"], [[1.0, 2.0], [2.0, -2.0]])
    assert out["input"].dtype == np.float32


def test_standardize_of_a_matrix_with_the_wrong_number_of_columns_names_the_field() -> None:
    with pytest.raises(InvalidInputError, match=r"step 0 \(standardize\): field 'input' of shape \(1, 3\)"):
        run(
            {"step": "standardize", "field": "input", "mean": [0, 1], "std": [1, 1]},
            {"input": np.ones((1, 3))},
        )


def test_a_step_on_text_values_that_needs_numbers_names_the_field() -> None:
    with pytest.raises(InvalidInputError, match=r"field 'age' holds <U2 values; this step needs numbers"):
        run({"step": "clip", "field": "age", "min": 0}, {"age": np.array(["12"])})


def test_scale_maps_min_and_max_to_zero_and_one() -> None:
    out = run(
        {"step": "scale", "field": "x", "min": 10, "max": 20}, {"x": np.array([10.0, 15.0, 20.0, 30.0])}
    )
    np.testing.assert_allclose(out["x"], [0.0, 0.5, 1.0, 2.0])


def test_a_field_missing_from_the_batch_names_the_step_and_the_field() -> None:
    with pytest.raises(InvalidInputError, match=r"step 0 \(standardize\): field 'age' is not in the batch"):
        run({"step": "standardize", "field": "age", "mean": 0, "std": 1}, {"income": np.zeros(2)})


def test_one_hot_makes_one_field_per_category_in_order_and_drops_the_original() -> None:
    out = run(
        {"step": "one_hot", "field": "city", "categories": ["Paris", "Lyon", "Nice"]},
        {"city": np.array(["Lyon", "Paris", "Lyon"]), "age": np.array([1, 2, 3])},
    )
    assert list(out) == ["age", "city_Paris", "city_Lyon", "city_Nice"]
    np.testing.assert_array_equal(out["city_Paris"], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(out["city_Lyon"], [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(out["city_Nice"], [0.0, 0.0, 0.0])


def test_one_hot_accepts_bytes_and_object_strings_as_the_codecs_deliver_them() -> None:
    config = {"step": "one_hot", "field": "c", "categories": ["é", "b"], "prefix": "is_", "dtype": "int8"}
    for values in (np.array([b"b", "é".encode()], dtype=object), np.array(["b", "é"], dtype=object)):
        out = run(config, {"c": values})
        np.testing.assert_array_equal(out["is_é"], [0, 1])
        assert out["is_b"].dtype == np.int8


def test_one_hot_can_keep_the_original_field_and_encode_numbers() -> None:
    out = run(
        {"step": "one_hot", "field": "tier", "categories": [3, 1], "drop_original": False},
        {"tier": np.array([1, 3, 1])},
    )
    np.testing.assert_array_equal(out["tier"], [1, 3, 1])
    np.testing.assert_array_equal(out["tier_3"], [0.0, 1.0, 0.0])


def test_one_hot_with_an_unseen_category_names_the_field_and_row() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"step 0 \(one_hot\): field 'city' row 2: unknown category 'Rome'; expected one of Paris, Lyon",
    ):
        run(
            {"step": "one_hot", "field": "city", "categories": ["Paris", "Lyon"]},
            {"city": np.array(["Lyon", "Paris", "Rome", "Oslo"])},
        )


def test_one_hot_ignoring_unseen_categories_gives_a_row_of_zeros() -> None:
    out = run(
        {"step": "one_hot", "field": "city", "categories": ["Paris", "Lyon"], "on_unknown": "ignore"},
        {"city": np.array(["Rome", "Lyon"])},
    )
    np.testing.assert_array_equal(out["city_Paris"], [0.0, 0.0])
    np.testing.assert_array_equal(out["city_Lyon"], [0.0, 1.0])


def test_ordinal_replaces_values_by_their_position() -> None:
    out = run(
        {"step": "ordinal", "field": "size", "categories": ["S", "M", "L"]}, {"size": np.array(["L", "S"])}
    )
    np.testing.assert_array_equal(out["size"], [2, 0])


def test_ordinal_with_an_unseen_category_names_the_field_and_row() -> None:
    with pytest.raises(InvalidInputError, match=r"\(ordinal\): field 'size' row 1: unknown category 'XL'"):
        run({"step": "ordinal", "field": "size", "categories": ["S", "M"]}, {"size": np.array(["S", "XL"])})


def test_ordinal_can_map_unseen_categories_to_a_value() -> None:
    config = {"step": "ordinal", "field": "size", "categories": ["S", "M"], "on_unknown": "value"}
    np.testing.assert_array_equal(run(config, {"size": np.array(["XL", "M"])})["size"], [-1, 1])
    out = run({**config, "unknown_value": float("nan")}, {"size": np.array(["XL", "M"])})
    np.testing.assert_array_equal(out["size"], [np.nan, 1.0])


def test_fill_defaults_replaces_nan_and_none_only() -> None:
    out = run(
        {"step": "fill_defaults", "values": {"age": 40, "city": "Paris", "n": 0}},
        {
            "age": np.array([np.nan, 31.0], dtype=np.float32),
            "city": np.array([None, "Lyon", float("nan")], dtype=object),
            "n": np.array([1, 2]),
        },
    )
    np.testing.assert_array_equal(out["age"], [40.0, 31.0])
    assert out["age"].dtype == np.float32
    assert list(out["city"]) == ["Paris", "Lyon", "Paris"]
    np.testing.assert_array_equal(out["n"], [1, 2])


def test_fill_defaults_refuses_a_text_default_for_a_number_field() -> None:
    with pytest.raises(
        InvalidInputError, match=r"field 'age' holds numbers; its default 'old' is not a number"
    ):
        run({"step": "fill_defaults", "values": {"age": "old"}}, {"age": np.array([np.nan])})


def test_clip_bounds_values_and_keeps_nan() -> None:
    out = run(
        {"step": "clip", "fields": ["a"], "min": 0, "max": 1}, {"a": np.array([-1.0, 0.5, 2.0, np.nan])}
    )
    np.testing.assert_array_equal(out["a"], [0.0, 0.5, 1.0, np.nan])
    out = run({"step": "clip", "field": "a", "max": 1}, {"a": np.array([-5.0, 5.0])})
    np.testing.assert_array_equal(out["a"], [-5.0, 1.0])


def test_cast_converts_to_the_declared_dtype() -> None:
    out = run(
        {"step": "cast", "fields": ["a", "b"], "dtype": "FP32"},
        {"a": np.array([1, 2]), "b": np.array(["1.5"])},
    )
    assert out["a"].dtype == out["b"].dtype == np.float32
    np.testing.assert_array_equal(out["b"], [1.5])


def test_cast_of_a_value_that_does_not_convert_names_the_field_and_row() -> None:
    with pytest.raises(InvalidInputError, match=r"\(cast\): field 'a' row 1: 'x' cannot be cast to float64"):
        run({"step": "cast", "field": "a", "dtype": "float64"}, {"a": np.array(["1", "x", "y"])})


def test_cast_of_nan_to_an_integer_names_the_row_and_suggests_fill_defaults() -> None:
    with pytest.raises(
        InvalidInputError, match=r"field 'a' row 2: nan cannot be cast to int64; add a fill_defaults"
    ):
        run({"step": "cast", "field": "a", "dtype": "int64"}, {"a": np.array([1.0, 2.0, np.nan])})


def test_drop_removes_fields_and_select_keeps_only_the_named_ones_in_order() -> None:
    batch = {"a": np.zeros(1), "b": np.ones(1), "c": np.ones(1)}
    assert list(run({"step": "drop", "fields": ["a", "c"]}, batch)) == ["b"]
    assert list(run({"step": "select", "fields": ["c", "a"]}, batch)) == ["c", "a"]
    with pytest.raises(
        InvalidInputError, match=r"\(select\): field 'd' is not in the batch \(it has a, b, c\)"
    ):
        run({"step": "select", "fields": ["d"]}, batch)
    with pytest.raises(InvalidInputError, match=r"\(drop\): field 'd' is not in the batch"):
        run({"step": "drop", "field": "d"}, batch)
