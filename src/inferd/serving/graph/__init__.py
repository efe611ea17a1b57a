"""Model graphs: a deployment as a small directed graph of models.

Sequence (one model's outputs feed the next), ensemble (average, weighted
average, majority vote; stacking is a model over other models' outputs) and
switch (route rows by a field's value). :func:`load_graph_spec` reads and
structurally checks the YAML, :meth:`GraphSpec.check` checks dtypes and shapes
against the models' signatures, and :class:`Graph` runs it.
"""

from inferd.serving.graph.graph import Graph, NodeCall
from inferd.serving.graph.spec import GraphSpec, load_graph_spec

#: The framework name a registered graph version carries.
GRAPH_FRAMEWORK = "graph"

__all__ = ["GRAPH_FRAMEWORK", "Graph", "GraphSpec", "NodeCall", "load_graph_spec"]
