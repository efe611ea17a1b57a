"""OutputPlan: fused score steps give the steps' own keys, dtypes and bits, and their errors.

The fused path (one compiled call for the leading calibrate/threshold/round
steps on one output) is only an optimisation because of the first property: on
random chains of those steps, followed or interrupted by others, and outputs
full of NaN, infinities, -0.0 and values on the calibration points and the
threshold, it returns exactly what running the steps one by one returns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from inferd.errors import InvalidInputError
from inferd.serving.steps import OutputPlan, build_steps
from inferd.tensors import Batch
from tests.serving.steps.test_input_plan import assert_same_bits

POINTS = (-1.0, 0.0, 0.25, 0.5, 1.0, 3.0)  # calibration points and thresholds, also drawn as data


def scores(width: int) -> st.SearchStrategy[float]:
    finite = st.floats(-10, 10, width=width, allow_subnormal=False)
    edges = st.sampled_from(
        [*POINTS, -0.0, float("nan"), float("inf"), float("-inf"), 1e300 if width == 64 else 1e30]
    )
    return finite | edges


@st.composite
def score_step(draw: st.DrawFn, width: int | None, names: list[str]) -> dict[str, Any]:
    """A step on the output ``scores`` (``width`` columns, or 1-D when None), or another kind."""
    column = {} if width is None else {"column": draw(st.integers(-width, width - 1))}
    kind = draw(st.sampled_from(["calibrate", "calibrate", "threshold", "round", "rename", "top_k"]))
    if kind == "calibrate":
        x = sorted(draw(st.lists(st.sampled_from(POINTS), min_size=2, max_size=5, unique=True)))
        y = draw(
            st.lists(
                st.sampled_from([0.0, 0.4, 1.0, -2.5, 1e308, float("inf")]), min_size=len(x), max_size=len(x)
            )
        )
        target = draw(st.sampled_from([None, None, f"calibrated{len(names)}"]))
        if target is not None:
            names.append(target)
        return {
            "step": "calibrate",
            "output": "scores",
            **column,
            "x": x,
            "y": y,
            **({"name": target} if target else {}),
        }
    if kind == "threshold":
        target = draw(st.sampled_from(["label", "decision", f"decision{len(names)}"]))
        labels = draw(st.sampled_from([["no", "yes"], [0, 1], [2.5, -1.0]]))
        threshold = draw(st.sampled_from([*POINTS, 0.1, 1 / 3]))
        return {
            "step": "threshold",
            "output": "scores",
            **column,
            "threshold": threshold,
            "labels": labels,
            "name": target,
        }
    if kind == "round":
        return {"step": "round", "output": "scores", "decimals": draw(st.integers(-2, 6))}
    if kind == "rename":
        return {"step": "rename", "mapping": {"label": f"label{len(names)}"}}
    return {"step": "top_k", "output": "label", "k": 1}  # refuses a 1-D output: an error mid-way


@st.composite
def chains(draw: st.DrawFn) -> tuple[list[dict[str, Any]], Batch]:
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    width = draw(st.sampled_from([None, 1, 2, 3]))
    rows = draw(st.integers(0, 30))
    shape = (rows,) if width is None else (rows, width)
    values = draw(hnp.arrays(dtype, shape, elements=scores(8 * np.dtype(dtype).itemsize)))
    names: list[str] = []
    steps = [draw(score_step(width, names)) for _ in range(draw(st.integers(1, 6)))]
    return steps, {"label": np.arange(rows, dtype=np.int64), "scores": values}


def run_both(plan: OutputPlan, steps: Any, batch: Batch) -> tuple[Any, Any]:
    def outcome(function: Any) -> Any:
        try:
            with np.errstate(over="ignore"):  # numpy's round warns where x * 10**decimals overflows
                return function(batch)
        except InvalidInputError as exc:
            return str(exc)

    return outcome(plan), outcome(steps)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain=chains())
def test_fused_score_steps_give_the_same_bits_as_the_steps_one_by_one(chain: tuple[list[Any], Batch]) -> None:
    configs, batch = chain
    steps = build_steps(configs)
    plan = OutputPlan(steps, compiled=True)
    originals = {name: values.copy() for name, values in batch.items()}
    event("fused" if plan.is_compiled_for(batch["scores"]) else "step by step")
    fused, reference = run_both(plan, steps, batch)
    if isinstance(reference, str):
        assert fused == reference  # the same error, from the steps themselves
    else:
        assert_same_bits(fused, reference)
    for name, values in originals.items():
        np.testing.assert_array_equal(batch[name], values)


TYPICAL = [
    {"step": "calibrate", "output": "probabilities", "column": 1, "x": [0, 0.5, 1], "y": [0, 0.4, 1]},
    {
        "step": "threshold",
        "output": "probabilities",
        "column": 1,
        "labels": ["no", "yes"],
        "name": "decision",
    },
    {"step": "round", "output": "probabilities", "decimals": 4},
    {"step": "rename", "mapping": {"decision": "answer"}},
]


def probabilities(rows: int) -> Batch:
    p = np.random.default_rng(rows).random(rows, dtype=np.float32)
    return {"label": (p > 0.5).astype(np.int64), "probabilities": np.stack([1 - p, p], axis=1)}


@pytest.mark.parametrize("compiled", [False, True], ids=["numpy", "compiled"])
def test_a_classifiers_postprocessing_is_compiled_up_to_the_first_other_step(compiled: bool) -> None:
    steps = build_steps(TYPICAL)
    plan = OutputPlan(steps, compiled=compiled)
    batch = probabilities(32)
    assert plan.is_compiled_for(batch["probabilities"]) == compiled
    out = plan(batch)
    assert list(out) == ["label", "probabilities", "answer"]
    assert out["probabilities"].dtype == np.float64
    assert set(out["answer"]) <= {"no", "yes"}
    assert_same_bits(out, steps(batch))


def test_float32_rounding_ends_the_fused_run_and_runs_as_numpy_does() -> None:
    steps = build_steps(
        [
            {"step": "threshold", "output": "scores", "threshold": 0.1, "name": "flag"},
            {"step": "round", "output": "scores", "decimals": 2},  # float32: numpy rounds in float32
        ]
    )
    plan = OutputPlan(steps, compiled=True)
    batch = {"scores": np.array([0.1, 0.12345, np.nan, 0.099999994], dtype=np.float32)}
    assert plan.is_compiled_for(batch["scores"])
    assert_same_bits(plan(batch), steps(batch))
    assert plan(batch)["scores"].dtype == np.float32


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ({"label": np.zeros(3)}, "field 'probabilities' is not in the batch"),
        ({"probabilities": np.zeros(3)}, "of shape (3,) has no column 1"),
        ({"probabilities": np.zeros((3, 1))}, "has no column 1"),
        ({"probabilities": np.array([["a", "b"]])}, "holds <U1 values; this step needs numbers"),
    ],
)
def test_outputs_the_steps_refuse_get_the_steps_own_errors(batch: Batch, message: str) -> None:
    plan = OutputPlan(build_steps(TYPICAL), compiled=True)
    with pytest.raises(InvalidInputError, match=r"step 0 \(calibrate\)") as error:
        plan(batch)
    assert message in str(error.value)
    good = probabilities(4)
    assert_same_bits(plan(good), build_steps(TYPICAL)(good))  # and the plan goes on working


def test_without_leading_score_steps_the_plan_is_the_steps() -> None:
    steps = build_steps([{"step": "rename", "mapping": {"label": "class"}}, *TYPICAL[:1]])
    plan = OutputPlan(steps, compiled=True)
    batch = probabilities(5)
    assert not plan.is_compiled_for(batch["probabilities"])
    assert_same_bits(plan(batch), steps(batch))


def test_read_only_strided_and_unaligned_outputs_are_copied_for_the_kernel_not_refused() -> None:
    steps = build_steps(TYPICAL)
    plan = OutputPlan(steps, compiled=True)
    p = np.random.default_rng(3).random(16, dtype=np.float32)
    pairs = np.stack([1 - p, p], axis=1)
    raw = b"\0" + pairs.tobytes()
    unaligned = np.frombuffer(raw, dtype=np.float32, offset=1).reshape(16, 2)  # read-only, misaligned
    strided = np.stack([1 - p, p, p], axis=1)[:, :2]
    for probabilities in (unaligned, strided, pairs[::2]):
        batch = {"label": np.zeros(len(probabilities), dtype=np.int64), "probabilities": probabilities}
        assert plan.is_compiled_for(probabilities)
        assert_same_bits(plan(batch), steps(batch))
