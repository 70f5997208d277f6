"""Module clusters: which nodes each recorded module call created, and how calls nest.

`nn.Module.__call__` reports every call to `autograd_mini.scope.record_call`; inside
`recording_scopes()` those calls are kept as `ScopeCall(owner, inputs, output)`, innermost
calls first. A call owns the nodes reachable backwards from its output without passing through
its inputs; a node shared by several calls belongs to the innermost one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import scope
from ..tensor import Tensor
from .graph import Graph


@dataclass(eq=False)
class Cluster:
    """The nodes one module call created, its title and its place among the other calls."""

    index: int
    title: str  # "layers.0 (Linear)"
    outputs: list[int]  # node numbers of the call's output tensor(s)
    inputs: list[int]  # node numbers of its tensor inputs present in the graph
    members: list[int] = field(default_factory=list)  # owned directly, not by an inner call
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    depth: int = 0


def trace(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, list[scope.ScopeCall]]:
    """Run `fn(*args, **kwargs)` recording module calls; return (its result, the calls)."""
    with scope.recording_scopes() as calls:
        result = fn(*args, **kwargs)
    return result, list(calls)


def active_calls() -> list[scope.ScopeCall] | None:
    """The calls recorded so far by an enclosing `recording_scopes()` block, if any."""
    return scope.current_calls()


def module_clusters(graph: Graph, calls: Sequence[scope.ScopeCall] | None,
                    model: Any = None) -> list[Cluster]:
    """One cluster per call that created nodes of `graph`, with parents, children and depth."""
    if not calls:
        return []
    index_of = {id(n.tensor): n.index for n in graph.nodes}
    paths = _module_paths(model)
    owner: dict[int, int] = {}  # node -> innermost cluster
    clusters: list[Cluster] = []
    seen_owners: Counter[int] = Counter()
    for call in calls:
        outputs = [index_of[id(t)] for t in _tensors(call.output) if id(t) in index_of]
        seen_owners[id(call.owner)] += 1
        if not outputs:
            continue
        inputs = [index_of[id(t)] for t in _tensors(call.inputs) if id(t) in index_of]
        cluster = Cluster(len(clusters), _title(call.owner, paths, seen_owners[id(call.owner)]),
                          outputs, inputs)
        clusters.append(cluster)
        _claim(graph, cluster, clusters, owner)
    for c in clusters:
        if c.parent is not None:
            clusters[c.parent].children.append(c.index)
    for node, c in sorted(owner.items()):
        clusters[c].members.append(node)
    for c in clusters:  # parents come later in the list than their children
        depth, p = 0, c.parent
        while p is not None:
            depth, p = depth + 1, clusters[p].parent
        c.depth = depth
    return clusters


def _claim(graph: Graph, cluster: Cluster, clusters: list[Cluster], owner: dict[int, int]) -> None:
    """Walk back from the call's outputs to its inputs, taking the nodes no inner call took."""
    stop = set(cluster.inputs)
    # Nodes recorded before the call's last input existed were recorded before the call.
    ticks = [graph.nodes[i].tensor.recorded_at for i in cluster.inputs
             if not graph.nodes[i].tensor.is_leaf]
    before = max(ticks) if ticks else -1
    stack = list(reversed(cluster.outputs))
    seen: set[int] = set()
    while stack:
        i = stack.pop()
        if i in stop or i in seen:
            continue
        seen.add(i)
        tensor = graph.nodes[i].tensor
        if not tensor.is_leaf and tensor.recorded_at <= before:
            continue
        inner = owner.get(i)
        if inner is None:
            owner[i] = cluster.index
        else:
            top = inner
            while clusters[top].parent is not None:
                top = clusters[top].parent
            if top != cluster.index:
                clusters[top].parent = cluster.index
        stack.extend(reversed(graph.nodes[i].parents))


def _tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, Tensor)]
    return []


def _module_paths(model: Any) -> dict[int, str]:
    named = getattr(model, "named_modules", None)
    return {} if named is None else {id(m): path for path, m in named()}


def _title(owner: Any, paths: dict[int, str], call_number: int) -> str:
    cls = type(owner).__name__
    path = paths.get(id(owner))
    title = f"{path} ({cls})" if path else cls
    return title if call_number == 1 else f"{title} call {call_number}"


def collapsed_clusters(clusters: list[Cluster], collapse: bool | int) -> dict[int, int]:
    """cluster -> the collapsed cluster that swallows it (itself included).

    True collapses each innermost call; an int d collapses calls at nesting depth d (and
    innermost calls above it), so `collapse_modules=1` keeps the model's frame around layers.
    """
    if collapse is False or collapse is None:
        return {}
    tops = [c.index for c in clusters
            if (collapse is True and not c.children)
            or (collapse is not True and (c.depth == collapse
                                          or (c.depth < collapse and not c.children)))]
    swallowed: dict[int, int] = {}
    for top in tops:
        stack = [top]
        while stack:
            c = stack.pop()
            swallowed[c] = top
            stack.extend(clusters[c].children)
    return swallowed
