"""Serving a batch partly from the cache: the outputs come back in the request's row order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferd.errors import InferdError
from inferd.serving.cache import MemoryCache, merge_rows, row_keys, split_hits
from inferd.tensors import Batch


def model(inputs: Batch) -> Batch:
    """A stand-in model: a float matrix, an int label and a string per row."""
    x = inputs["x"]
    return {
        "scores": np.stack([x, x * 2], axis=1).astype(np.float32),
        "label": (x > 2).astype(np.int64),
        "name": np.array([f"row{v}" for v in x.tolist()], dtype=object),
    }


def rows_of(outputs: Batch, indices: list[int]) -> list[Batch]:
    return [{name: array[i : i + 1] for name, array in outputs.items()} for i in indices]


@settings(deadline=None)  # timing varies on a busy machine; the bound is the suite's
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=20),
    st.lists(st.integers(0, 5), max_size=6),
)
def test_merged_outputs_equal_the_models_outputs_in_row_order(values: list[int], seen: list[int]) -> None:
    cache = MemoryCache()
    if seen:  # an earlier request filled the cache with some rows
        earlier = {"x": np.array(seen)}
        cache.put_many(row_keys("m:1", earlier), rows_of(model(earlier), list(range(len(seen)))))
    inputs = {"x": np.array(values)}
    keys = row_keys("m:1", inputs)
    hits, misses = split_hits(cache, keys, len(values))
    assert sorted([*hits, *misses]) == list(range(len(values)))
    assert {values[i] for i in hits} <= set(seen)
    assert not {values[i] for i in misses} & set(seen)
    computed = model({"x": inputs["x"][misses]}) if misses else {}
    merged = merge_rows(len(values), hits, computed, misses)
    expected = model(inputs)
    assert set(merged) == set(expected)
    for name, array in expected.items():
        assert merged[name].tolist() == array.tolist()
        assert merged[name].dtype == array.dtype


def test_an_all_hit_answer_owns_its_arrays() -> None:
    cache = MemoryCache()
    inputs = {"x": np.array([1])}
    keys = row_keys("m:1", inputs)
    cache.put_many(keys, rows_of(model(inputs), [0]))
    hits, misses = split_hits(cache, keys, 1)
    merged = merge_rows(1, hits, {}, misses)
    merged["label"][0] = 7  # writable, and the cache is untouched
    assert cache.get_many(keys)[0]["label"].tolist() == [0]  # type: ignore[index]


def test_misses_given_out_of_order_are_put_back_in_place() -> None:
    outputs = {"y": np.array([30, 10, 20])}
    merged = merge_rows(4, {1: {"y": np.array([99])}}, outputs, [3, 0, 2])
    assert merged["y"].tolist() == [10, 99, 20, 30]


@pytest.mark.parametrize(
    ("hits", "outputs", "misses", "match"),
    [
        ({0: {"y": np.array([1])}}, {"y": np.array([2])}, [0], "cover 0..1 exactly once"),
        ({0: {"y": np.array([1])}}, {"y": np.array([2, 3])}, [1], "gave 2 rows for 1 misses"),
        ({0: {"z": np.array([1])}}, {"y": np.array([2])}, [1], "a cached row has no output 'y'"),
        ({}, {"y": np.array([2])}, [1], "0 hits and 1 misses for 2 rows"),
    ],
)
def test_inconsistent_pieces_are_refused(
    hits: dict[int, Batch], outputs: Batch, misses: list[int], match: str
) -> None:
    with pytest.raises(InferdError, match=match):
        merge_rows(2, hits, outputs, misses)


def test_split_hits_wants_one_key_per_row() -> None:
    with pytest.raises(InferdError, match="1 keys for 2 rows"):
        split_hits(MemoryCache(), [b"k"], 2)
