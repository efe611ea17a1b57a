"""derive: the expression language, its numpy semantics, and what it refuses to run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferd.errors import InvalidInputError
from inferd.serving.steps import build_steps
from inferd.tensors import Batch

Reference = Callable[[Batch], Any]


def derive(expr: str, batch: Batch, **options: object) -> np.ndarray:
    return build_steps([{"step": "derive", "name": "out", "expr": expr, **options}])(batch)["out"]


def test_derive_adds_a_field_computed_over_whole_columns() -> None:
    batch = {"weight": np.array([70.0, 90.0]), "height": np.array([175.0, 180.0])}
    out = build_steps([{"step": "derive", "name": "bmi", "expr": "weight / (height / 100) ** 2"}])(batch)
    np.testing.assert_allclose(out["bmi"], batch["weight"] / (batch["height"] / 100) ** 2)
    assert set(out) == {"weight", "height", "bmi"}


def test_derive_supports_functions_comparisons_and_boolean_logic() -> None:
    batch = {
        "x": np.array([-2.0, 0.5, 3.0]),
        "y": np.array([1.0, 1.0, 5.0]),
        "city": np.array(["a", "b", "a"]),
    }
    x, y = batch["x"], batch["y"]
    np.testing.assert_allclose(
        derive("log1p(abs(x)) + sqrt(y) - exp(-y)", batch), np.log1p(abs(x)) + np.sqrt(y) - np.exp(-y)
    )
    np.testing.assert_array_equal(derive("where(x > 0, x, 0)", batch), [0.0, 0.5, 3.0])
    np.testing.assert_array_equal(derive("0 < x <= 1", batch), [False, True, False])
    np.testing.assert_array_equal(derive("(x > 0 and y > 1) or not x < 3", batch), [False, False, True])
    np.testing.assert_array_equal(derive("city == 'a'", batch), [True, False, True])
    np.testing.assert_array_equal(derive("maximum(minimum(x, 1), -1)", batch), [-1.0, 0.5, 1.0])


def test_derive_follows_numpy_for_division_by_zero_and_log_of_zero_without_warnings() -> None:
    np.testing.assert_array_equal(derive("log(x) + 1 / x", {"x": np.array([0.0, 1.0])}), [np.nan, 1.0])


def test_derive_of_constants_fills_every_row_and_can_cast() -> None:
    out = derive("2 ** 3", {"x": np.zeros(4)}, dtype="float32")
    np.testing.assert_array_equal(out, [8.0] * 4)
    assert out.dtype == np.float32


def test_derive_with_a_missing_field_names_the_step_and_the_field() -> None:
    with pytest.raises(InvalidInputError, match=r"step 0 \(derive\): field 'y' is not in the batch"):
        derive("x + y", {"x": np.zeros(2)})


def test_derive_that_numpy_refuses_on_the_data_names_the_step() -> None:
    with pytest.raises(InvalidInputError, match=r"step 0 \(derive\): 'x \*\* -1' cannot be evaluated"):
        derive("x ** -1", {"x": np.array([1, 2])})


@pytest.mark.parametrize(
    "expr",
    [
        "__import__('os').system('true')",
        "x.__class__",
        "(lambda: 1)()",
        "[x for x in y]",
        "x[0]",
        "open('/etc/passwd')",
        "np.log(x)",
        "log(x, base=2)",
        "log(*x)",
        "x if y else z",
        "{'a': 1}",
        "b'bytes'",
        "x := 1",
        "log",
        "1j",
    ],
)
def test_derive_refuses_anything_outside_the_language_at_build_time(expr: str) -> None:
    with pytest.raises(InvalidInputError, match=r"step 0 \(derive\): expression"):
        build_steps([{"step": "derive", "name": "out", "expr": expr}])


def test_derive_refuses_runaway_expressions() -> None:
    with pytest.raises(InvalidInputError, match="longer than"):
        build_steps([{"step": "derive", "name": "out", "expr": "x" + " + x" * 1000}])
    with pytest.raises(InvalidInputError, match="has more than 400 parts"):
        build_steps([{"step": "derive", "name": "out", "expr": "-" * 1000 + "x"}])
    with pytest.raises(InvalidInputError, match="is not a valid expression"):
        build_steps([{"step": "derive", "name": "out", "expr": "(" * 500 + "x" + ")" * 500}])


# Random expression trees, written both as text for derive and as the same numpy calls.
_LEAVES: list[tuple[str, Reference]] = [
    ("a", lambda b: b["a"]),
    ("b", lambda b: b["b"]),
    ("2.5", lambda b: 2.5),
    ("3", lambda b: 3),
]
_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
_FUNCTIONS = {"abs": np.abs, "exp": np.exp, "log": np.log, "sqrt": np.sqrt}


def _combine(children: st.SearchStrategy[tuple[str, Reference]]) -> st.SearchStrategy[tuple[str, Reference]]:
    def binary(op: str, left: tuple[str, Reference], right: tuple[str, Reference]) -> tuple[str, Reference]:
        function = _BINARY[op]
        return f"({left[0]} {op} {right[0]})", lambda b: function(left[1](b), right[1](b))

    def call(name: str, arg: tuple[str, Reference]) -> tuple[str, Reference]:
        function = _FUNCTIONS[name]
        return f"{name}({arg[0]})", lambda b: function(arg[1](b))

    def negate(arg: tuple[str, Reference]) -> tuple[str, Reference]:
        return f"-{arg[0]}", lambda b: np.negative(arg[1](b))

    def choose(cond: tuple[str, Reference], left: tuple[str, Reference]) -> tuple[str, Reference]:
        return (
            f"where({cond[0]} > 1, {left[0]}, minimum({cond[0]}, {left[0]}))",
            lambda b: np.where(cond[1](b) > 1, left[1](b), np.minimum(cond[1](b), left[1](b))),
        )

    return st.one_of(
        st.builds(binary, st.sampled_from(sorted(_BINARY)), children, children),
        st.builds(call, st.sampled_from(sorted(_FUNCTIONS)), children),
        st.builds(negate, children),
        st.builds(choose, children, children),
    )


_EXPRESSIONS = st.recursive(st.sampled_from(_LEAVES), _combine, max_leaves=8)
_COLUMNS = st.lists(st.floats(-1e3, 1e3, width=64), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(expression=_EXPRESSIONS, a=_COLUMNS, b=_COLUMNS)
def test_derive_equals_the_same_expression_written_with_numpy(
    expression: tuple[str, Reference], a: list[float], b: list[float]
) -> None:
    rows = min(len(a), len(b))
    batch = {"a": np.array(a[:rows]), "b": np.array(b[:rows])}
    text, reference = expression
    with np.errstate(all="ignore"):
        expected = np.broadcast_to(np.asarray(reference(batch)), (rows,))
    np.testing.assert_array_equal(derive(text, batch), expected)
