"""Hypothesis strategies: tensors of every v2 datatype, as a client would send them."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inferd.tensors import V2_DATATYPES, numpy_dtype

FIXED_DATATYPES = tuple(name for name in V2_DATATYPES if name != "BYTES")
#: What JSON can carry: FP16 too (as numbers), which the spec leaves to binary.
JSON_DATATYPES = V2_DATATYPES

shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)


def _bytes_array(shape: tuple[int, ...], items: st.SearchStrategy[bytes]) -> st.SearchStrategy[np.ndarray]:
    size = int(np.prod(shape))

    def build(values: list[bytes]) -> np.ndarray:
        array = np.empty(size, dtype=object)
        array[:] = values
        return array.reshape(shape)

    return st.lists(items, min_size=size, max_size=size).map(build)


@st.composite
def tensors(draw: st.DrawFn, datatypes: tuple[str, ...] = V2_DATATYPES, finite: bool = False) -> np.ndarray:
    """One array of a drawn datatype and shape.

    ``finite`` keeps floats JSON-safe (no NaN or infinity) and BYTES UTF-8.
    """
    datatype = draw(st.sampled_from(datatypes))
    shape = draw(shapes)
    if datatype == "BYTES":
        items = st.text(max_size=8).map(str.encode) if finite else st.binary(max_size=8)
        return draw(_bytes_array(shape, items))
    dtype = numpy_dtype(datatype)
    elements: dict[str, Any] = {}
    if dtype.kind == "f":
        elements = {"allow_nan": not finite, "allow_infinity": not finite}
    return draw(hnp.arrays(dtype, shape, elements=elements or None))


@st.composite
def batches(
    draw: st.DrawFn, datatypes: tuple[str, ...] = V2_DATATYPES, finite: bool = False
) -> dict[str, np.ndarray]:
    """One to three named tensors."""
    count = draw(st.integers(min_value=1, max_value=3))
    return {f"input_{index}": draw(tensors(datatypes, finite)) for index in range(count)}
