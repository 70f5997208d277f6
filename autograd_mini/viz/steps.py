"""The backward pass, one node at a time, as the engine walks it — recorded for the replay.

Nothing here applies the chain rule: `walk_backward` runs the engine's own backward walk
(engine.run_backward) with an observer that writes down, for each node, the gradient that
arrived complete and each term it sent to a parent. `.grad` is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import seed_gradient
from ..engine import run_backward
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
    """The engine's backward walk from the graph's root: one step per node that requires grad,
    in descending node number (each node after all of its consumers)."""
    root = graph.root.tensor
    if not root.requires_grad:
        raise AutogradError("backward replay: the root does not require grad")
    seed = seed_gradient(root, grad_output, False, "backward replay")
    recorder = _StepRecorder(graph)
    run_backward([root], [seed], retain_graph=True, create_graph=False, observer=recorder)
    return recorder.steps()


class _StepRecorder:
    """A BackwardObserver that numbers tensors as the graph does and keeps every event."""

    def __init__(self, graph: Graph) -> None:
        self.index = {id(n.tensor): n.index for n in graph.nodes}
        self.grads: dict[int, np.ndarray] = {}
        self.terms: dict[int, list[Contribution]] = {}
        self.sources: dict[int, list[int]] = {graph.root_index: []}

    def node(self, tensor: Tensor, grad: Any) -> None:
        i = self.index[id(tensor)]
        self.grads[i] = _values(grad)
        self.terms.setdefault(i, [])

    def edge(self, tensor: Tensor, parent: Tensor, position: int, grad: Any,
             total: Any) -> None:
        i, p = self.index[id(tensor)], self.index[id(parent)]
        received = self.sources.setdefault(p, [])
        received.append(i)
        # `total` may be the very array later terms are added to: keep a snapshot.
        self.terms[i].append(Contribution(p, position, _values(grad), np.array(_values(total)),
                                          len(received)))

    def steps(self) -> list[Step]:
        return [Step(i, self.grads[i], tuple(self.sources.get(i, ())), tuple(self.terms[i]))
                for i in sorted(self.grads, reverse=True)]


def _values(grad: Any) -> np.ndarray:
    """A gradient as an array; with create_graph=True the engine passes Tensors that require
    grad, which np.asarray refuses (the replay only reads their values)."""
    return np.asarray(grad.data if isinstance(grad, Tensor) else grad)
