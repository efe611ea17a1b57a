"""Hypothesis strategies for contracts and for the arbitrary batches clients may send."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inferd.contract import Contract, Field, Stack

DTYPES = ("float16", "float32", "float64", "int8", "int32", "int64", "uint8", "uint64", "bool", "object")
NAMES = st.text(alphabet="abcdefxyz_", min_size=1, max_size=6)
FINITE = st.floats(allow_nan=False, allow_infinity=False, width=32)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-300, 300), FINITE, st.text(max_size=5))


@st.composite
def fields(draw: st.DrawFn, name: str) -> Field:
    has_default = draw(st.booleans())
    return Field(
        name=name,
        dtype=draw(st.sampled_from(DTYPES)),
        shape=draw(st.sampled_from([(), (), (2,), (-1,)])),
        nullable=draw(st.booleans()),
        min=draw(st.none() | FINITE),
        max=draw(st.none() | FINITE),
        allowed=draw(st.none() | st.lists(SCALARS, max_size=4).map(tuple)),
        default=draw(SCALARS | st.lists(st.integers(-5, 5), max_size=3)) if has_default else None,
        has_default=has_default,
        pii=draw(st.booleans()),
        description=draw(st.text(max_size=12)),
    )


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    inputs = tuple(draw(fields(name)) for name in names)
    outputs = tuple(draw(fields(f"out_{name}")) for name in draw(st.lists(NAMES, max_size=2, unique=True)))
    scalar = [f.name for f in inputs if not f.shape and f.dtype != "object"]
    stacks: tuple[Stack, ...] = ()
    wants_stack: bool = draw(st.booleans())
    if scalar and wants_stack:
        chosen = draw(st.lists(st.sampled_from(scalar), min_size=1, unique=True))
        stacks = (Stack("stacked_input", tuple(chosen), draw(st.sampled_from(("float32", "float64")))),)
    return Contract(inputs, outputs, stacks)


OBJECTS = st.one_of(
    SCALARS,
    st.floats(),
    st.integers(),
    st.binary(max_size=4),
    st.just(float("nan")),
    st.sampled_from(["1.5", "abc", "true"]),
)


def column(rows: int, width: int | None) -> st.SearchStrategy[np.ndarray]:
    """An array with ``rows`` rows of any dtype a client might send (objects, strings, numbers, dates)."""
    shape = (rows,) if width is None else (rows, width)
    typed = hnp.arrays(
        st.one_of(
            hnp.boolean_dtypes(),
            hnp.integer_dtypes(),
            hnp.unsigned_integer_dtypes(),
            hnp.floating_dtypes(),
            hnp.complex_number_dtypes(),
            hnp.unicode_string_dtypes(max_len=3),
            hnp.datetime64_dtypes(),
        ),
        shape,
    )
    objects = st.lists(OBJECTS, min_size=rows * (width or 1), max_size=rows * (width or 1)).map(
        lambda values: _object_array(values, shape)
    )
    return typed | objects


def _object_array(values: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out.reshape(shape)


@st.composite
def batches(draw: st.DrawFn, contract: Contract) -> dict[str, np.ndarray]:
    """A batch for ``contract`` that may be right, or wrong in any way: missing, extra, ragged, mistyped."""
    rows = draw(st.integers(0, 6))
    batch: dict[str, np.ndarray] = {}
    for field in contract.inputs:
        if draw(st.integers(0, 9)) == 0:
            continue
        field_rows = rows if draw(st.integers(0, 9)) else draw(st.integers(0, 6))
        width = None if not field.shape else draw(st.sampled_from([2, 2, 3]))
        batch[field.name] = draw(column(field_rows, width))
    if draw(st.integers(0, 9)) == 0:
        batch["not_declared"] = draw(column(rows, None))
    return batch


@st.composite
def fitting_batches(draw: st.DrawFn, contract: Contract) -> dict[str, np.ndarray]:
    """A batch of the right names, row count, dtypes and shapes, whose values may still break the contract."""
    rows = draw(st.integers(0, 6))
    batch: dict[str, np.ndarray] = {}
    for field in contract.inputs:
        if field.has_default and draw(st.booleans()):
            continue
        shape = (rows, *(2 if d == -1 else d for d in field.shape))
        if field.dtype == "object":
            batch[field.name] = draw(_text_column(shape, field.allowed or ()))
        else:
            batch[field.name] = draw(hnp.arrays(np.dtype(field.dtype), shape))
    return batch


def _text_column(shape: tuple[int, ...], allowed: tuple[Any, ...]) -> st.SearchStrategy[np.ndarray]:
    size = int(np.prod(shape))
    elements = st.none() | st.text(max_size=3) | st.sampled_from([str(a) for a in allowed] or [""])
    return st.lists(elements, min_size=size, max_size=size).map(lambda values: _object_array(values, shape))
