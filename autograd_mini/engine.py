"""The reverse-mode engine: topological order, the backward walk, broadcast reduction.

This is the only place where the chain rule is applied, gradients are accumulated, broadcast
gradients are summed back to their operand's shape, and gradient shapes are checked.
Every walk is iterative (an explicit stack), so graph depth is limited only by memory.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import backend
from .errors import AnomalyError, AutogradError, ShapeError
from .grad_mode import STATE

if TYPE_CHECKING:
    from .tensor import Tensor


def topological_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """Tensors that require grad and reach `roots`, each after all of its parents.

    Depth-first post-order with an explicit stack; parents are visited in argument order, so
    the order is deterministic. Cost O(nodes + edges).
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    for root in roots:
        if id(root) in visited or not root.requires_grad:
            continue
        visited.add(id(root))
        stack = [(root, iter(_parents_of(root)))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent.requires_grad and id(parent) not in visited:
                    visited.add(id(parent))
                    stack.append((parent, iter(_parents_of(parent))))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


# Appended to a node's tuple when a backward without retain_graph has used it. The edges stay,
# so the graph can still be drawn and inspected after backward; the values it holds are
# released with the graph's output, as soon as nothing refers to it (there are no cycles).
FREED = "freed"


def is_freed(tensor: Tensor) -> bool:
    """True when a backward without retain_graph already went through this tensor's op."""
    node = tensor._node
    return node is not None and len(node) > 4


def _parents_of(tensor: Tensor) -> tuple[Tensor, ...]:
    node = tensor._node
    return () if node is None else node[2]


def sum_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient back to `shape`: leading axes and axes that were 1."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        return grad  # cannot reduce; the caller's shape check reports it
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def run_backward(
    roots: Sequence[Tensor],
    grad_roots: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> list[Any] | None:
    """Propagate `grad_roots` from `roots` to every tensor that requires grad.

    Without `inputs`, gradients accumulate into leaves' `.grad` (and into non-leaves that
    called `retain_grad()`). With `inputs`, their gradients are returned instead and no
    `.grad` is touched (this is `am.grad`).

    Order: every recorded node carries the tick of a global clock taken when it was created,
    and a node is always created after its parents. Popping pending nodes from a max-heap on
    that tick therefore visits each node after all of its consumers, so its gradient is
    complete when its VJP runs. Discovery and processing share one pass, with no recursion
    and no separate topological sort.
    """
    wanted: dict[int, list[int]] | None = None  # id(input) -> its positions in `inputs`
    if inputs is not None:
        wanted = {}
        for i, t in enumerate(inputs):
            wanted.setdefault(id(t), []).append(i)
    results: list[Any] = [None] * len(inputs) if inputs is not None else []
    pending: dict[int, Any] = {}  # id(tensor) -> gradient summed so far
    leaves: dict[int, Tensor] = {}
    owned: set[int] = set()  # leaves whose pending gradient is an array only the engine holds
    handed_out: set[int] = set()  # ids of those arrays
    heap: list[tuple[int, int, Tensor]] = []
    for root, g in zip(roots, grad_roots):
        if not root.requires_grad:
            continue
        key = id(root)
        if key in pending:
            pending[key] = pending[key] + g
            continue
        pending[key] = g
        if root._node is None:
            leaves[key] = root
        else:
            heapq.heappush(heap, (-root._node[3], key, root))

    xp = backend.TENSOR if create_graph else backend.NUMPY
    anomaly = STATE.anomaly
    heappop, heappush = heapq.heappop, heapq.heappush  # this loop is the hot path of backward
    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph  # first-order backward records nothing
    try:
        while heap:
            tensor = heappop(heap)[2]
            g = pending.pop(id(tensor))
            if wanted is not None:
                for slot in wanted.get(id(tensor), ()):
                    results[slot] = g
            elif tensor._retains_grad:
                _accumulate_grad(tensor, g, create_graph)
            node = tensor._node
            if len(node) > 4:
                _raise_freed(node[0])
            prim, params, parents, clock = node
            if create_graph:
                grads = _vjp_recorded(tensor, prim, params, parents, clock, g, xp)
            elif len(parents) == 2:  # the common cases, unrolled: no generators per node
                a, b = parents
                if a._version > clock or b._version > clock or tensor._version > clock:
                    _raise_mutated(tensor, prim, parents, clock)
                grads = prim.vjp(g, tensor.data, (a.data, b.data),
                                 (a.requires_grad, b.requires_grad), xp, **params)
            elif len(parents) == 1:
                a = parents[0]
                if a._version > clock or tensor._version > clock:
                    _raise_mutated(tensor, prim, parents, clock)
                grads = prim.vjp(g, tensor.data, (a.data,), (a.requires_grad,), xp, **params)
            elif len(parents) == 3:  # linear(x, W, b) of every dense layer, and where
                a, b, c = parents
                if a._version > clock or b._version > clock or c._version > clock \
                        or tensor._version > clock:
                    _raise_mutated(tensor, prim, parents, clock)
                grads = prim.vjp(g, tensor.data, (a.data, b.data, c.data),
                                 (a.requires_grad, b.requires_grad, c.requires_grad), xp,
                                 **params)
            else:
                if tensor._version > clock or any(p._version > clock for p in parents):
                    _raise_mutated(tensor, prim, parents, clock)
                grads = prim.vjp(g, tensor.data, tuple(p.data for p in parents),
                                 tuple(p.requires_grad for p in parents), xp, **params)
            if not retain_graph:
                tensor._node = (prim, params, parents, clock, FREED)
            for parent, gp in zip(parents, grads):
                if gp is None or not parent.requires_grad:
                    continue
                data = parent.data
                if gp.shape != data.shape:
                    gp = _reduce_to(gp, data.shape, prim)
                if gp.dtype is not data.dtype and gp.dtype != data.dtype:
                    gp = xp.astype(gp, data.dtype)
                if anomaly:
                    _check_finite_gradient(prim, tensor, gp)
                key = id(parent)
                existing = pending.get(key)
                if existing is not None:
                    pending[key] = existing + gp  # a new array nobody else holds (or a
                    if type(pending[key]) is np.ndarray:  # numpy scalar, for 0-d values)
                        owned.add(key)
                    continue
                pending[key] = gp
                parent_node = parent._node
                if parent_node is None:
                    leaves[key] = parent
                    # A new array from the VJP (not the incoming g passed through, not a view,
                    # not handed to another leaf) can become `.grad` without a copy.
                    if not create_graph and type(gp) is np.ndarray and gp is not g \
                            and gp.base is None and id(gp) not in handed_out:
                        owned.add(key)
                        handed_out.add(id(gp))
                else:
                    heappush(heap, (-parent_node[3], key, parent))
        for key, leaf in leaves.items():
            g = pending[key]
            if wanted is not None:
                for slot in wanted.get(key, ()):
                    results[slot] = g
            else:
                _accumulate_grad(leaf, g, create_graph, key in owned)
    finally:
        STATE.grad_enabled = previous_mode
    return results if inputs is not None else None


def _vjp_recorded(tensor: Tensor, prim: Any, params: dict, parents: tuple, clock: int,
                  g: Any, xp: Any) -> tuple:
    """A VJP evaluated with Tensor ops (create_graph=True), so the gradient is differentiable."""
    from .tensor import apply

    if tensor._version > clock or any(p._version > clock for p in parents):
        _raise_mutated(tensor, prim, parents, clock)
    needs = tuple(p.requires_grad for p in parents)
    # Recompute the output as a function of the parents, so that VJPs using `out`
    # (exp, tanh, softmax, ...) stay differentiable with respect to the inputs.
    try:
        return prim.vjp(g, apply(prim, parents, params), parents, needs, xp, **params)
    except AnomalyError as exc:  # raised by an op inside the VJP: name the user's op
        origin = getattr(tensor, "_origin", None) or "unknown location"
        raise AnomalyError(
            f"'{prim.name}' backward produced NaN/Inf (inside its derivative: {exc}); the "
            f"op was created at {origin}"
        ) from exc


def _reduce_to(gp: Any, shape: tuple[int, ...], prim: Any) -> Any:
    """Sum a broadcast gradient back to its input's shape, or say which op got it wrong."""
    reduced = sum_to_shape(gp, shape)
    if reduced.shape != shape:
        raise ShapeError(
            f"{prim.name} backward: gradient of shape {gp.shape} does not fit its input of "
            f"shape {shape}"
        )
    return reduced


def _raise_freed(prim: Any) -> None:
    raise AutogradError(
        f"backward through '{prim.name}' a second time: the first backward already used (freed) "
        "this graph. Pass retain_graph=True to the first backward (or am.grad) if you need to "
        "backpropagate through the same graph twice, or recompute the forward pass."
    )


def _accumulate_grad(tensor: Tensor, g: Any, create_graph: bool, owned: bool = False) -> None:
    """Leaf gradients accumulate across backward calls, as in PyTorch."""
    if create_graph:
        tensor.grad = g if tensor.grad is None else tensor.grad + g
        return
    if tensor.grad is None:
        # `.grad` must be an array nobody else holds: optimizers and clipping update it in
        # place, and `g` may be a read-only broadcast view or shared with another tensor.
        tensor.grad = g if owned else np.array(g, dtype=tensor.dtype, copy=True)
    else:
        tensor.grad = tensor.grad + g


def _raise_mutated(tensor, prim, parents, clock) -> None:
    changed = [i for i, p in enumerate(parents) if p._version > clock]
    what = f"input {changed[0]}" if changed else "its output"
    culprit = parents[changed[0]] if changed else tensor
    raise AutogradError(
        f"'{prim.name}' needs {what} (shape {culprit.shape}) for its gradient, but that tensor "
        "was modified in place after the op recorded it. Compute backward before changing it, "
        "or use an out-of-place op (x = x + y instead of x += y)."
    )


def _check_finite_gradient(prim, tensor, gp) -> None:
    values = gp.data if hasattr(gp, "_node") else gp
    if not np.all(np.isfinite(values)):
        origin = getattr(tensor, "_origin", None) or "unknown location"
        raise AnomalyError(
            f"'{prim.name}' backward produced NaN/Inf in a gradient of shape {values.shape}; "
            f"the op was created at {origin}"
        )
