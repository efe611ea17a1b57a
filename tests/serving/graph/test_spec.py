"""Reading graph specs from YAML and refusing malformed ones with precise messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from inferd.errors import InferdError, InvalidInputError
from inferd.serving.graph import GraphSpec, load_graph_spec

FULL_GRAPH = """
graph:
  inputs:
    - {name: x, dtype: float32, shape: [-1, 3]}
    - {name: segment, dtype: object}
  nodes:
    scaler: {model: "scaler@production"}
    a: {model: "gbm:3", inputs: {input: scaler.output}}
    b: {model: "logreg@production", inputs: {input: scaler.output}}
    vote: {ensemble: weighted_average, weights: [0.7, 0.3], members: [a, b], output: probabilities}
    stack: {model: "meta@production", inputs: {p_a: a.probabilities, p_b: b.probabilities}}
    route: {switch: {field: input.segment, cases: {"retail": a, 7: b}, default: a}}
  outputs: {probabilities: vote.probabilities, label: route.label, meta: stack.score}
"""


def graph(nodes: dict[str, Any], outputs: dict[str, str], inputs: list[Any] | None = None) -> dict[str, Any]:
    inputs = inputs if inputs is not None else [{"name": "x", "dtype": "float32", "shape": [-1, 3]}]
    return {"inputs": inputs, "nodes": nodes, "outputs": outputs}


def test_yaml_round_trip_gives_the_same_spec(tmp_path: Path) -> None:
    spec = load_graph_spec(FULL_GRAPH)
    assert load_graph_spec(spec.to_yaml()) == spec
    assert load_graph_spec(spec.to_dict()) == spec
    path = tmp_path / "graph.yaml"
    path.write_text(spec.to_yaml())
    assert load_graph_spec(path) == spec
    assert yaml.safe_load(spec.to_yaml())["graph"]["nodes"]["route"]["switch"]["cases"] == {
        "retail": "a",
        7: "b",
    }


def test_model_refs_name_every_model_node_and_nothing_else() -> None:
    assert load_graph_spec(FULL_GRAPH).model_refs() == {
        "scaler": "scaler@production",
        "a": "gbm:3",
        "b": "logreg@production",
        "stack": "meta@production",
    }


def test_spec_without_the_graph_key_is_read_too() -> None:
    body = yaml.safe_load(FULL_GRAPH)["graph"]
    assert load_graph_spec(body) == load_graph_spec(FULL_GRAPH)


def test_cycle_is_refused_naming_its_nodes_in_order() -> None:
    nodes = {
        "a": {"model": "m", "inputs": {"input": "c.output"}},
        "b": {"model": "m", "inputs": {"input": "a.output"}},
        "c": {"model": "m", "inputs": {"input": "b.output"}},
    }
    with pytest.raises(InvalidInputError, match=r"graph has a cycle: a -> c -> b -> a"):
        load_graph_spec(graph(nodes, {"y": "c.output"}))


def test_cycle_through_an_ensemble_and_a_switch_is_refused() -> None:
    nodes = {
        "a": {"model": "m", "inputs": {"input": "vote.p"}},
        "b": {"model": "m"},
        "vote": {"ensemble": "average", "members": ["route", "b"], "output": "p"},
        "route": {"switch": {"field": "input.x", "cases": {1: "a"}, "default": "b"}},
    }
    with pytest.raises(InvalidInputError, match=r"graph has a cycle: a -> vote -> route -> a"):
        load_graph_spec(graph(nodes, {"y": "vote.p"}))


def test_node_reading_itself_is_a_cycle() -> None:
    with pytest.raises(InvalidInputError, match=r"graph has a cycle: a -> a"):
        load_graph_spec(graph({"a": {"model": "m", "inputs": {"input": "a.output"}}}, {"y": "a.output"}))


def test_wire_to_an_unknown_node_names_the_reader_and_the_known_nodes() -> None:
    nodes = {"a": {"model": "m"}, "b": {"model": "m", "inputs": {"input": "nope.output"}}}
    with pytest.raises(
        InvalidInputError, match=r"node 'b' input 'input': nope.output names node 'nope'.*a, b"
    ):
        load_graph_spec(graph(nodes, {"y": "b.output"}))


def test_wire_to_an_unknown_graph_input_lists_the_graph_inputs() -> None:
    nodes = {"a": {"model": "m", "inputs": {"input": "input.z"}}}
    with pytest.raises(InvalidInputError, match=r"input.z names no graph input; the graph inputs are x"):
        load_graph_spec(graph(nodes, {"y": "a.output"}))


def test_unknown_ensemble_member_and_switch_case_are_refused() -> None:
    nodes = {"a": {"model": "m"}, "vote": {"ensemble": "average", "members": ["a", "ghost"], "output": "p"}}
    with pytest.raises(InvalidInputError, match=r"node 'vote' names node 'ghost', which does not exist"):
        load_graph_spec(graph(nodes, {"y": "vote.p"}))
    nodes = {"a": {"model": "m"}, "route": {"switch": {"field": "input.x", "cases": {"r": "ghost"}}}}
    with pytest.raises(InvalidInputError, match=r"node 'route' names node 'ghost'"):
        load_graph_spec(graph(nodes, {"y": "route.p"}))


def test_graph_output_on_an_unknown_node_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"graph output 'y': b.output names node 'b'"):
        load_graph_spec(graph({"a": {"model": "m"}}, {"y": "b.output"}))


def test_node_feeding_no_output_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"node\(s\) b feed no graph output"):
        load_graph_spec(graph({"a": {"model": "m"}, "b": {"model": "m"}}, {"y": "a.output"}))


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"model": "m", "ensemble": "average"}, r"node 'n': give exactly one of model, ensemble, switch"),
        ({"model": "m", "input": {}}, r"node 'n': unknown field\(s\) input; expected inputs, model"),
        ({"model": "m", "inputs": {"input": "noDot"}}, r"node 'n' input 'input': 'noDot' is not a wire"),
        ({"ensemble": "median", "members": ["a", "b"], "output": "p"}, r"'median' is not one of average"),
        (
            {"ensemble": "average", "members": ["a"], "output": "p"},
            r"'members': expected a list of at least two",
        ),
        ({"ensemble": "average", "members": ["a", "b"]}, r"node 'n' field 'output'"),
        (
            {"ensemble": "weighted_average", "members": ["a", "b"], "output": "p"},
            r"needs one weight a member",
        ),
        (
            {"ensemble": "weighted_average", "members": ["a", "b"], "output": "p", "weights": [1]},
            r"'weights': expected 2 numbers",
        ),
        (
            {"ensemble": "weighted_average", "members": ["a", "b"], "output": "p", "weights": [0, 0]},
            r"not all zero",
        ),
        (
            {"ensemble": "average", "members": ["a", "b"], "output": "p", "weights": [1, 2]},
            r"takes no weights",
        ),
        ({"switch": {"field": "input.x"}}, r"'switch.cases': expected a mapping"),
        ({"switch": {"field": "input.x", "cases": {"r": "a"}, "when": 1}}, r"unknown field\(s\) switch.when"),
    ],
)
def test_malformed_node_is_refused_naming_node_and_field(node: dict[str, Any], message: str) -> None:
    nodes = {"a": {"model": "m"}, "b": {"model": "m"}, "n": node}
    with pytest.raises(InvalidInputError, match=message):
        load_graph_spec(graph(nodes, {"y": "n.p", "ya": "a.p", "yb": "b.p"}))


@pytest.mark.parametrize("name", ["input", "1a", "a.b", ""])
def test_reserved_or_malformed_node_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInputError, match=r"node name .* is not allowed"):
        load_graph_spec(graph({name: {"model": "m"}}, {"y": "a.b"}))


def test_graph_input_shape_must_start_with_the_rows_dimension() -> None:
    inputs = [{"name": "x", "dtype": "float32", "shape": [4, 3]}]
    with pytest.raises(
        InvalidInputError, match=r"graph input 'x' field 'shape': the first \(rows\) dimension"
    ):
        load_graph_spec(graph({"a": {"model": "m"}}, {"y": "a.output"}, inputs))


def test_graph_input_with_an_unknown_dtype_is_refused() -> None:
    inputs = [{"name": "x", "dtype": "float31"}]
    with pytest.raises(InvalidInputError, match=r"graph input 'x' field 'dtype'"):
        load_graph_spec(graph({"a": {"model": "m"}}, {"y": "a.output"}, inputs))


def test_signature_before_check_is_refused() -> None:
    spec: GraphSpec = load_graph_spec(FULL_GRAPH)
    with pytest.raises(InferdError, match=r"call check\(signatures\) first"):
        spec.signature()
