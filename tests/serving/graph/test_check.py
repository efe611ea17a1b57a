"""Load-time checks of a graph against its models' signatures."""

from __future__ import annotations

from typing import Any

import pytest

from inferd.errors import InvalidInputError
from inferd.serving.graph import load_graph_spec
from inferd.tensors import Signature, TensorSpec

from .fakes import CLASSIFIER_SIGNATURE, SCALER_SIGNATURE, signature, spec

INPUTS = [{"name": "x", "dtype": "float32", "shape": [-1, 3]}, {"name": "segment", "dtype": "object"}]
SIGNATURES = {"scaler": SCALER_SIGNATURE, "a": CLASSIFIER_SIGNATURE, "b": CLASSIFIER_SIGNATURE}
CHAIN = {
    "scaler": {"model": "scaler@production"},
    "a": {"model": "gbm:3", "inputs": {"input": "scaler.output"}},
    "b": {"model": "logreg:1", "inputs": {"input": "scaler.output"}},
}


def check(nodes: dict[str, Any], outputs: dict[str, str], signatures: dict[str, Signature]) -> None:
    load_graph_spec({"inputs": INPUTS, "nodes": nodes, "outputs": outputs}).check(signatures)


def test_a_well_wired_graph_passes_and_reports_its_signature() -> None:
    nodes = {
        **CHAIN,
        "vote": {"ensemble": "average", "members": ["a", "b"], "output": "probabilities"},
        "route": {"switch": {"field": "input.segment", "cases": {"r": "a"}, "default": "b"}},
    }
    graph = load_graph_spec(
        {"inputs": INPUTS, "nodes": nodes, "outputs": {"p": "vote.probabilities", "label": "route.label"}}
    )
    graph.check(SIGNATURES)
    assert graph.signature() == Signature(
        inputs=(TensorSpec("x", "float32", (-1, 3)), TensorSpec("segment", "object", (-1,))),
        outputs=(TensorSpec("p", "float32", (-1, 2)), TensorSpec("label", "int64", (-1,))),
    )


def test_wire_to_an_output_the_model_lacks_lists_its_outputs() -> None:
    nodes = {**CHAIN, "a": {"model": "gbm:3", "inputs": {"input": "scaler.scaled"}}}
    with pytest.raises(
        InvalidInputError,
        match=r"node 'a' input 'input': scaler.scaled does not exist; node 'scaler' has outputs output",
    ):
        check(nodes, {"p": "a.probabilities", "q": "b.label"}, SIGNATURES)


def test_graph_output_the_node_lacks_is_refused() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"graph output 'p': a.proba does not exist; node 'a' has outputs label, probabilities",
    ):
        check(CHAIN, {"p": "a.proba", "q": "b.label"}, SIGNATURES)


def test_dtype_mismatch_names_the_wire_and_both_dtypes() -> None:
    signatures = {
        **SIGNATURES,
        "scaler": signature([spec("x", "float32", 3)], [spec("output", "float64", 3)]),
    }
    with pytest.raises(
        InvalidInputError,
        match=r"node 'a' input 'input' is wired to scaler.output, float64 with per-row shape \[3\] "
        r"but the model takes float32 with per-row shape \[3\]",
    ):
        check(CHAIN, {"p": "a.probabilities", "q": "b.label"}, signatures)


def test_shape_mismatch_names_both_per_row_shapes() -> None:
    signatures = {
        **SIGNATURES,
        "scaler": signature([spec("x", "float32", 3)], [spec("output", "float32", 4)]),
    }
    with pytest.raises(
        InvalidInputError, match=r"scaler.output, float32 with per-row shape \[4\] but .* shape \[3\]"
    ):
        check(CHAIN, {"p": "a.probabilities", "q": "b.label"}, signatures)


def test_variable_dimensions_line_up_with_any_size() -> None:
    signatures = {
        **SIGNATURES,
        "scaler": signature([spec("x", "float32", -1)], [spec("output", "float32", -1)]),
    }
    check(CHAIN, {"p": "a.probabilities", "q": "b.label"}, signatures)


def test_graph_input_with_the_wrong_dtype_for_a_default_wired_model_is_refused() -> None:
    signatures = {
        **SIGNATURES,
        "scaler": signature([spec("x", "float64", 3)], [spec("output", "float32", 3)]),
    }
    with pytest.raises(InvalidInputError, match=r"node 'scaler' input 'x' is wired to input.x, float32"):
        check(CHAIN, {"p": "a.probabilities", "q": "b.label"}, signatures)


def test_unwired_and_unknown_model_inputs_are_refused() -> None:
    two_inputs = signature([spec("input", "float32", 3), spec("extra", "float32")], [spec("label", "int64")])
    with pytest.raises(InvalidInputError, match=r"node 'a': model input\(s\) extra of 'gbm:3' are not wired"):
        check(CHAIN, {"p": "a.label", "q": "b.label"}, {**SIGNATURES, "a": two_inputs})
    nodes = {**CHAIN, "a": {"model": "gbm:3", "inputs": {"input": "scaler.output", "inptu": "input.x"}}}
    with pytest.raises(
        InvalidInputError, match=r"node 'a': model 'gbm:3' has no input\(s\) inptu; it takes input"
    ):
        check(nodes, {"p": "a.label", "q": "b.label"}, SIGNATURES)


def test_missing_signature_names_the_node() -> None:
    with pytest.raises(InvalidInputError, match=r"node 'b': no signature was given for model 'logreg:1'"):
        check(
            CHAIN, {"p": "a.label", "q": "b.label"}, {"scaler": SCALER_SIGNATURE, "a": CLASSIFIER_SIGNATURE}
        )


def test_ensemble_members_must_agree_on_the_averaged_output() -> None:
    wide = signature([spec("input", "float32", 3)], [spec("probabilities", "float32", 3)])
    nodes = {**CHAIN, "vote": {"ensemble": "average", "members": ["a", "b"], "output": "probabilities"}}
    with pytest.raises(
        InvalidInputError,
        match=r"ensemble 'vote' output 'probabilities': member 'a' gives float32 with per-row shape \[2\] "
        r"but member 'b' gives float32 with per-row shape \[3\]",
    ):
        check(nodes, {"p": "vote.probabilities"}, {**SIGNATURES, "b": wide})


def test_average_of_labels_is_refused_pointing_at_majority_vote() -> None:
    nodes = {**CHAIN, "vote": {"ensemble": "average", "members": ["a", "b"], "output": "label"}}
    with pytest.raises(
        InvalidInputError, match=r"needs floating-point outputs but 'label' is int64; use majority_vote"
    ):
        check(nodes, {"p": "vote.label"}, SIGNATURES)


def test_switch_cases_must_give_the_same_outputs() -> None:
    other = signature([spec("input", "float32", 3)], [spec("probabilities", "float32", 2)])
    nodes = {**CHAIN, "route": {"switch": {"field": "input.segment", "cases": {"r": "a", "c": "b"}}}}
    with pytest.raises(
        InvalidInputError,
        match=r"switch 'route': cases disagree on outputs: "
        r"'a' gives label, probabilities but 'b' gives probabilities",
    ):
        check(nodes, {"p": "route.probabilities"}, {**SIGNATURES, "b": other})


def test_switch_field_must_hold_one_value_a_row() -> None:
    nodes = {**CHAIN, "route": {"switch": {"field": "input.x", "cases": {"r": "a", "c": "b"}}}}
    with pytest.raises(InvalidInputError, match=r"switch 'route': field input.x must hold one value a row"):
        check(nodes, {"p": "route.probabilities"}, SIGNATURES)
