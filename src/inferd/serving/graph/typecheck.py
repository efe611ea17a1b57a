"""Load-time type checking of a graph against its models' signatures.

Walks the nodes in topological order and works out every node's outputs (name,
dtype, shape) from the model signatures, checking on the way that each wire
points at an existing tensor whose dtype and per-row shape match what the reader
takes. Per-row shape is the shape without the first (rows) dimension; ``-1``
matches any size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from inferd.errors import InvalidInputError
from inferd.serving.graph.node import EnsembleNode, ModelNode, Node, SwitchNode
from inferd.serving.graph.wire import GRAPH_INPUT, Wire
from inferd.tensors import Signature, TensorSpec, canonical_dtype_name

Tensors = dict[str, TensorSpec]


@dataclass(frozen=True)
class CheckedGraph:
    """What checking learned: each node's outputs and each model node's effective wiring."""

    tensors: Mapping[str, Tensors]
    wiring: Mapping[str, Mapping[str, Wire]]


def check_graph(
    inputs: Sequence[TensorSpec],
    nodes: Mapping[str, Node],
    order: Sequence[str],
    signatures: Mapping[str, Signature],
) -> CheckedGraph:
    """Check every node in ``order``; raise :class:`InvalidInputError` at the first mismatch."""
    tensors: dict[str, Tensors] = {GRAPH_INPUT: {spec.name: spec for spec in inputs}}
    wiring: dict[str, Mapping[str, Wire]] = {}
    for name in order:
        node = nodes[name]
        if isinstance(node, ModelNode):
            wiring[name] = _model_wiring(node, tensors[GRAPH_INPUT], signatures)
            tensors[name] = _model_outputs(node, wiring[name], tensors, signatures[name])
        elif isinstance(node, EnsembleNode):
            tensors[name] = _ensemble_outputs(node, tensors)
        else:
            tensors[name] = _switch_outputs(node, tensors)
    return CheckedGraph(tensors, wiring)


def lookup(tensors: Mapping[str, Tensors], wire: Wire, where: str) -> TensorSpec:
    """The tensor a wire points at, or an error naming the reader and what exists."""
    available = tensors[wire.node]
    if wire.output not in available:
        owner = "the graph inputs are" if wire.is_graph_input else f"node {wire.node!r} has outputs"
        raise InvalidInputError(
            f"{where}: {wire} does not exist; {owner} {', '.join(sorted(available)) or 'none'}"
        )
    return available[wire.output]


def _model_wiring(
    node: ModelNode, graph_inputs: Tensors, signatures: Mapping[str, Signature]
) -> Mapping[str, Wire]:
    if node.name not in signatures:
        raise InvalidInputError(f"node {node.name!r}: no signature was given for model {node.model!r}")
    taken = [spec.name for spec in signatures[node.name].inputs]
    if not node.inputs:
        return {name: Wire(GRAPH_INPUT, name) for name in taken}
    unknown = sorted(set(node.inputs) - set(taken))
    if unknown:
        raise InvalidInputError(
            f"node {node.name!r}: model {node.model!r} has no input(s) {', '.join(unknown)}; "
            f"it takes {', '.join(taken)}"
        )
    missing = [name for name in taken if name not in node.inputs]
    if missing:
        raise InvalidInputError(
            f"node {node.name!r}: model input(s) {', '.join(missing)} of {node.model!r} are not wired"
        )
    return node.inputs


def _model_outputs(
    node: ModelNode, wiring: Mapping[str, Wire], tensors: Mapping[str, Tensors], signature: Signature
) -> Tensors:
    for spec in signature.inputs:
        where = f"node {node.name!r} input {spec.name!r}"
        source = lookup(tensors, wiring[spec.name], where)
        _require_same_tensor(f"{where} is wired to {wiring[spec.name]},", source, "but the model takes", spec)
    return {spec.name: spec for spec in signature.outputs}


def _ensemble_outputs(node: EnsembleNode, tensors: Mapping[str, Tensors]) -> Tensors:
    specs = [lookup(tensors, Wire(m, node.output), f"ensemble {node.name!r}") for m in node.members]
    first = specs[0]
    for member, spec in zip(node.members[1:], specs[1:], strict=True):
        _require_same_tensor(
            f"ensemble {node.name!r} output {node.output!r}: member {node.members[0]!r} gives",
            first,
            f"but member {member!r} gives",
            spec,
        )
    if node.method != "majority_vote" and np.dtype(first.dtype).kind not in "fc":
        raise InvalidInputError(
            f"ensemble {node.name!r}: {node.method} needs floating-point outputs but "
            f"{node.output!r} is {first.dtype}; use majority_vote for labels"
        )
    shape = _merge_shapes([spec.shape for spec in specs])
    return {node.output: TensorSpec(node.output, first.dtype, shape)}


def _switch_outputs(node: SwitchNode, tensors: Mapping[str, Tensors]) -> Tensors:
    field = lookup(tensors, node.field, f"switch {node.name!r} field")
    if any(size != 1 for size in field.shape[1:]):
        raise InvalidInputError(
            f"switch {node.name!r}: field {node.field} must hold one value a row, "
            f"but its per-row shape is {list(field.shape[1:])}"
        )
    targets = node.targets()
    first = tensors[targets[0]]
    for target in targets[1:]:
        other = tensors[target]
        if set(other) != set(first):
            raise InvalidInputError(
                f"switch {node.name!r}: cases disagree on outputs: {targets[0]!r} gives "
                f"{', '.join(sorted(first))} but {target!r} gives {', '.join(sorted(other))}"
            )
        for name, spec in first.items():
            _require_same_tensor(
                f"switch {node.name!r} output {name!r}: case {targets[0]!r} gives",
                spec,
                f"but case {target!r} gives",
                other[name],
            )
    return {
        name: TensorSpec(name, spec.dtype, _merge_shapes([tensors[t][name].shape for t in targets]))
        for name, spec in first.items()
    }


def _require_same_tensor(before: str, a: TensorSpec, between: str, b: TensorSpec) -> None:
    """Refuse unless ``a`` and ``b`` agree; the message reads ``{before} <a> {between} <b>``."""
    if canonical_dtype_name(a.dtype) != canonical_dtype_name(b.dtype) or not _shapes_agree(a.shape, b.shape):
        raise InvalidInputError(f"{before} {_describe(a)} {between} {_describe(b)}")


def _describe(spec: TensorSpec) -> str:
    return f"{canonical_dtype_name(spec.dtype)} with per-row shape {list(spec.shape[1:])}"


def _shapes_agree(a: Sequence[int], b: Sequence[int]) -> bool:
    rows_a, rows_b = a[1:], b[1:]
    return len(rows_a) == len(rows_b) and all(
        x == y or -1 in (x, y) for x, y in zip(rows_a, rows_b, strict=True)
    )


def _merge_shapes(shapes: Sequence[Sequence[int]]) -> tuple[int, ...]:
    merged = list(shapes[0])
    for shape in shapes[1:]:
        merged = [y if x == -1 else x for x, y in zip(merged, shape, strict=True)]
    return (-1, *merged[1:])
