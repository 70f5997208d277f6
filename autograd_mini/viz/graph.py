"""The recorded graph as a list of value nodes in topological order, ready to draw or print.

Everything here is iterative (explicit stacks and queues) and deterministic: nodes are numbered
by a counter in topological order, parents are kept in argument order, and `id()` is used only
to recognise a tensor seen before, never in any output.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import topological_order
from ..errors import AutogradError
from ..tensor import Tensor

ROOT, PARAMETER, LEAF, CONSTANT, INTERMEDIATE = (
    "root", "parameter", "leaf", "constant", "intermediate")


@dataclass(eq=False)
class ValueNode:
    """One tensor of the graph: its number, kind, user label and parents (node numbers)."""

    index: int
    tensor: Tensor
    kind: str
    label: str | None
    parents: tuple[int, ...]
    freed: bool  # an earlier backward() without retain_graph already went through its op

    @property
    def primitive(self) -> Any:
        """The primitive that produced this tensor, or None for a leaf."""
        return self.tensor.primitive

    @property
    def params(self) -> dict[str, Any]:
        """The op's keyword parameters (axis, exponent, ...); empty for leaves."""
        return self.tensor.op_params

    @property
    def inline(self) -> bool:
        """An unnamed scalar constant: drawn beside each op that uses it, not as a shared node."""
        return self.kind == CONSTANT and self.label is None and self.tensor.data.size == 1


@dataclass(eq=False)
class Graph:
    """The value nodes behind a root, each after its parents, numbered in recording order.

    Unnamed scalar constants (drawn beside the ops that use them) are numbered last, after
    the root, so the numbers users see run 0, 1, 2, ... without gaps.
    """

    nodes: list[ValueNode]
    root_index: int
    consumers: list[list[tuple[int, int]]] = field(default_factory=list)  # (node, arg position)

    @property
    def root(self) -> ValueNode:
        return self.nodes[self.root_index]

    @property
    def freed(self) -> bool:
        """True when part of the graph was released by a backward without retain_graph."""
        return any(n.freed for n in self.nodes)

    def nearest(self, max_nodes: int | None, box_of: Mapping[int, int] | None = None
                ) -> list[int]:
        """The `max_nodes` nodes closest to the root (breadth first), in topological order.

        Inline constants are left out: they are drawn beside each op that uses them. Nodes
        that `box_of` maps to one box (a collapsed module) count once together, so an LSTM's
        hundreds of per-step nodes cost one place, as the one box they are drawn as.
        """
        if max_nodes is None or len(self.nodes) <= max_nodes:
            return list(range(len(self.nodes)))
        if max_nodes < 1:
            raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
        box_of = box_of or {}
        root = self.root.index
        chosen = {root}
        boxes = {box_of[root]} if root in box_of else set()
        cost = 1
        queue = deque([root])
        while queue:
            for p in self.nodes[queue.popleft()].parents:
                if p in chosen or self.nodes[p].inline:
                    continue
                extra = 0 if p in box_of and box_of[p] in boxes else 1
                if cost + extra > max_nodes:
                    continue
                cost += extra
                chosen.add(p)
                if p in box_of:
                    boxes.add(box_of[p])
                queue.append(p)
        return sorted(chosen)


def collect_graph(root: Tensor, names: Mapping[str, Any] | None = None,
                  model: Any = None) -> Graph:
    """Walk the graph behind `root` (constants included) into numbered nodes."""
    if not isinstance(root, Tensor):
        raise TypeError(f"expected a Tensor to draw, got {type(root).__name__}")
    labels = _labels(names, model)
    parameters = _parameter_ids(model)
    found = topological_order([root], constants=True)
    kinds = [_kind(t, t is root, parameters) for t in found]
    names_found = [labels.get(id(t)) or _own_name(t) for t in found]
    inline = [k == CONSTANT and n is None and t.data.size == 1
              for t, k, n in zip(found, kinds, names_found)]
    order = [k for k in range(len(found)) if not inline[k]] + [
        k for k in range(len(found)) if inline[k]]
    index_of = {id(found[k]): i for i, k in enumerate(order)}
    nodes = []
    for i, k in enumerate(order):
        t = found[k]
        parents = tuple(index_of[id(p)] for p in t.parents)
        nodes.append(ValueNode(index=i, tensor=t, kind=kinds[k], label=names_found[k],
                               parents=parents, freed=t.is_freed))
    consumers: list[list[tuple[int, int]]] = [[] for _ in nodes]
    for n in nodes:
        for position, p in enumerate(n.parents):
            consumers[p].append((n.index, position))
    return Graph(nodes, index_of[id(root)], consumers)


