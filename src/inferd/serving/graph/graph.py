"""Graph: runs a checked GraphSpec over a batch, calling one async callable per model node.

Each node runs as its own task that first awaits the tasks of the nodes it
reads, so nodes run in topological order and independent nodes run
concurrently. Ensembles are reduced with numpy over whole arrays. A switch asks
its field's value for every row, then calls each routed case node with only its
rows (nodes with no rows are skipped) and puts the answers back in row order.
Case nodes that something else also reads run on every row instead; the switch
then picks its rows from their answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import numpy as np

from inferd.errors import InferdError, InvalidInputError
from inferd.serving.graph.ensemble import combine
from inferd.serving.graph.node import EnsembleNode, ModelNode, SwitchNode
from inferd.serving.graph.spec import GraphSpec
from inferd.serving.graph.switch import reassemble_rows, route_rows
from inferd.serving.graph.wire import GRAPH_INPUT, Wire
from inferd.tensors import Batch, batch_rows

NodeCall = Callable[[Batch], Awaitable[Batch]]
Values = dict[str, Batch]


class Graph:
    """The graph as one async ``Batch -> Batch`` callable.

    ``nodes`` holds one :data:`NodeCall` per model node of ``spec`` (see
    :meth:`GraphSpec.model_refs`); each is expected to batch on its own.
    """

    def __init__(self, spec: GraphSpec, nodes: Mapping[str, NodeCall]) -> None:
        expected = set(spec.model_refs())
        if set(nodes) != expected:
            missing = sorted(expected - set(nodes))
            extra = sorted(set(nodes) - expected)
            raise InferdError(f"graph nodes do not match the spec: missing {missing}, unexpected {extra}")
        self._spec = spec
        self._nodes = dict(nodes)
        self._routed = spec.routed_nodes()
        self._scheduled = tuple(name for name in spec.order if name not in self._routed)

    async def __call__(self, batch: Batch) -> Batch:
        """The graph outputs for ``batch``, row for row."""
        values: Values = {GRAPH_INPUT: self._graph_inputs(batch)}
        await self._run_nodes(values)
        return {name: _read(values, wire) for name, wire in self._spec.outputs.items()}

    def _graph_inputs(self, batch: Batch) -> Batch:
        missing = [spec.name for spec in self._spec.inputs if spec.name not in batch]
        if missing:
            raise InvalidInputError(f"graph input(s) {', '.join(missing)} missing from the request")
        inputs = {spec.name: batch[spec.name] for spec in self._spec.inputs}
        batch_rows(inputs)
        return inputs

    async def _run_nodes(self, values: Values) -> None:
        tasks: dict[str, asyncio.Task[None]] = {}
        for name in self._scheduled:
            waits_for = [tasks[d] for d in self._dependencies(name)]
            tasks[name] = asyncio.create_task(
                self._run_node(name, waits_for, values), name=f"graph node {name}"
            )
        try:
            await asyncio.wait(tasks.values(), return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in tasks.values():
                task.cancel()
            outcomes = await asyncio.gather(*tasks.values(), return_exceptions=True)
        for outcome in outcomes:  # topological order: the first failure is the cause
            if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
                raise outcome

    def _dependencies(self, name: str) -> list[str]:
        node = self._spec.nodes[name]
        if not isinstance(node, SwitchNode):
            return list(node.dependencies())
        reads: list[str] = []
        for dependency in node.dependencies():
            if dependency in self._routed:
                reads.extend(self._spec.nodes[dependency].dependencies())
            else:
                reads.append(dependency)
        return list(dict.fromkeys(reads))

    async def _run_node(self, name: str, waits_for: list[asyncio.Task[None]], values: Values) -> None:
        for task in waits_for:
            await task
        node = self._spec.nodes[name]
        if isinstance(node, ModelNode):
            values[name] = await self._call_model(name, values, None)
        elif isinstance(node, EnsembleNode):
            arrays = [_read(values, Wire(member, node.output)) for member in node.members]
            result = combine(node.method, arrays, node.weights, f"ensemble {name!r}")
            values[name] = {node.output: result}
        else:
            values[name] = await self._run_switch(node, values)

    async def _call_model(self, name: str, values: Values, rows: np.ndarray | None) -> Batch:
        wiring = self._spec.model_inputs(name)
        inputs = {key: _read(values, wire) for key, wire in wiring.items()}
        if rows is not None:
            inputs = {key: array[rows] for key, array in inputs.items()}
        expected = len(rows) if rows is not None else batch_rows(values[GRAPH_INPUT])
        outputs = await self._nodes[name](inputs)
        if not isinstance(outputs, dict) or not outputs:
            raise InferdError(f"node {name!r} returned {type(outputs).__name__}, not a batch of outputs")
        answered = {key: len(array) for key, array in outputs.items()}
        if set(answered.values()) != {expected}:
            raise InferdError(f"node {name!r} was sent {expected} row(s) but answered {answered}")
        return outputs

    async def _run_switch(self, node: SwitchNode, values: Values) -> Batch:
        groups = route_rows(node, _read(values, node.field))
        total = sum(len(rows) for rows in groups.values())
        # A node with no rows is skipped, unless the whole batch is empty: then the
        # first target answers zero rows so the outputs still carry their dtypes.
        live = [
            (t, rows) for t, rows in groups.items() if len(rows) or (total == 0 and t == node.targets()[0])
        ]
        answers = await asyncio.gather(*(self._answer_case(target, rows, values) for target, rows in live))
        parts = [(rows, answer) for (_, rows), answer in zip(live, answers, strict=True)]
        return reassemble_rows(parts, list(answers[0]), f"switch {node.name!r}")

    async def _answer_case(self, target: str, rows: np.ndarray, values: Values) -> Batch:
        if target in self._routed:
            return await self._call_model(target, values, rows)
        return {key: array[rows] for key, array in values[target].items()}


def _read(values: Values, wire: Wire) -> np.ndarray:
    batch = values[wire.node]
    if wire.output not in batch:
        raise InferdError(
            f"node {wire.node!r} returned no output {wire.output!r} (it returned {', '.join(batch)})"
        )
    return batch[wire.output]
