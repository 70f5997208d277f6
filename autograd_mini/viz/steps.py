"""The backward pass replayed one node at a time, on numpy arrays, without touching `.grad`.

The same chain rule the engine applies (see engine.py), spelled out step by step so that each
step can be drawn: which gradient arrives at a node, which local rule its op applies, and
which gradient is added to which parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import backend
from ..engine import sum_to_shape
from ..errors import AutogradError
from ..tensor import Tensor
from .graph import Graph, collect_graph


@dataclass(frozen=True)
class Contribution:
    """One term of the chain rule: the gradient a node sends to one of its parents."""

    parent: int  # node number
    position: int  # which argument of the op the parent is
    grad: np.ndarray  # already summed back to the parent's shape
    total: np.ndarray  # the parent's gradient so far, this term included
    count: int  # how many terms the parent has received so far


@dataclass(frozen=True)
class Step:
    """One node of the reverse topological walk: its complete gradient and what it sends."""

    node: int
    grad: np.ndarray  # d(root)/d(node): complete, since every consumer was processed
    sources: tuple[int, ...]  # the consumers whose contributions were summed into `grad`
    contributions: tuple[Contribution, ...]  # empty for leaves


def backward_steps(root: Tensor, grad_output: Any = None) -> list[Step]:
    """The backward pass of `root` step by step; node numbers are those of print_graph."""
    return walk_backward(collect_graph(root), grad_output)


def walk_backward(graph: Graph, grad_output: Any = None) -> list[Step]:
    """Replay backward from the graph's root: one step per node that requires grad.

    Nodes are visited in reverse topological order (descending node number), so a node's
    gradient is complete when it is visited. Each op's VJP runs on numpy arrays exactly as in
    the engine's first-order backward, then `sum_to_shape` undoes broadcasting.
    """
    root = graph.root
    if not root.tensor.requires_grad:
        raise AutogradError("backward replay: the root does not require grad")
    pending: dict[int, np.ndarray] = {root.index: _seed(root.tensor, grad_output)}
    counts: dict[int, int] = {root.index: 1}
    sources: dict[int, list[int]] = {root.index: []}
    steps = []
    for node in reversed(graph.nodes):
        i = node.index
        if not node.tensor.requires_grad or i not in pending:
            continue
        g = pending[i]
        terms: list[Contribution] = []
        if node.primitive is not None:
            for position, p, gp in _vjp(graph, i, g):
                parent = graph.nodes[p].tensor
                gp = sum_to_shape(np.asarray(gp), parent.shape)
                if gp.shape != parent.shape:
                    raise AutogradError(f"backward replay: '{node.primitive.name}' gave a "
                                        f"gradient of shape {gp.shape} for shape {parent.shape}")
                gp = gp.astype(parent.dtype, copy=False)
                pending[p] = gp if p not in pending else pending[p] + gp
                counts[p] = counts.get(p, 0) + 1
                sources.setdefault(p, []).append(i)
                terms.append(Contribution(p, position, gp, pending[p], counts[p]))
        steps.append(Step(i, g, tuple(sources[i]), tuple(terms)))
    return steps


def _seed(root: Any, grad_output: Any) -> np.ndarray:
    if grad_output is None:
        if root.data.size != 1:
            raise AutogradError(f"backward replay: the root has shape {root.shape}; pass "
                                "grad_output= of that shape (or reduce it to a scalar)")
        return np.ones(root.shape, dtype=root.dtype)
    g = np.asarray(getattr(grad_output, "data", grad_output), dtype=root.dtype)
    if g.shape != root.shape:
        raise AutogradError(f"backward replay: grad_output has shape {g.shape}, the root "
                            f"{root.shape}")
    return g


def _vjp(graph: Graph, i: int, g: np.ndarray) -> Sequence[tuple[int, int, Any]]:
    """(argument position, parent node, gradient) for each parent that requires grad."""
    tensor = graph.nodes[i].tensor
    prim, params, parents, tick = tensor._node[:4]
    if tensor._version > tick or any(p._version > tick for p in parents):
        raise AutogradError(
            f"backward replay: an input of '{prim.name}' (node #{i}) was modified in place "
            "after the op recorded it, so its gradient can no longer be computed")
    needs = tuple(p.requires_grad for p in parents)
    grads = prim.vjp(g, tensor.data, tuple(p.data for p in parents), needs, backend.NUMPY,
                     **params)
    return [(k, graph.nodes[i].parents[k], gp) for k, gp in enumerate(grads)
            if gp is not None and needs[k]]