def _kind(t: Tensor, is_root: bool, parameters: set[int]) -> str:
    if is_root:
        return ROOT
    if not t.is_leaf:
        return INTERMEDIATE
    if not t.requires_grad:
        return CONSTANT
    # A Tensor subclass called Parameter (nn's) marks a parameter without importing nn here.
    if id(t) in parameters or type(t).__name__ == "Parameter":
        return PARAMETER
    return LEAF


def _own_name(t: Tensor) -> str | None:
    name = getattr(t, "name", None)
    return name if isinstance(name, str) and name else None


def _labels(names: Mapping[str, Any] | None, model: Any) -> dict[int, str]:
    """id(tensor) -> label: `names` (e.g. locals()) first, then the model's parameter paths."""
    labels: dict[int, str] = {}
    if names is not None:
        for name, value in names.items():
            if isinstance(value, Tensor) and not name.startswith("_"):
                labels.setdefault(id(value), name)
    for path, p in _named_parameters(model):
        labels.setdefault(id(p), path)
    return labels


def _named_parameters(model: Any) -> Iterable[tuple[str, Any]]:
    if model is None:
        return ()
    named = getattr(model, "named_parameters", None)
    if named is None:
        raise TypeError(f"model= needs a named_parameters() method; got {type(model).__name__}")
    return list(named())


def _parameter_ids(model: Any) -> set[int]:
    return {id(p) for _, p in _named_parameters(model)}


@dataclass
class Gradients:
    """Gradients to show: node number -> array, how they were obtained, and why not if not."""

    values: dict[int, np.ndarray] = field(default_factory=dict)
    computed: bool = False  # True: d(root)/d(node) from am.grad; False: only existing .grad
    note: str | None = None
    stale: dict[int, np.ndarray] = field(default_factory=dict)  # leaf .grad differing from d/d


def compute_gradients(graph: Graph, indices: Iterable[int], grad_output: Any = None) -> Gradients:
    """d(root)/d(node) for the given nodes with `am.grad` (graph kept, `.grad` untouched).

    Falls back to the `.grad` already stored when the graph was freed, the root is not a
    scalar and no grad_output is given, or the engine refuses (the reason goes in `note`).
    """
    from ..autograd import grad

    wanted = [i for i in indices if graph.nodes[i].tensor.requires_grad]
    existing = {i: graph.nodes[i].tensor.grad.data for i in wanted  # `.grad` is a Tensor
                if graph.nodes[i].tensor.grad is not None}
    root = graph.root.tensor
    if not root.requires_grad:
        return Gradients(existing, note="the root does not require grad: no gradients to show")
    if root.data.size != 1 and grad_output is None:
        return Gradients(existing, note=(
            f"root has shape {root.shape}: pass grad_output= to see gradients"))
    if graph.freed:
        return _replayed_gradients(graph, wanted, existing, grad_output)
    seed = None if grad_output is None else np.asarray(getattr(grad_output, "data", grad_output))
    try:
        results = grad(root, [graph.nodes[i].tensor for i in wanted], grad_outputs=seed,
                       retain_graph=True, allow_unused=True)
    except (AutogradError, ValueError) as exc:
        return Gradients(existing, note=f"gradients not computed: {exc}")
    values = {i: r.data for i, r in zip(wanted, results) if r is not None}
    stale = {i: g for i, g in existing.items()
             if i in values and (g.shape != values[i].shape or not np.allclose(g, values[i]))}
    return Gradients(values, computed=True, stale=stale)


def _replayed_gradients(graph: Graph, wanted: list[int], existing: dict[int, np.ndarray],
                        grad_output: Any) -> Gradients:
    """After backward() the engine will not walk the graph again, but the recorded values are
    all still there: replay the chain rule on them (the same VJPs, on numpy arrays)."""
    from .steps import walk_backward

    try:
        steps = walk_backward(graph, grad_output)
    except AutogradError as exc:
        return Gradients(existing, note=f"gradients not recomputed after backward(): {exc}")
    values = {s.node: s.grad for s in steps if s.node in set(wanted)}
    stale = {i: g for i, g in existing.items()
             if i in values and (g.shape != values[i].shape or not np.allclose(g, values[i]))}
    return Gradients(values, computed=True, stale=stale)

