"""InputPlan: fused preprocessing gives the step-by-step path's exact bits, and falls back when it must.

The fused path is only an optimisation because of the first property: on random
contracts, step lists and batches (NaN, infinities, -0.0, values on the clip
bounds, float32 and float64), it returns the same keys, dtypes and bytes (NaN
being NaN) as running the steps one by one and stacking. That holds on numpy
and compiled (numba's interpreter, :mod:`inferd.serving.steps.matrix_kernel`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inferd.contract import Contract, Stack
from inferd.errors import InvalidInputError
from inferd.serving.steps import InputPlan, build_steps, matrix_kernel
from inferd.tensors import Batch

BOUNDS = (-1.5, 0.0, 2.0)  # clip bounds, also drawn as data so values sit exactly on them
# Expressions the interpreter has instructions for, and others that keep a plan on numpy.
COMPILABLE = (
    "{a} * 0.5 + {b}",
    "{a} / {b}",
    "-{a} - abs({b}) * 3",
    "clip({a}, 0.5, 2) / 7",
    "maximum({a}, {b}) * 0.1 - minimum({b}, 1.5)",
    "sqrt(abs({a})) + floor({b}) - ceil(+{a})",
)
EXPRESSIONS = (
    *COMPILABLE,
    "where({a} > 0, {a}, -{b})",
    "log1p(abs({a})) - {b} / 3",
    "clip({a}, -1, 1) * count",
    "maximum({a}, {b}) ** 2",
)


def special_floats(width: int) -> st.SearchStrategy[float]:
    finite = st.floats(-1e6, 1e6, width=width, allow_subnormal=False)
    edges = st.sampled_from([*BOUNDS, -0.0, float("nan"), float("inf"), float("-inf"), 1e30])
    return finite | edges


@st.composite
def step_for(
    draw: st.DrawFn, names: list[str], dtype: str, expressions: tuple[str, ...] = EXPRESSIONS
) -> dict[str, Any]:
    """One fusable step over the float fields currently called ``names``."""
    kind = draw(st.sampled_from(["fill", "clip", "standardize", "scale", "derive", "cast", "rename"]))
    picked = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    if kind == "fill":
        defaults = st.sampled_from([0, 1.5, -2, True, 1e10])
        return {"step": "fill_defaults", "values": {name: draw(defaults) for name in picked}}
    if kind == "clip":
        low, high = draw(st.sampled_from([(-1.5, 2.0), (None, 0.0), (0.0, None), (2.0, 2.0)]))
        bounds = {key: value for key, value in (("min", low), ("max", high)) if value is not None}
        return {"step": "clip", "fields": picked, **bounds}
    if kind == "standardize":
        return {"step": "standardize", "fields": picked, "mean": 0.1, "std": draw(st.sampled_from([0.3, 2]))}
    if kind == "scale":
        return {"step": "scale", "field": picked[0], "min": -3, "max": draw(st.sampled_from([0.7, 10]))}
    if kind == "cast":
        return {"step": "cast", "fields": picked, "dtype": dtype}
    if kind == "rename":
        new = f"{picked[0]}_r"
        names[names.index(picked[0])] = new
        return {"step": "rename", "mapping": {picked[0]: new}}
    a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
    target = draw(st.sampled_from([*names, f"new{len(names)}"]))
    if target not in names:
        names.append(target)
    return {"step": "derive", "name": target, "expr": draw(st.sampled_from(expressions)).format(a=a, b=b)}


@st.composite
def deployments(
    draw: st.DrawFn, expressions: tuple[str, ...] = EXPRESSIONS
) -> tuple[Contract, list[dict[str, Any]], Stack]:
    """A contract of float fields (some nullable) and an int ``count``, fusable steps, one stack."""
    dtype = draw(st.sampled_from(["float32", "float64"]))
    width = draw(st.integers(2, 4))  # few fields, so steps often meet on the same ones
    fields = [f"x{i}" for i in range(width)]
    inputs = [{"name": n, "dtype": dtype, "nullable": True} for n in fields]
    contract = Contract.from_dict({"inputs": [*inputs, {"name": "count", "dtype": "int64"}]})
    names = list(fields)
    steps = [draw(step_for(names, dtype, expressions)) for _ in range(draw(st.integers(1, 8)))]
    for step in steps:  # a derive that mixes in the int field gives float64: cast it back
        if "count" in step.get("expr", ""):
            step["dtype"] = dtype
    stacked = draw(st.permutations(names))
    return contract, steps, Stack("input", tuple(stacked), dtype)


@st.composite
def batches(draw: st.DrawFn, contract: Contract) -> Batch:
    rows = draw(st.integers(0, 40))
    batch: Batch = {"count": draw(hnp.arrays(np.int64, rows, elements=st.integers(-3, 3)))}
    for field in contract.inputs[:-1]:
        dtype = np.dtype(field.dtype)
        batch[field.name] = draw(hnp.arrays(dtype, rows, elements=special_floats(8 * dtype.itemsize)))
    return contract.check(batch)


def bits(values: np.ndarray) -> np.ndarray:
    """The bytes of ``values``, every NaN made one NaN.

    numpy's contiguous (SIMD) and strided loops may give a NaN of another sign or
    payload; nothing reads those bits. Everything else, -0.0 included, must match.
    """
    if values.dtype.kind == "f":
        values = np.where(np.isnan(values), values.dtype.type("nan"), values)
    return values.view(np.uint8)


def assert_same_bits(fused: Batch, reference: Batch) -> None:
    assert list(fused) == list(reference)
    for name, values in reference.items():
        assert fused[name].dtype == values.dtype, name
        assert fused[name].shape == values.shape, name
        if values.dtype.hasobject:
            np.testing.assert_array_equal(fused[name], values, err_msg=name)
        else:
            np.testing.assert_array_equal(bits(fused[name]), bits(values), err_msg=name)


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fused_steps_give_the_same_bits_as_the_steps_one_by_one(compiled: bool, data: st.DataObject) -> None:
    contract, steps, stack = data.draw(deployments())
    plan = InputPlan(build_steps(steps), [stack], contract.inputs, compiled=compiled)
    assert plan.is_fused, plan.unfused_because
    batch = data.draw(batches(contract))
    originals = {name: values.copy() for name, values in batch.items()}
    assert_same_bits(plan(batch), plan.step_by_step(batch))
    for name, values in originals.items():
        np.testing.assert_array_equal(batch[name], values)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_steps_give_the_same_bits_as_the_steps_one_by_one(data: st.DataObject) -> None:
    contract, steps, stack = data.draw(deployments(COMPILABLE))
    plan = InputPlan(build_steps(steps), [stack], contract.inputs, compiled=True)
    changes_numbers = any(step["step"] not in ("cast", "rename") for step in steps)
    assert plan.is_compiled == changes_numbers, plan
    batch = data.draw(batches(contract))
    assert_same_bits(plan(batch), plan.step_by_step(batch))


FLOATS32 = [{"name": f"f{i}", "dtype": "float32", "nullable": i < 2} for i in range(4)]
CONTRACT = Contract.from_dict({"inputs": [*FLOATS32, {"name": "city", "dtype": "str"}]})
STACK = Stack("input", ("f0", "f1", "f2", "f3"))


def checked(rows: int = 5, seed: int = 0) -> Batch:
    rng = np.random.default_rng(seed)
    batch: Batch = {f"f{i}": rng.normal(size=rows).astype(np.float32) for i in range(4)}
    batch["f0"][::2] = np.nan
    batch["city"] = np.array(["Paris", "Lyon", "Rome", "Paris", "Lyon"] * (rows // 5 + 1))[:rows]
    return CONTRACT.check(batch)


def plan_of(
    steps: list[dict[str, Any]], stacks: tuple[Stack, ...] = (STACK,), compiled: bool | None = None
) -> InputPlan:
    return InputPlan(build_steps(steps), stacks, CONTRACT.inputs, compiled=compiled)


TYPICAL = [
    {"step": "fill_defaults", "values": {"f0": 0.0}},
    {"step": "clip", "fields": ["f1", "f2"], "min": -1, "max": 1},
    {"step": "standardize", "field": "f3", "mean": 0.5, "std": 2},
    {"step": "derive", "name": "f2", "expr": "f2 * 0.5 + f3"},
]


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
def test_a_typical_deployment_is_fused_and_unstacked_fields_pass_through_in_order(compiled: bool) -> None:
    plan = plan_of(TYPICAL, compiled=compiled)
    assert plan.is_fused, plan.unfused_because
    assert plan.is_compiled == compiled, plan
    for rows in (0, 1, 5, 2000):  # 2000 rows: beyond the tiled operands, broadcasting instead
        batch = checked(rows)
        assert_same_bits(plan(batch), plan.step_by_step(batch))
        assert list(plan(batch)) == ["input", "city"]


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ([{"step": "one_hot", "field": "city", "categories": ["Paris"]}], "not a built-in step"),
        ([{"step": "derive", "name": "f0", "expr": "city == 'Paris'"}], "that are not float32"),
        ([{"step": "derive", "name": "code", "expr": "f0 * 2"}], "not stacked into 'input'"),
        ([{"step": "clip", "field": "f0", "min": 0}, {"step": "drop", "field": "f0"}], "repeat a field or"),
        ([{"step": "cast", "field": "f1", "dtype": "float64"}], "changes the dtype"),
        ([{"step": "rename", "mapping": {"f0": "f1"}}], "would overwrite"),
        ([{"step": "fill_defaults", "values": {"f0": "zero"}}], "with the text"),
        ([{"step": "fill_defaults", "values": {"city": "Paris"}}], "not one float32 or float64"),
    ],
)
def test_steps_it_cannot_fuse_run_one_by_one_and_say_why(steps: list[dict[str, Any]], reason: str) -> None:
    plan = plan_of(steps)
    assert not plan.is_fused
    assert reason in str(plan.unfused_because)


def test_compiling_is_the_default_where_numba_is_installed() -> None:
    assert plan_of(TYPICAL).is_compiled
    assert "fused, compiled" in repr(plan_of(TYPICAL))
    assert "fused on numpy: compiling is off" in repr(plan_of(TYPICAL, compiled=False))


@pytest.mark.parametrize(
    ("expression", "dtype", "reason"),
    [
        ("log1p(f2)", None, "has no instruction"),
        ("f2 ** 2", None, "has no instruction"),
        ("where(f2 > 0, f2, f3)", None, "has no instruction"),
        ("f2 * 1e300", None, "does not fit float32"),
        ("f2 * -1", "float32", "computes in float64"),  # numpy makes -1 an int64 and computes in float64
        ("f3 + (" * 40 + "f2" + ")" * 40, None, "more than 32 values"),
    ],
)
def test_a_derive_without_instructions_keeps_the_plan_fused_on_numpy(
    expression: str, dtype: str | None, reason: str
) -> None:
    derive = {"step": "derive", "name": "f2", "expr": expression, **({"dtype": dtype} if dtype else {})}
    plan = plan_of([{"step": "clip", "field": "f1", "max": 0}, derive], compiled=True)
    assert plan.is_fused, plan.unfused_because
    assert not plan.is_compiled
    assert reason in str(plan.uncompiled_because)
    batch = checked(7)
    assert_same_bits(plan(batch), plan.step_by_step(batch))


def test_when_numba_cannot_build_the_interpreter_plans_run_fused_on_numpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(matrix_kernel, "_module", None)
    monkeypatch.setattr(matrix_kernel, "_failure", "numba could not build the interpreter: LoweringError()")
    plan = plan_of(TYPICAL)
    assert plan.is_fused
    assert not plan.is_compiled
    assert "LoweringError" in str(plan.uncompiled_because)
    batch = checked(9)
    assert_same_bits(plan(batch), plan.step_by_step(batch))


def test_unfused_plans_give_the_steps_results_and_errors() -> None:
    plan = plan_of([{"step": "fill_defaults", "values": {"f0": "zero"}}])
    with pytest.raises(InvalidInputError, match=r"step 0 \(fill_defaults\): field 'f0' holds numbers"):
        plan(checked())
    plan = plan_of([{"step": "ordinal", "field": "city", "categories": ["Paris", "Lyon", "Rome"]}])
    np.testing.assert_array_equal(plan(checked())["city"], [0, 1, 2, 0, 1])


def test_an_error_in_a_fused_derive_is_the_step_by_step_error() -> None:
    contract = Contract.from_dict(
        {"inputs": [{"name": "x", "dtype": "float32"}, {"name": "n", "dtype": "int64"}]}
    )
    steps = [{"step": "derive", "name": "x", "expr": "n ** n * x", "dtype": "float32"}]
    plan = InputPlan(build_steps(steps), [Stack("input", ("x",))], contract.inputs)
    assert plan.is_fused, plan.unfused_because
    batch = contract.check({"x": np.ones(2, dtype=np.float32), "n": np.array([2, -1])})
    message = r"step 0 \(derive\): 'n \*\* n \* x' cannot be evaluated on this batch: Integers to negative"
    with pytest.raises(InvalidInputError, match=message):
        plan(batch)


def test_a_derive_overwriting_what_an_earlier_derive_read_keeps_the_order_of_the_steps() -> None:
    contract = Contract.from_dict({"inputs": [{"name": n, "dtype": "float32"} for n in ("a", "b", "c")]})
    steps = [
        {"step": "clip", "field": "a", "max": 0},
        {"step": "derive", "name": "t", "expr": "a + b"},  # on the matrix: it reads a clipped field
        {"step": "derive", "name": "b", "expr": "c * 2"},  # must not run before the one above
    ]
    plan = InputPlan(build_steps(steps), [Stack("input", ("a", "b", "c", "t"))], contract.inputs)
    assert plan.is_fused
    batch = contract.check(
        {name: np.full(3, value, dtype=np.float32) for name, value in zip("abc", (1, 5, 7), strict=True)}
    )
    np.testing.assert_array_equal(plan(batch)["input"], [[0, 14, 7, 5]] * 3)


def test_without_stacks_the_steps_run_one_by_one_on_the_fields() -> None:
    plan = plan_of([{"step": "clip", "field": "f1", "max": 0}], stacks=())
    assert not plan.is_fused
    assert set(plan(checked())) == {"f0", "f1", "f2", "f3", "city"}
    assert plan(checked())["f1"].max() <= 0


def test_steps_that_only_rename_say_there_is_nothing_to_compile() -> None:
    renamed = Stack("input", ("f0", "f1", "f2", "f3_raw"))
    plan = plan_of([{"step": "rename", "mapping": {"f3": "f3_raw"}}], (renamed,))
    assert plan.is_fused
    assert plan.how == "fused on numpy: nothing to compute (the steps only rename or keep dtypes)"
