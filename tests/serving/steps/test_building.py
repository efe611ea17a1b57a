"""Building steps from configs: every mistake is caught at build time, naming the step and the key."""

from __future__ import annotations

import numpy as np
import pytest

from inferd.errors import InvalidInputError
from inferd.serving.steps import STEP_KINDS, Step, StepSequence, build_steps


def test_an_empty_step_list_is_the_identity() -> None:
    steps = build_steps([])
    batch = {"x": np.arange(3.0)}
    assert len(steps) == 0
    assert not steps
    assert steps(batch) is batch


def test_steps_run_in_the_declared_order() -> None:
    steps = build_steps(
        [
            {"step": "derive", "name": "x", "expr": "x + 1"},
            {"step": "derive", "name": "x", "expr": "x * 10"},
        ]
    )
    assert len(steps) == 2
    np.testing.assert_array_equal(steps({"x": np.array([1.0, 2.0])})["x"], [20.0, 30.0])


def test_every_built_step_is_a_step_named_by_its_index_and_kind() -> None:
    steps = build_steps([{"step": "clip", "field": "a", "min": 0}, {"step": "drop", "fields": ["b"]}])
    assert isinstance(steps, StepSequence)
    assert all(isinstance(step, Step) for step in steps)
    assert [step.name for step in steps] == ["step 0 (clip)", "step 1 (drop)"]


def test_an_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(
        InvalidInputError, match=r"step 1 has the unknown kind 'standardise'; known kinds: "
    ) as info:
        build_steps([{"step": "clip", "field": "a", "max": 1}, {"step": "standardise"}])
    assert all(kind in str(info.value) for kind in STEP_KINDS)


def test_a_config_without_a_kind_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="step 0 has no 'step' key"):
        build_steps([{"field": "a"}])


def test_a_config_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="step 0: must be a mapping"):
        build_steps(["clip"])  # type: ignore[list-item]


def test_a_misspelt_key_names_the_step_kind_and_key() -> None:
    with pytest.raises(InvalidInputError, match=r"step 2 \(standardize\): 'meen' is not a key of this step"):
        build_steps(
            [
                {"step": "drop", "field": "a"},
                {"step": "drop", "field": "b"},
                {"step": "standardize", "field": "x", "meen": 0, "std": 1},
            ]
        )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"step": "standardize", "field": "x", "mean": 0}, r"\(standardize\): the key 'std' is required"),
        ({"step": "standardize", "field": "x", "mean": 0, "std": 0}, r"'std' must be positive"),
        (
            {"step": "standardize", "fields": ["a", "b"], "mean": [0], "std": 1},
            r"'mean' must be a number or a list of 2",
        ),
        ({"step": "standardize", "field": "x", "mean": "0", "std": 1}, r"'mean' must be a number"),
        ({"step": "scale", "field": "x", "min": 1, "max": 1}, r"'max' must be above 'min'"),
        ({"step": "clip", "field": "x"}, r"\(clip\): give 'min', 'max' or both"),
        ({"step": "clip", "field": "x", "min": 2, "max": 1}, r"'max' must not be below 'min'"),
        (
            {"step": "clip", "field": "x", "fields": ["y"], "min": 0},
            r"give exactly one of the keys 'field' or 'fields'",
        ),
        (
            {"step": "cast", "field": "x", "dtype": "float33"},
            r"\(cast\): 'dtype' .*unknown datatype 'float33'",
        ),
        ({"step": "one_hot", "field": "c", "categories": []}, r"'categories' must be a list of at least 1"),
        ({"step": "one_hot", "field": "c", "categories": ["a", "a"]}, r"'categories' must not repeat values"),
        (
            {"step": "one_hot", "field": "c", "categories": ["a"], "on_unknown": "skip"},
            r"'on_unknown' must be one of error, ignore",
        ),
        (
            {"step": "ordinal", "field": "c", "categories": ["a"], "on_unknown": "ignore"},
            r"'on_unknown' must be one of error, value",
        ),
        ({"step": "fill_defaults", "values": {}}, r"'values' must be a non-empty mapping"),
        ({"step": "fill_defaults", "values": {"a": [1]}}, r"'values' must be a string, number or boolean"),
        (
            {"step": "derive", "name": "y", "expr": "x +"},
            r"\(derive\): expression 'x \+': is not a valid expression",
        ),
        ({"step": "threshold", "output": "p", "labels": ["a", "b", "c"]}, r"'labels' must be two labels"),
        ({"step": "threshold", "output": "p", "column": "1"}, r"'column' must be an integer"),
        ({"step": "top_k", "output": "p", "k": 0}, r"\(top_k\): 'k' must be an integer of at least 1"),
        (
            {"step": "calibrate", "output": "p", "x": [0, 1], "y": [0, 0.5, 1]},
            r"'y' must have as many points",
        ),
        ({"step": "calibrate", "output": "p", "x": [1, 0], "y": [0, 1]}, r"'x' must be strictly increasing"),
        ({"step": "round", "output": "p", "decimals": 1.5}, r"\(round\): 'decimals' must be an integer"),
        (
            {"step": "rename", "mapping": {"a": "c", "b": "c"}},
            r"'mapping' gives two fields the same new name",
        ),
        ({"step": "select", "fields": []}, r"'fields' must be a non-empty list"),
    ],
)
def test_a_bad_parameter_is_refused_at_build_time_naming_the_key(
    config: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        build_steps([config])
