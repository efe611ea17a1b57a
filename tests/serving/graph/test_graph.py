"""Running graphs: sequences, ensembles, stacking, switches, concurrency and runtime errors."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferd.errors import InferdError, InvalidInputError
from inferd.serving.graph import Graph, GraphSpec, load_graph_spec
from inferd.tensors import Batch

from .fakes import CLASSIFIER_SIGNATURE, SCALER_SIGNATURE, FakeModel, classifier, run, scaler, signature, spec

INPUTS = [{"name": "x", "dtype": "float32", "shape": [-1, 3]}, {"name": "segment", "dtype": "object"}]
X = np.arange(12, dtype=np.float32).reshape(4, 3) / 10 - 0.6


def checked(nodes: dict[str, Any], outputs: dict[str, str], signatures: dict[str, Any]) -> GraphSpec:
    graph_spec = load_graph_spec({"inputs": INPUTS, "nodes": nodes, "outputs": outputs})
    graph_spec.check(signatures)
    return graph_spec


def request(x: np.ndarray = X, segment: list[str] | None = None) -> Batch:
    segments = segment if segment is not None else ["retail"] * len(x)
    return {"x": x, "segment": np.array(segments, dtype=object)}


def probabilities(bias: float, x: np.ndarray) -> np.ndarray:
    return classifier(bias).fn({"input": x})["probabilities"]


def test_sequence_feeds_one_models_outputs_into_the_next() -> None:
    nodes = {"scaler": {"model": "s"}, "a": {"model": "m", "inputs": {"input": "scaler.output"}}}
    graph_spec = checked(
        nodes, {"p": "a.probabilities"}, {"scaler": SCALER_SIGNATURE, "a": CLASSIFIER_SIGNATURE}
    )
    models = {"scaler": scaler(), "a": classifier(0.5)}
    out = run(Graph(graph_spec, models)(request()))
    np.testing.assert_allclose(out["p"], probabilities(0.5, X * 2))
    assert list(models["scaler"].calls[0]) == ["x"]  # default wiring sends only what the model takes


ENSEMBLE_SIGNATURES = {"a": CLASSIFIER_SIGNATURE, "b": CLASSIFIER_SIGNATURE, "c": CLASSIFIER_SIGNATURE}
THREE = {name: {"model": name, "inputs": {"input": "input.x"}} for name in "abc"}
BIASES = {"a": 0.5, "b": -1.0, "c": 2.0}


def run_ensemble(ensemble: dict[str, Any], output: str) -> np.ndarray:
    nodes = {**THREE, "vote": {**ensemble, "members": ["a", "b", "c"], "output": output}}
    graph_spec = checked(nodes, {"y": f"vote.{output}"}, ENSEMBLE_SIGNATURES)
    models = {name: classifier(bias) for name, bias in BIASES.items()}
    return run(Graph(graph_spec, models)(request()))["y"]


def test_average_ensemble_is_the_mean_of_the_members_outputs() -> None:
    result = run_ensemble({"ensemble": "average"}, "probabilities")
    expected = np.mean([probabilities(b, X) for b in BIASES.values()], axis=0)
    np.testing.assert_allclose(result, expected, rtol=1e-6)
    assert result.dtype == np.float32


def test_weighted_average_ensemble_normalises_the_weights() -> None:
    result = run_ensemble({"ensemble": "weighted_average", "weights": [2, 1, 1]}, "probabilities")
    a, b, c = (probabilities(bias, X) for bias in BIASES.values())
    np.testing.assert_allclose(result, 0.5 * a + 0.25 * b + 0.25 * c, rtol=1e-6)


def fixed_labels(values: list[Any]) -> FakeModel:
    return FakeModel(lambda _: {"label": np.array(values, dtype=object)})


def label_graph(labels: dict[str, list[Any]], ensemble: dict[str, Any]) -> np.ndarray:
    members = list(labels)
    nodes: dict[str, Any] = {name: {"model": name} for name in members}
    nodes["vote"] = {**ensemble, "members": members, "output": "label"}
    sig = signature([spec("x", "float32", 3)], [spec("label", "object")])
    graph_spec = checked(nodes, {"y": "vote.label"}, dict.fromkeys(members, sig))
    models = {name: fixed_labels(values) for name, values in labels.items()}
    return run(Graph(graph_spec, models)(request(X[:3])))["y"]


def test_majority_vote_takes_the_most_common_label_and_breaks_ties_by_the_first_member() -> None:
    labels = {"a": ["cat", "cat", "dog"], "b": ["dog", "dog", "cow"], "c": ["dog", "cat", "owl"]}
    result = label_graph(labels, {"ensemble": "majority_vote"})
    assert result.tolist() == ["dog", "cat", "dog"]  # row 2: a three-way tie goes to member a


def test_weighted_majority_vote_counts_weights() -> None:
    labels = {"a": ["cat", "cat", "dog"], "b": ["dog", "dog", "cow"], "c": ["dog", "cat", "owl"]}
    result = label_graph(labels, {"ensemble": "majority_vote", "weights": [3, 1, 1]})
    assert result.tolist() == ["cat", "cat", "dog"]


def test_stacking_model_reads_the_members_outputs() -> None:
    nodes = {
        "a": {"model": "a", "inputs": {"input": "input.x"}},
        "b": {"model": "b", "inputs": {"input": "input.x"}},
        "meta": {"model": "meta", "inputs": {"p_a": "a.probabilities", "p_b": "b.probabilities"}},
    }
    meta_sig = signature([spec("p_a", "float32", 2), spec("p_b", "float32", 2)], [spec("score", "float32")])
    graph_spec = checked(
        nodes,
        {"score": "meta.score"},
        {"a": CLASSIFIER_SIGNATURE, "b": CLASSIFIER_SIGNATURE, "meta": meta_sig},
    )
    meta = FakeModel(lambda b: {"score": b["p_a"][:, 1] * 0.25 + b["p_b"][:, 1] * 0.75})
    out = run(Graph(graph_spec, {"a": classifier(0.5), "b": classifier(-1.0), "meta": meta})(request()))
    expected = probabilities(0.5, X)[:, 1] * 0.25 + probabilities(-1.0, X)[:, 1] * 0.75
    np.testing.assert_allclose(out["score"], expected, rtol=1e-6)


def tagging_model(tag: float) -> FakeModel:
    """Answers each row with its own x[:, 0] and the model's tag, so routing is visible."""
    return FakeModel(lambda b: {"row": b["input"][:, 0].copy(), "tag": np.full(len(b["input"]), tag)})


