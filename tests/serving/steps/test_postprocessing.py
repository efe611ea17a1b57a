"""The built-in postprocessing steps, on the outputs a classifier gives."""

from __future__ import annotations

import numpy as np
import pytest

from inferd.errors import InvalidInputError
from inferd.serving.steps import build_steps
from inferd.tensors import Batch

PROBABILITIES = np.array([[0.9, 0.1], [0.3, 0.7], [0.5, 0.5]])


def run(config: dict[str, object], batch: Batch) -> Batch:
    return build_steps([config])(batch)


def test_threshold_turns_a_probability_column_into_labels() -> None:
    out = run(
        {
            "step": "threshold",
            "output": "probabilities",
            "column": 1,
            "threshold": 0.5,
            "labels": ["no", "yes"],
            "name": "decision",
        },
        {"probabilities": PROBABILITIES},
    )
    assert out["decision"].tolist() == ["no", "yes", "yes"]
    np.testing.assert_array_equal(out["probabilities"], PROBABILITIES)


def test_threshold_defaults_to_zero_one_labels_in_field_label_for_a_1d_score() -> None:
    out = run(
        {"step": "threshold", "output": "score", "threshold": 0.2}, {"score": np.array([0.1, 0.2, np.nan])}
    )
    assert out["label"].tolist() == [0, 1, 0]


def test_threshold_on_a_matrix_without_a_column_says_to_give_one() -> None:
    with pytest.raises(
        InvalidInputError, match=r"\(threshold\): output 'probabilities' has shape \(3, 2\); give 'column'"
    ):
        run({"step": "threshold", "output": "probabilities"}, {"probabilities": PROBABILITIES})


def test_threshold_on_a_column_the_output_lacks_names_the_output() -> None:
    with pytest.raises(InvalidInputError, match=r"output 'probabilities' of shape \(3, 2\) has no column 2"):
        run({"step": "threshold", "output": "probabilities", "column": 2}, {"probabilities": PROBABILITIES})


def test_top_k_gives_the_best_indices_scores_and_labels_best_first() -> None:
    scores = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.4, 0.2, 0.4]])
    out = run({"step": "top_k", "output": "p", "k": 2, "labels": ["cat", "dog", "owl"]}, {"p": scores})
    np.testing.assert_array_equal(out["top_k_indices"], [[1, 2], [0, 2], [0, 2]])  # ties: lower index first
    np.testing.assert_array_equal(out["top_k_scores"], [[0.6, 0.3], [0.5, 0.3], [0.4, 0.4]])
    assert out["top_k_labels"].tolist() == [["dog", "owl"], ["cat", "owl"], ["cat", "owl"]]


def test_top_k_names_its_outputs_as_configured() -> None:
    out = run(
        {"step": "top_k", "output": "p", "k": 1, "indices_name": "best", "scores_name": "confidence"},
        {"p": PROBABILITIES},
    )
    assert set(out) == {"p", "best", "confidence"}
    np.testing.assert_array_equal(out["best"], [[0], [1], [0]])


def test_top_k_with_more_than_the_output_has_names_the_output() -> None:
    with pytest.raises(
        InvalidInputError, match=r"\(top_k\): output 'p' of shape \(3, 2\) has fewer than k=3"
    ):
        run({"step": "top_k", "output": "p", "k": 3}, {"p": PROBABILITIES})
    with pytest.raises(InvalidInputError, match="has 2 columns but the step names 3 labels"):
        run({"step": "top_k", "output": "p", "k": 1, "labels": ["a", "b", "c"]}, {"p": PROBABILITIES})


def test_calibrate_maps_scores_through_the_piecewise_linear_curve() -> None:
    config = {"step": "calibrate", "output": "s", "x": [0.0, 0.5, 1.0], "y": [0.0, 0.8, 1.0]}
    out = run(config, {"s": np.array([-1.0, 0.25, 0.75, 2.0])})
    np.testing.assert_allclose(out["s"], [0.0, 0.4, 0.9, 1.0])


def test_calibrate_one_column_in_place_or_into_a_new_field() -> None:
    config = {"step": "calibrate", "output": "probabilities", "column": 1, "x": [0, 1], "y": [0, 0.5]}
    out = run(config, {"probabilities": PROBABILITIES})
    np.testing.assert_allclose(out["probabilities"], [[0.9, 0.05], [0.3, 0.35], [0.5, 0.25]])
    out = run({**config, "name": "calibrated"}, {"probabilities": PROBABILITIES})
    np.testing.assert_allclose(out["calibrated"], [0.05, 0.35, 0.25])
    np.testing.assert_array_equal(out["probabilities"], PROBABILITIES)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.float64])
def test_calibrating_one_column_makes_the_whole_output_float64_keeping_the_others(dtype: type) -> None:
    scores = np.array([[0, 1], [1, 0]], dtype=dtype)
    config = {"step": "calibrate", "output": "s", "column": 1, "x": [0, 1], "y": [0, 0.5]}
    out = run(config, {"s": scores})["s"]
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[0.0, 0.5], [1.0, 0.0]])


def test_round_rounds_each_named_output() -> None:
    out = run(
        {"step": "round", "outputs": ["a", "b"], "decimals": 2},
        {"a": np.array([0.12345]), "b": np.array([[1.005, 2.0]])},
    )
    np.testing.assert_allclose(out["a"], [0.12])
    np.testing.assert_allclose(out["b"], [[1.0, 2.0]])
    np.testing.assert_array_equal(
        run({"step": "round", "output": "n"}, {"n": np.array([2.5, 3.5])})["n"], [2.0, 4.0]
    )


def test_rename_renames_outputs_and_can_swap_them() -> None:
    batch = {"label": np.array([1]), "probabilities": np.array([[0.2, 0.8]])}
    out = run({"step": "rename", "mapping": {"probabilities": "scores"}}, batch)
    assert list(out) == ["label", "scores"]
    out = run({"step": "rename", "mapping": {"label": "probabilities", "probabilities": "label"}}, batch)
    np.testing.assert_array_equal(out["label"], batch["probabilities"])


def test_rename_onto_an_existing_field_is_refused_naming_both() -> None:
    with pytest.raises(
        InvalidInputError, match=r"\(rename\): renaming 'a' to 'b' would overwrite the field 'b'"
    ):
        run({"step": "rename", "mapping": {"a": "b"}}, {"a": np.zeros(1), "b": np.zeros(1)})
    with pytest.raises(InvalidInputError, match=r"\(rename\): field 'c' is not in the batch"):
        run({"step": "rename", "mapping": {"c": "d"}}, {"a": np.zeros(1)})
