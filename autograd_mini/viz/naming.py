"""The names a drawing, the replay and the tape give to nodes the user did not name."""

from __future__ import annotations

from .graph import Graph


def name_root(graph: Graph) -> None:
    """Call an unnamed root what a reader expects: "loss" when it is a scalar, else "output"."""
    root = graph.root
    if root.label is None:
        root.label = "loss" if root.tensor.data.size == 1 else "output"


def short_name(graph: Graph, i: int) -> str:
    """A node's label, or its op and number (tanh#4), or its kind and number (leaf#0)."""
    node = graph.nodes[i]
    if node.label:
        return node.label
    if node.primitive is not None:
        return f"{node.primitive.name}#{i}"
    return f"{node.kind}#{i}"