TAG_SIG = signature([spec("input", "float32", 3)], [spec("row", "float32"), spec("tag", "float64")])
SWITCH_NODES = {
    "retail": {"model": "r", "inputs": {"input": "input.x"}},
    "corporate": {"model": "c", "inputs": {"input": "input.x"}},
    "other": {"model": "o", "inputs": {"input": "input.x"}},
    "route": {
        "switch": {
            "field": "input.segment",
            "cases": {"retail": "retail", "corporate": "corporate"},
            "default": "other",
        }
    },
}
TAGS = {"retail": 1.0, "corporate": 2.0, "other": 3.0}


def switch_graph(nodes: dict[str, Any] = SWITCH_NODES) -> tuple[Graph, dict[str, FakeModel]]:
    graph_spec = checked(nodes, {"row": "route.row", "tag": "route.tag"}, dict.fromkeys(TAGS, TAG_SIG))
    models = {name: tagging_model(tag) for name, tag in TAGS.items()}
    return Graph(graph_spec, models), models


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["retail", "corporate", "smb", b"retail"]), min_size=1, max_size=40))
def test_switch_answers_each_row_from_its_own_case_in_the_original_order(segments: list[Any]) -> None:
    graph, models = switch_graph()
    x = np.arange(len(segments) * 3, dtype=np.float32).reshape(-1, 3)
    out = run(graph({"x": x, "segment": np.array(segments, dtype=object)}))
    names = [s.decode() if isinstance(s, bytes) else s for s in segments]
    expected_tags = [TAGS.get(name, TAGS["other"]) for name in names]
    assert out["tag"].tolist() == expected_tags
    np.testing.assert_array_equal(out["row"], x[:, 0])
    for name, model in models.items():
        sent = sum(len(call["input"]) for call in model.calls)
        assert sent == expected_tags.count(TAGS[name])  # each case saw its rows only
        assert all(len(call["input"]) for call in model.calls)  # nodes with no rows are skipped


def test_switch_on_an_integer_field_matches_integer_cases() -> None:
    nodes = {
        **{name: {"model": name, "inputs": {"input": "input.x"}} for name in ("retail", "corporate")},
        "route": {"switch": {"field": "input.segment", "cases": {1: "retail", "2": "corporate"}}},
    }
    inputs = [INPUTS[0], {"name": "segment", "dtype": "int64"}]
    graph_spec = load_graph_spec({"inputs": inputs, "nodes": nodes, "outputs": {"tag": "route.tag"}})
    graph_spec.check(dict.fromkeys(("retail", "corporate"), TAG_SIG))
    models = {name: tagging_model(TAGS[name]) for name in ("retail", "corporate")}
    out = run(Graph(graph_spec, models)({"x": X, "segment": np.array([2, 1, 1, 2])}))
    assert out["tag"].tolist() == [2.0, 1.0, 1.0, 2.0]


