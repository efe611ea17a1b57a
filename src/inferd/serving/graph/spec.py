"""GraphSpec: a deployment written as a small directed graph of models.

::

    graph:
      inputs: [{name: x, dtype: float32, shape: [-1, 30]}, {name: segment, dtype: object}]
      nodes:
        scaler: {model: "scaler@production"}              # no inputs: the graph inputs, by name
        a: {model: "gbm:3", inputs: {input: scaler.output}}
        b: {model: "logreg@production", inputs: {input: scaler.output}}
        vote: {ensemble: weighted_average, weights: [0.7, 0.3], members: [a, b], output: probabilities}
        route: {switch: {field: input.segment, cases: {retail: a, corporate: b}, default: a}}
      outputs: {probabilities: vote.probabilities, label: route.label}

Building a spec checks its structure (names, wires to existing nodes and graph
inputs, no cycles, every node feeding an output); :meth:`GraphSpec.check` then
checks dtypes and shapes against the models' signatures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from inferd.errors import InferdError, InvalidInputError
from inferd.serving.graph.node import ModelNode, Node, SwitchNode, parse_node
from inferd.serving.graph.topology import topological_order
from inferd.serving.graph.typecheck import CheckedGraph, check_graph, lookup
from inferd.serving.graph.wire import GRAPH_INPUT, Wire
from inferd.tensors import Signature, TensorSpec, canonical_dtype_name


@dataclass(frozen=True)
class GraphSpec:
    """Graph inputs, named nodes and graph outputs; structurally valid once built.

    After a successful :meth:`check` the spec also knows every tensor's dtype and
    shape, which :meth:`signature` reports.
    """

    inputs: tuple[TensorSpec, ...]
    nodes: Mapping[str, Node]
    outputs: Mapping[str, Wire]
    _checked: list[CheckedGraph] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check_names()
        for node in self.nodes.values():
            self._check_references(node)
        for name, wire in self.outputs.items():
            self._check_wire(wire, f"graph output {name!r}")
        _ = self.order  # refuses a cycle, naming its nodes
        self._check_every_node_is_used()

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Node names, each after every node it reads."""
        return topological_order({name: node.dependencies() for name, node in self.nodes.items()})

    def model_refs(self) -> dict[str, str]:
        """Model node name -> model reference, for the manager to load."""
        return {name: node.model for name, node in self.nodes.items() if isinstance(node, ModelNode)}

    def routed_nodes(self) -> dict[str, str]:
        """Model nodes that only a switch reads -> that switch: they run on their rows alone.

        A case node that anything else also reads (a wire, an ensemble, a graph
        output, a second switch) runs on every row and the switch picks its rows.
        """
        readers: dict[str, set[str]] = {name: set() for name in self.nodes}
        for name, node in self.nodes.items():
            for dependency in node.dependencies():
                readers[dependency].add(name)
        for wire in self.outputs.values():
            if not wire.is_graph_input:
                readers[wire.node].add(GRAPH_INPUT)
        routed = {}
        for name, node in self.nodes.items():
            if not isinstance(node, SwitchNode):
                continue
            for target in node.targets():
                reads_field = node.field.node == target
                if (
                    readers[target] == {name}
                    and not reads_field
                    and isinstance(self.nodes[target], ModelNode)
                ):
                    routed[target] = name
        return routed

    def check(self, signatures: Mapping[str, Signature]) -> None:
        """Check dtypes and per-row shapes along every wire, given each model node's signature.

        Raises :class:`InvalidInputError` naming the node and tensor at the first
        mismatch: a wire to an output the model lacks, an unwired model input, a
        dtype or shape that does not line up, ensemble members or switch cases
        that disagree, a graph output that does not exist.
        """
        checked = check_graph(self.inputs, self.nodes, self.order, signatures)
        for name, wire in self.outputs.items():
            _lookup_output(checked, wire, name)
        self._checked[:] = [checked]

    def signature(self) -> Signature:
        """The graph as one model; needs a successful :meth:`check` first."""
        checked = self.checked()
        outputs = tuple(
            _renamed(_lookup_output(checked, wire, name), name) for name, wire in self.outputs.items()
        )
        return Signature(self.inputs, outputs)

    def checked(self) -> CheckedGraph:
        """What :meth:`check` learned; an :class:`InferdError` before it has run."""
        if not self._checked:
            raise InferdError("the graph spec has not been checked; call check(signatures) first")
        return self._checked[0]

    def model_inputs(self, name: str) -> Mapping[str, Wire]:
        """The wiring of model node ``name``: as written, or derived from its signature once checked."""
        node = self.nodes[name]
        if not isinstance(node, ModelNode):
            raise InferdError(f"node {name!r} is not a model node")
        if node.inputs:
            return node.inputs
        if self._checked:
            return self._checked[0].wiring[name]
        return {spec.name: Wire(GRAPH_INPUT, spec.name) for spec in self.inputs}

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data; ``load_graph_spec(spec.to_dict()) == spec``."""
        return {
            "inputs": [{"name": s.name, "dtype": s.dtype, "shape": list(s.shape)} for s in self.inputs],
            "nodes": {name: node.to_dict() for name, node in self.nodes.items()},
            "outputs": {name: str(wire) for name, wire in self.outputs.items()},
        }

    def to_yaml(self) -> str:
        """The spec as YAML text under a ``graph:`` key."""
        return yaml.safe_dump({"graph": self.to_dict()}, sort_keys=False)

    def _check_names(self) -> None:
        names = [spec.name for spec in self.inputs]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidInputError(f"graph inputs: {', '.join(duplicates)} declared more than once")
        if not self.nodes:
            raise InvalidInputError("graph: declare at least one node")
        if not self.outputs:
            raise InvalidInputError("graph: declare at least one output")

    def _check_references(self, node: Node) -> None:
        if isinstance(node, ModelNode):
            for name, wire in node.inputs.items():
                self._check_wire(wire, f"node {node.name!r} input {name!r}")
        elif isinstance(node, SwitchNode):
            self._check_wire(node.field, f"switch {node.name!r} field")
        for dependency in node.dependencies():
            if dependency not in self.nodes:
                raise InvalidInputError(
                    f"node {node.name!r} names node {dependency!r}, which does not exist; "
                    f"nodes are {', '.join(self.nodes)}"
                )
            if dependency == node.name:
                raise InvalidInputError(f"graph has a cycle: {node.name} -> {node.name}")

    def _check_wire(self, wire: Wire, where: str) -> None:
        if wire.is_graph_input:
            names = [spec.name for spec in self.inputs]
            if wire.output not in names:
                raise InvalidInputError(
                    f"{where}: {wire} names no graph input; the graph inputs are {', '.join(names) or 'none'}"
                )
        elif wire.node not in self.nodes:
            raise InvalidInputError(
                f"{where}: {wire} names node {wire.node!r}, which does not exist; "
                f"nodes are {', '.join(self.nodes)}"
            )

    def _check_every_node_is_used(self) -> None:
        needed: set[str] = set()
        stack = [wire.node for wire in self.outputs.values() if not wire.is_graph_input]
        while stack:
            name = stack.pop()
            if name not in needed:
                needed.add(name)
                stack.extend(self.nodes[name].dependencies())
        unused = [name for name in self.order if name not in needed]
        if unused:
            raise InvalidInputError(
                f"node(s) {', '.join(unused)} feed no graph output; wire them to an output or remove them"
            )


def load_graph_spec(data: Mapping[str, Any] | str | Path) -> GraphSpec:
    """A :class:`GraphSpec` from a mapping, YAML text or a YAML file (with or without ``graph:``)."""
    if isinstance(data, Path):
        data = data.read_text()
    if isinstance(data, str):
        data = yaml.safe_load(data)
    if not isinstance(data, Mapping):
        raise InvalidInputError(f"graph: expected a mapping, got {type(data).__name__}")
    if "graph" in data and "nodes" not in data:
        data = data["graph"]
        if not isinstance(data, Mapping):
            raise InvalidInputError("graph: expected a mapping with inputs, nodes and outputs")
    unknown = sorted(str(key) for key in data if key not in ("inputs", "nodes", "outputs"))
    if unknown:
        raise InvalidInputError(
            f"graph: unknown field(s) {', '.join(unknown)}; expected inputs, nodes, outputs"
        )
    return GraphSpec(
        inputs=tuple(_parse_input(i, raw) for i, raw in enumerate(_list(data.get("inputs"), "inputs"))),
        nodes={name: parse_node(name, raw) for name, raw in _mapping(data.get("nodes"), "nodes").items()},
        outputs={
            str(name): Wire.parse(text, f"graph output {name!r}")
            for name, text in _mapping(data.get("outputs"), "outputs").items()
        },
    )


def _parse_input(index: int, raw: object) -> TensorSpec:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str) or "dtype" not in raw:
        raise InvalidInputError(f"graph input #{index}: expected {{name, dtype, shape}}, got {raw!r}")
    name = raw["name"]
    shape = raw.get("shape", [-1])
    if not isinstance(shape, list) or not shape or not all(isinstance(d, int) and d >= -1 for d in shape):
        raise InvalidInputError(
            f"graph input {name!r} field 'shape': expected a list like [-1, 30], got {shape!r}"
        )
    if shape[0] != -1:
        raise InvalidInputError(f"graph input {name!r} field 'shape': the first (rows) dimension must be -1")
    try:
        dtype = canonical_dtype_name(str(raw["dtype"]))
    except InvalidInputError as exc:
        raise InvalidInputError(f"graph input {name!r} field 'dtype': {exc}") from exc
    return TensorSpec(name, dtype, tuple(shape))


def _lookup_output(checked: CheckedGraph, wire: Wire, name: str) -> TensorSpec:
    return lookup(checked.tensors, wire, f"graph output {name!r}")


def _renamed(spec: TensorSpec, name: str) -> TensorSpec:
    return TensorSpec(name, spec.dtype, spec.shape)


def _list(raw: object, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise InvalidInputError(f"graph field {where!r}: expected a list, got {type(raw).__name__}")
    return raw


def _mapping(raw: object, where: str) -> Mapping[Any, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidInputError(f"graph field {where!r}: expected a mapping, got {type(raw).__name__}")
    return raw
