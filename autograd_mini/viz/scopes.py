"""Module clusters: which nodes each recorded module call created, and how calls nest.

`nn.Module.__call__` reports every call to `autograd_mini.scope.record_call`; inside
`recording_scopes()` those calls are kept as `ScopeCall(owner, inputs, output)`, innermost
calls first. A call owns the nodes reachable backwards from its output without passing through
its inputs; a node shared by several calls belongs to the innermost one.

A module whose class sets `draw_as_box = True` (convolutions, pooling, recurrent layers: their
inner ops are im2col products or one chain per time step, not the layer's idea) is drawn as one
box whenever modules are collapsed or left to the default, however small the graph.
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
    boxed: bool = False  # its module asks to be drawn as one box (`draw_as_box`)
    summary: str = ""  # the module's extra_repr(): "8, 16, num_layers=1, …"
    input_shapes: list[tuple[int, ...]] = field(default_factory=list)  # in the graph or not


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
                          outputs, inputs, boxed=getattr(call.owner, "draw_as_box", False) is True,
                          summary=_summary(call.owner),
                          input_shapes=[t.shape for t in _tensors(call.inputs)])
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
    """The tensors in a call's inputs or output, nested containers included: an LSTM returns
    (output, (h_n, c_n)), and a classifier reads h_n alone."""
    found: list[Tensor] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            found.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
    return found


def _summary(owner: Any) -> str:
    extra = getattr(owner, "extra_repr", None)
    try:
        text = extra() if callable(extra) else ""
    except Exception:  # a drawing must not fail on a module's repr
        return ""
    return text if isinstance(text, str) else ""


def _module_paths(model: Any) -> dict[int, str]:
    named = getattr(model, "named_modules", None)
    return {} if named is None else {id(m): path for path, m in named()}


def _title(owner: Any, paths: dict[int, str], call_number: int) -> str:
    cls = type(owner).__name__
    path = paths.get(id(owner))
    title = f"{path} ({cls})" if path else cls
    return title if call_number == 1 else f"{title} call {call_number}"


def collapsed_clusters(clusters: list[Cluster], collapse: bool | int | None) -> dict[int, int]:
    """cluster -> the collapsed cluster that swallows it (itself included).

    True collapses each innermost call; an int d collapses calls at nesting depth d (and
    innermost calls above it), so `collapse_modules=1` keeps the model's frame around layers.
    None collapses only the `boxed` calls (and False nothing); a boxed call is one box in every
    case but False, with everything it called inside.
    """
    if collapse is False:
        return {}
    tops = [c.index for c in clusters if collapse is not None and (
            (collapse is True and not c.children)
            or (collapse is not True and (c.depth == collapse
                                          or (c.depth < collapse and not c.children))))]
    boxed = [c.index for c in clusters if c.boxed]
    tops = sorted(set(tops) | set(boxed))
    # A top inside another top (a boxed call under a collapsed depth, or the reverse) is
    # swallowed by the outer one: keep the outermost.
    outermost = []
    for top in tops:
        p = clusters[top].parent
        while p is not None and p not in tops:
            p = clusters[p].parent
        if p is None:
            outermost.append(top)
    swallowed: dict[int, int] = {}
    for top in outermost:
        stack = [top]
        while stack:
            c = stack.pop()
            swallowed[c] = top
            stack.extend(clusters[c].children)
    return swallowed