def test_switch_value_without_a_case_or_default_names_field_value_and_row() -> None:
    nodes = {
        **SWITCH_NODES,
        "route": {
            "switch": {
                "field": "input.segment",
                "cases": {"retail": "retail", "corporate": "corporate", "x": "other"},
            }
        },
    }
    graph, _ = switch_graph(nodes)
    with pytest.raises(
        InvalidInputError,
        match=r"field input.segment row 2: value 'smb' matches no case .* no default \(and 1 more row",
    ):
        run(graph(request(segment=["retail", "corporate", "smb", "smb"])))


def test_switch_over_an_empty_batch_answers_zero_rows_with_the_right_dtypes() -> None:
    graph, _ = switch_graph()
    out = run(graph(request(X[:0], segment=[])))
    assert out["tag"].shape == (0,)
    assert out["tag"].dtype == np.float64


def test_case_node_also_read_elsewhere_runs_once_on_every_row() -> None:
    nodes = {
        **SWITCH_NODES,
        "vote": {"ensemble": "average", "members": ["retail", "corporate"], "output": "tag"},
    }
    graph_spec = checked(nodes, {"tag": "route.tag", "mean": "vote.tag"}, dict.fromkeys(TAGS, TAG_SIG))
    models = {name: tagging_model(tag) for name, tag in TAGS.items()}
    out = run(Graph(graph_spec, models)(request(segment=["retail", "corporate", "smb", "retail"])))
    assert out["tag"].tolist() == [1.0, 2.0, 3.0, 1.0]
    assert out["mean"].tolist() == [1.5] * 4
    assert [len(call["input"]) for call in models["retail"].calls] == [4]
    assert [len(call["input"]) for call in models["other"].calls] == [1]


def test_independent_nodes_run_concurrently() -> None:
    a_started, b_started = asyncio.Event(), asyncio.Event()

    def waiting_model(mine: asyncio.Event, theirs: asyncio.Event) -> Any:
        async def call(batch: Batch) -> Batch:
            mine.set()
            await asyncio.wait_for(
                theirs.wait(), timeout=2
            )  # deadlocks (times out) if run one after the other
            return {"probabilities": np.zeros((len(batch["input"]), 2), np.float32)}

        return call

    nodes = {
        **{n: THREE[n] for n in "ab"},
        "vote": {"ensemble": "average", "members": ["a", "b"], "output": "probabilities"},
    }
    graph_spec = checked(nodes, {"y": "vote.probabilities"}, ENSEMBLE_SIGNATURES)
    graph = Graph(
        graph_spec, {"a": waiting_model(a_started, b_started), "b": waiting_model(b_started, a_started)}
    )
    assert run(graph(request()))["y"].shape == (4, 2)


def test_a_failing_node_fails_the_request_and_cancels_the_rest() -> None:
    slow_cancelled = asyncio.Event()

    async def failing(batch: Batch) -> Batch:
        raise InvalidInputError("node says no")

    async def slow(batch: Batch) -> Batch:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            slow_cancelled.set()
            raise
        return {}

    nodes = {
        **{n: THREE[n] for n in "ab"},
        "vote": {"ensemble": "average", "members": ["a", "b"], "output": "probabilities"},
    }
    graph = Graph(checked(nodes, {"y": "vote.probabilities"}, ENSEMBLE_SIGNATURES), {"a": failing, "b": slow})
    with pytest.raises(InvalidInputError, match="node says no"):
        run(graph(request()))
    assert slow_cancelled.is_set()


def test_node_answering_the_wrong_number_of_rows_is_reported() -> None:
    nodes = {"a": THREE["a"]}
    graph_spec = checked(nodes, {"y": "a.label"}, ENSEMBLE_SIGNATURES)
    graph = Graph(graph_spec, {"a": FakeModel(lambda b: {"label": np.zeros(1)})})
    with pytest.raises(InferdError, match=r"node 'a' was sent 4 row\(s\) but answered \{'label': 1\}"):
        run(graph(request()))


def test_missing_graph_input_is_refused_by_name() -> None:
    graph_spec = checked({"a": THREE["a"]}, {"y": "a.label"}, ENSEMBLE_SIGNATURES)
    with pytest.raises(InvalidInputError, match=r"graph input\(s\) segment missing from the request"):
        run(Graph(graph_spec, {"a": classifier(0)})({"x": X}))


def test_graph_needs_one_call_per_model_node() -> None:
    graph_spec = checked({"a": THREE["a"]}, {"y": "a.label"}, ENSEMBLE_SIGNATURES)
    with pytest.raises(InferdError, match=r"missing \['a'\], unexpected \['b'\]"):
        Graph(graph_spec, {"b": classifier(0)})
