"""Cached rows as bytes: a compact, checked, pickle-free round trip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inferd.errors import InferdError
from inferd.serving.cache import decode_row, encode_row

fixed_arrays = hnp.arrays(
    st.sampled_from([np.float32, np.float64, np.int64, np.int8, np.uint16, np.bool_, np.dtype(">f4")]),
    hnp.array_shapes(min_dims=1, max_dims=3, max_side=3).map(lambda shape: (1, *shape[1:])),
)
object_values = st.one_of(
    st.text(max_size=5), st.binary(max_size=5), st.none(), st.booleans(), st.integers(), st.floats()
)
object_arrays = st.lists(object_values, min_size=1, max_size=4).map(
    lambda values: np.array([*values, None], dtype=object)[:-1].reshape(1, -1)
)


@settings(deadline=None)  # timing varies on a busy machine; the bound is the suite's
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.one_of(fixed_arrays, object_arrays), max_size=4))
def test_a_row_survives_the_round_trip(row: dict[str, np.ndarray]) -> None:
    decoded = decode_row(encode_row(row))
    assert list(decoded) == list(row)
    for name, array in row.items():
        assert decoded[name].dtype == array.dtype
        assert decoded[name].shape == array.shape
        if array.dtype == object:
            assert [repr(v) for v in decoded[name].ravel()] == [repr(v) for v in array.ravel()]
        else:
            np.testing.assert_array_equal(decoded[name], array)


def test_the_bytes_are_compact_and_not_a_pickle() -> None:
    data = encode_row({"probabilities": np.zeros((1, 2), dtype=np.float32), "label": np.zeros(1, np.int64)})
    assert data.startswith(b"IRW1")
    payload = 8 + 8 + len("probabilities") + len("label")
    assert len(data) - payload <= 6 + 2 * 18  # a few bytes of header per array


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x80\x04\x95", "format marker"),
        (encode_row({"x": np.zeros((1, 4))})[:-3], "truncated"),
        (encode_row({"x": np.zeros((1, 4))}) + b"!", "trailing bytes"),
        (encode_row({"x": np.zeros((1, 4))}).replace(b"<f8", b"<q9"), "cannot be decoded"),
    ],
)
def test_bytes_it_did_not_write_are_refused(data: bytes, match: str) -> None:
    with pytest.raises(InferdError, match=match):
        decode_row(data)


def test_a_structured_array_is_refused_by_name() -> None:
    with pytest.raises(InferdError, match="output 'p': structured arrays"):
        encode_row({"p": np.zeros(1, dtype=[("a", "f4"), ("b", "i4")])})
