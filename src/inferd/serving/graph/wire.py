"""A wire: where a node's input (or a graph output) takes its tensor from.

Written ``"<node>.<output>"`` in the spec, or ``"input.<name>"`` for a tensor the
client sends. Node names never contain a dot, so the text splits at the first one
and output names may contain dots of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from inferd.errors import InvalidInputError

GRAPH_INPUT = "input"


@dataclass(frozen=True)
class Wire:
    """The tensor ``output`` of node ``node`` (``node == "input"``: a graph input)."""

    node: str
    output: str

    @classmethod
    def parse(cls, text: object, where: str) -> Wire:
        """Read ``"<node>.<output>"``; ``where`` names the field for the error message."""
        if not isinstance(text, str) or "." not in text:
            raise InvalidInputError(
                f"{where}: {text!r} is not a wire; write '<node>.<output>' or 'input.<name>'"
            )
        node, output = text.split(".", 1)
        if not node or not output:
            raise InvalidInputError(
                f"{where}: {text!r} is not a wire; write '<node>.<output>' or 'input.<name>'"
            )
        return cls(node, output)

    @property
    def is_graph_input(self) -> bool:
        """True when the wire reads a tensor the client sends."""
        return self.node == GRAPH_INPUT

    def __str__(self) -> str:
        return f"{self.node}.{self.output}"
