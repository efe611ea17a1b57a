"""The order nodes run in: a topological sort that names the cycle when there is one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from inferd.errors import InvalidInputError


def topological_order(dependencies: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """Every node after the nodes it depends on, otherwise in declaration order.

    ``dependencies`` maps each node to the nodes it reads; all of them must be keys.
    A cycle raises :class:`InvalidInputError` listing its nodes in order,
    ``graph has a cycle: a -> b -> a``.
    """
    done: dict[str, None] = {}
    for start in dependencies:
        if start not in done:
            _visit(start, dependencies, done)
    return tuple(done)


def _visit(start: str, dependencies: Mapping[str, Sequence[str]], done: dict[str, None]) -> None:
    # Iterative depth-first search: the path on the stack is the cycle when a node repeats.
    path: list[str] = [start]
    on_path: set[str] = {start}
    pending: list[list[str]] = [list(reversed(dependencies[start]))]
    while path:
        if not pending[-1]:
            node = path.pop()
            on_path.discard(node)
            pending.pop()
            done[node] = None
            continue
        child = pending[-1].pop()
        if child in done:
            continue
        if child in on_path:
            cycle = [*path[path.index(child) :], child]
            raise InvalidInputError(f"graph has a cycle: {' -> '.join(cycle)}")
        path.append(child)
        on_path.add(child)
        pending.append(list(reversed(dependencies[child])))
