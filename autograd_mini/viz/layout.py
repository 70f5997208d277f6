"""Picking a drawing's layout from the graph's shape, so the default drawing reads without zoom.

Boxes are about three times wider than tall and screens scroll vertically, so the drawing's
width is what makes it unreadable: a chain of 15 tensors drawn left to right is 3300 px wide,
the same chain top to bottom 650 px. Top to bottom (TB) is the default; left to right (LR)
only for graphs that are wider than deep (many terms summed into one output).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .graph import Graph

RANKDIRS = ("TB", "LR", "BT", "RL")
COLLAPSE_ABOVE = 30  # drawn tensors; above this a traced model is drawn as one box per module


def graph_shape(graph: Graph, shown: Sequence[int]) -> tuple[int, int]:
    """(depth, breadth): ranks on the longest path and the most boxes and ellipses in one rank.

    Ranks as graphviz assigns them: an op one rank after its latest parent, its output one
    after the op, and a leaf one rank before the first op that uses it.
    """
    drawn = [i for i in shown if not graph.nodes[i].inline]
    drawn_set = set(drawn)
    rank: dict[int, int] = {}
    op_rank: dict[int, int] = {}
    for i in drawn:  # node numbers are a topological order
        node = graph.nodes[i]
        if node.primitive is None:
            continue
        parents = [rank.get(p, 0) for p in node.parents if p in drawn_set]
        op_rank[i] = max(parents, default=0) + 1
        rank[i] = op_rank[i] + 1
    for i in drawn:
        if graph.nodes[i].primitive is None:
            users = [op_rank[c] for c, _ in graph.consumers[i] if c in op_rank]
            rank[i] = min(users, default=1) - 1
    per_rank = Counter(rank.values())
    per_rank.update(op_rank.values())
    depth = max(per_rank, default=0) + 1
    return depth, max(per_rank.values(), default=1)


def choose_rankdir(graph: Graph, shown: Sequence[int], collapsed: bool) -> str:
    """"TB" unless the graph is wider than deep; always "TB" for one box per module."""
    if collapsed:
        return "TB"
    depth, breadth = graph_shape(graph, shown)
    return "LR" if breadth > depth else "TB"


def check_rankdir(rankdir: str | None, caller: str) -> None:
    """Reject a misspelt rankdir here rather than with a graphviz warning at render time."""
    if rankdir is not None and rankdir not in RANKDIRS:
        raise ValueError(f"{caller}: rankdir must be one of {', '.join(map(repr, RANKDIRS))} or "
                         f"None (chosen from the graph's shape), got {rankdir!r}")
