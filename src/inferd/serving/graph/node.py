"""The three kinds of graph node, read from their spec mappings.

- :class:`ModelNode` calls one model (``model: "gbm@production"``) with tensors
  wired from the graph inputs or other nodes' outputs. A model over other models'
  outputs is how stacking is written.
- :class:`EnsembleNode` combines one named output of several member nodes:
  ``average``, ``weighted_average`` or ``majority_vote``.
- :class:`SwitchNode` routes rows by the value of one field to a case node each.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from inferd.errors import InvalidInputError
from inferd.serving.graph.wire import GRAPH_INPUT, Wire

ENSEMBLE_METHODS: tuple[str, ...] = ("average", "weighted_average", "majority_vote")
CaseKey = str | int | float | bool

_NODE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_KINDS = ("model", "ensemble", "switch")


@dataclass(frozen=True)
class ModelNode:
    """A call to one model; empty ``inputs`` means "the graph inputs, by name"."""

    name: str
    model: str
    inputs: Mapping[str, Wire]

    def dependencies(self) -> tuple[str, ...]:
        """The nodes whose outputs this node reads (graph inputs excluded)."""
        return _unique(w.node for w in self.inputs.values() if not w.is_graph_input)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"model": self.model}
        if self.inputs:
            data["inputs"] = {name: str(wire) for name, wire in self.inputs.items()}
        return data


@dataclass(frozen=True)
class EnsembleNode:
    """Combines output ``output`` of ``members``; its own output has the same name."""

    name: str
    method: str
    members: tuple[str, ...]
    output: str
    weights: tuple[float, ...] | None = None

    def dependencies(self) -> tuple[str, ...]:
        return self.members

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ensemble": self.method, "members": list(self.members), "output": self.output}
        if self.weights is not None:
            body["weights"] = list(self.weights)
        return body


@dataclass(frozen=True)
class SwitchNode:
    """Sends each row to the case node named for its ``field`` value (or to ``default``)."""

    name: str
    field: Wire
    cases: Mapping[CaseKey, str]
    default: str | None = None

    def targets(self) -> tuple[str, ...]:
        """Every node a row may be routed to, cases first, without repeats."""
        named = [*self.cases.values(), *([self.default] if self.default is not None else [])]
        return _unique(named)

    def dependencies(self) -> tuple[str, ...]:
        field_source = () if self.field.is_graph_input else (self.field.node,)
        return _unique([*field_source, *self.targets()])

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"field": str(self.field), "cases": dict(self.cases)}
        if self.default is not None:
            body["default"] = self.default
        return {"switch": body}


Node = ModelNode | EnsembleNode | SwitchNode


def parse_node(name: object, data: object) -> Node:
    """One node from its spec mapping; errors name the node and the field."""
    if not isinstance(name, str) or not _NODE_NAME.fullmatch(name) or name == GRAPH_INPUT:
        raise InvalidInputError(
            f"node name {name!r} is not allowed; use letters, digits, '_' or '-' "
            f"(not starting with a digit), and not the reserved name {GRAPH_INPUT!r}"
        )
    if not isinstance(data, Mapping):
        raise InvalidInputError(f"node {name!r}: expected a mapping, got {type(data).__name__}")
    kinds = [kind for kind in _KINDS if kind in data]
    if len(kinds) != 1:
        raise InvalidInputError(
            f"node {name!r}: give exactly one of {', '.join(_KINDS)} (got {kinds or 'none'})"
        )
    if kinds[0] == "model":
        return _parse_model(name, data)
    if kinds[0] == "ensemble":
        return _parse_ensemble(name, data)
    return _parse_switch(name, data["switch"])


def _parse_model(name: str, data: Mapping[str, Any]) -> ModelNode:
    _refuse_unknown_keys(name, data, {"model", "inputs"})
    model = data["model"]
    if not isinstance(model, str) or not model:
        raise InvalidInputError(f"node {name!r} field 'model': expected a model reference, got {model!r}")
    wiring = data.get("inputs") or {}
    if not isinstance(wiring, Mapping):
        raise InvalidInputError(f"node {name!r} field 'inputs': expected a mapping of input name to wire")
    inputs = {str(key): Wire.parse(text, f"node {name!r} input {key!r}") for key, text in wiring.items()}
    return ModelNode(name, model, inputs)


def _parse_ensemble(name: str, data: Mapping[str, Any]) -> EnsembleNode:
    _refuse_unknown_keys(name, data, {"ensemble", "members", "output", "weights"})
    method = data["ensemble"]
    if method not in ENSEMBLE_METHODS:
        raise InvalidInputError(
            f"node {name!r} field 'ensemble': {method!r} is not one of {', '.join(ENSEMBLE_METHODS)}"
        )
    members = data.get("members")
    if not isinstance(members, list) or len(members) < 2 or not all(isinstance(m, str) for m in members):
        raise InvalidInputError(f"node {name!r} field 'members': expected a list of at least two node names")
    if len(set(members)) != len(members):
        raise InvalidInputError(f"node {name!r} field 'members': {members} names a node twice")
    output = data.get("output")
    if not isinstance(output, str) or not output:
        raise InvalidInputError(f"node {name!r} field 'output': name the members' output to combine")
    weights = _parse_weights(name, method, data.get("weights"), len(members))
    return EnsembleNode(name, method, tuple(members), output, weights)


def _parse_weights(name: str, method: str, raw: object, count: int) -> tuple[float, ...] | None:
    if raw is None:
        if method == "weighted_average":
            raise InvalidInputError(
                f"node {name!r} field 'weights': weighted_average needs one weight a member"
            )
        return None
    if method == "average":
        raise InvalidInputError(
            f"node {name!r} field 'weights': average takes no weights; use weighted_average"
        )
    if not isinstance(raw, list) or len(raw) != count:
        raise InvalidInputError(f"node {name!r} field 'weights': expected {count} numbers, one a member")
    if not all(isinstance(w, int | float) and not isinstance(w, bool) for w in raw):
        raise InvalidInputError(f"node {name!r} field 'weights': {raw} are not all numbers")
    weights = tuple(float(w) for w in raw)
    if any(w < 0 or not math.isfinite(w) for w in weights) or sum(weights) <= 0:
        raise InvalidInputError(
            f"node {name!r} field 'weights': {raw} must be finite, non-negative and not all zero"
        )
    return weights


def _parse_switch(name: str, body: object) -> SwitchNode:
    if not isinstance(body, Mapping):
        raise InvalidInputError(
            f"node {name!r} field 'switch': expected a mapping with field, cases, default"
        )
    _refuse_unknown_keys(name, body, {"field", "cases", "default"}, prefix="switch.")
    field = Wire.parse(body.get("field"), f"node {name!r} field 'switch.field'")
    cases = body.get("cases")
    if not isinstance(cases, Mapping) or not cases:
        raise InvalidInputError(
            f"node {name!r} field 'switch.cases': expected a mapping of value to node name"
        )
    for key, target in cases.items():
        if not isinstance(key, str | int | float | bool) or not isinstance(target, str):
            raise InvalidInputError(
                f"node {name!r} field 'switch.cases': {key!r}: {target!r} must map a value to a node name"
            )
    default = body.get("default")
    if default is not None and not isinstance(default, str):
        raise InvalidInputError(
            f"node {name!r} field 'switch.default': expected a node name, got {default!r}"
        )
    return SwitchNode(name, field, dict(cases), default)


def _refuse_unknown_keys(name: str, data: Mapping[str, Any], known: set[str], prefix: str = "") -> None:
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise InvalidInputError(
            f"node {name!r}: unknown field(s) {', '.join(prefix + k for k in unknown)}; "
            f"expected {', '.join(sorted(prefix + k for k in known))}"
        )


def _unique(names: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
