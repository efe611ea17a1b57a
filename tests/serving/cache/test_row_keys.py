"""Row keys: one canonical hash per row of a model's inputs and its version."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inferd.errors import InvalidInputError
from inferd.serving.cache import KEY_BYTES, row_keys

ROWS = np.arange(12, dtype=np.float32).reshape(4, 3)


def test_one_key_per_row_and_equal_rows_share_a_key() -> None:
    x = np.array([[1, 2], [3, 4], [1, 2]], dtype=np.int64)
    keys = row_keys("m:1", {"x": x})
    assert len(keys) == 3
    assert all(isinstance(key, bytes) and len(key) == KEY_BYTES for key in keys)
    assert keys[0] == keys[2]
    assert keys[0] != keys[1]


def test_the_order_of_the_inputs_does_not_change_the_keys() -> None:
    a, b = ROWS, np.array(["x", "y", "z", "w"], dtype=object)
    assert row_keys("m:1", {"a": a, "b": b}) == row_keys("m:1", {"b": b, "a": a})


def test_another_version_gets_other_keys() -> None:
    first, second = row_keys("m:1", {"x": ROWS}), row_keys("m:2", {"x": ROWS})
    assert not set(first) & set(second)


@pytest.mark.parametrize(
    "other",
    [
        {"y": ROWS},  # another name
        {"x": ROWS.astype(np.float64)},  # another dtype
        {"x": ROWS.reshape(4, 3, 1)},  # another per-row shape, same bytes
        {"x": ROWS, "z": np.zeros(4, dtype=np.float32)},  # one more input
    ],
)
def test_names_dtypes_and_shapes_are_part_of_the_key(other: dict[str, np.ndarray]) -> None:
    assert not set(row_keys("m:1", {"x": ROWS})) & set(row_keys("m:1", other))


def test_memory_layout_and_byte_order_do_not_change_the_keys() -> None:
    wide = np.arange(24, dtype=np.float32).reshape(4, 6)
    strided = wide[:, ::2]
    assert not strided.flags.c_contiguous
    expected = row_keys("m:1", {"x": np.ascontiguousarray(strided)})
    assert row_keys("m:1", {"x": strided}) == expected
    assert row_keys("m:1", {"x": np.asfortranarray(strided)}) == expected
    swapped = strided.astype(strided.dtype.newbyteorder("S"))
    assert row_keys("m:1", {"x": swapped}) == expected


def test_strings_key_the_same_whichever_array_kind_carries_them() -> None:
    as_objects = np.array(["ab", "c", "é"], dtype=object)
    as_unicode = np.array(["ab", "c", "é"])
    assert row_keys("m:1", {"s": as_objects}) == row_keys("m:1", {"s": as_unicode})
    # No ambiguity between element boundaries.
    split = np.array([["ab", "c"]], dtype=object)
    joined = np.array([["a", "bc"]], dtype=object)
    assert row_keys("m:1", {"s": split}) != row_keys("m:1", {"s": joined})


def test_object_values_of_different_types_get_different_keys() -> None:
    values = np.array(["1", b"1", 1, 1.0, True, None], dtype=object)
    assert len(set(row_keys("m:1", {"v": values}))) == len(values)


def test_a_value_with_no_canonical_form_is_refused_naming_the_input() -> None:
    with pytest.raises(InvalidInputError, match=r"input 'v': a dict value cannot be hashed"):
        row_keys("m:1", {"v": np.array([{"a": 1}], dtype=object)})


def test_inputs_that_disagree_on_rows_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="disagree on the number of rows"):
        row_keys("m:1", {"a": np.zeros(3), "b": np.zeros(2)})


def test_a_scalar_input_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="'a' is a scalar"):
        row_keys("m:1", {"a": np.float32(1.0) * np.ones(())})


def test_an_empty_batch_has_no_keys() -> None:
    assert row_keys("m:1", {"x": np.zeros((0, 3))}) == []
    assert row_keys("m:1", {}) == []


mixed_batches = st.integers(min_value=1, max_value=8).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "f": hnp.arrays(np.float32, (n, 3), elements=st.floats(-5, 5, width=32)),
            "i": hnp.arrays(np.int64, (n,), elements=st.integers(-3, 3)),
            "s": hnp.arrays(object, (n,), elements=st.text(max_size=3)),
        }
    )
)


@settings(deadline=None)  # timing varies on a busy machine; the bound is the suite's
@given(mixed_batches)
def test_a_row_has_the_same_key_alone_or_in_any_batch(batch: dict[str, np.ndarray]) -> None:
    keys = row_keys("m:1", batch)
    for index, key in enumerate(keys):
        alone = {name: array[index : index + 1] for name, array in batch.items()}
        assert row_keys("m:1", alone) == [key]
    fixed_only = {name: batch[name] for name in ("f", "i")}
    assert row_keys("m:1", fixed_only) == [
        row_keys("m:1", {name: array[i : i + 1] for name, array in fixed_only.items()})[0]
        for i in range(len(keys))
    ]


@settings(deadline=None)  # timing varies on a busy machine; the bound is the suite's
@given(mixed_batches)
def test_rows_with_different_values_get_different_keys(batch: dict[str, np.ndarray]) -> None:
    keys = row_keys("m:1", batch)
    rows = [tuple(repr(batch[name][i : i + 1].tolist()) for name in sorted(batch)) for i in range(len(keys))]
    assert len(set(keys)) == len(set(rows))
