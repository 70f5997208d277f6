"""The reverse-mode engine: topological order, the backward walk, broadcast reduction.

This is the only place where the chain rule is applied, gradients are accumulated, broadcast
gradients are summed back to their operand's shape, and gradient shapes are checked.
Every walk is iterative (an explicit stack), so graph depth is limited only by memory.
"""

from __future__ import annotations

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


def _parents_of(tensor: Tensor) -> tuple[Tensor, ...]:
    node = tensor._node
    if node is None or node[2] is None:  # a leaf, or a node whose graph was freed
        return ()
    return node[2]


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
    """
    order = topological_order(roots)
    pending: dict[int, Any] = {}
    for root, g in zip(roots, grad_roots):
        key = id(root)
        pending[key] = g if key not in pending else pending[key] + g

    wanted = {id(t): i for i, t in enumerate(inputs)} if inputs is not None else None
    results: list[Any] = [None] * len(inputs) if inputs is not None else []
    xp = backend.TENSOR if create_graph else backend.NUMPY
    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph  # first-order backward records nothing
    try:
        for tensor in reversed(order):
            g = pending.pop(id(tensor), None)
            if g is None:
                continue  # no path from the roots carries a gradient here
            if wanted is not None:
                slot = wanted.get(id(tensor))
                if slot is not None:
                    results[slot] = g
            node = tensor._node
            if node is None:
                if wanted is None:
                    _accumulate_grad(tensor, g, create_graph)
                continue
            if wanted is None and getattr(tensor, "_retains_grad", False):
                _accumulate_grad(tensor, g, create_graph)
            _propagate(tensor, node, g, pending, xp, create_graph)
    finally:
        STATE.grad_enabled = previous_mode
    if not retain_graph:
        _free_graph(order)
    return results if inputs is not None else None


def _propagate(tensor, node, g, pending, xp, create_graph) -> None:
    """Apply one node's VJP and add the results to its parents' pending gradients."""
    prim, params, parents, clock = node
    if parents is None:
        raise AutogradError(
            f"backward through '{prim.name}' a second time: its saved values were freed by the "
            "first backward. Pass retain_graph=True to the first backward (or am.grad) if you "
            "need to backpropagate through the same graph twice."
        )
    if tensor._version > clock or any(p._version > clock for p in parents):
        _raise_mutated(tensor, prim, parents, clock)
    needs = tuple(p.requires_grad for p in parents)
    if create_graph:
        from .tensor import apply

        inputs, out = parents, apply(prim, parents, params)
    else:
        inputs, out = tuple(p.data for p in parents), tensor.data
    grads = prim.vjp(g, out, inputs, needs, xp, **params)
    for parent, gp in zip(parents, grads):
        if gp is None or not parent.requires_grad:
            continue
        if gp.shape != parent.shape:
            gp = sum_to_shape(gp, parent.shape)
            if gp.shape != parent.shape:
                raise ShapeError(
                    f"{prim.name} backward: gradient of shape {gp.shape} does not fit its input "
                    f"of shape {parent.shape}"
                )
        if gp.dtype != parent.dtype:
            gp = xp.astype(gp, parent.dtype)
        if STATE.anomaly:
            _check_finite_gradient(prim, tensor, gp)
        key = id(parent)
        existing = pending.get(key)
        pending[key] = gp if existing is None else existing + gp


def _accumulate_grad(tensor: Tensor, g: Any, create_graph: bool) -> None:
    """Leaf gradients accumulate across backward calls, as in PyTorch."""
    if create_graph:
        tensor.grad = g if tensor.grad is None else tensor.grad + g
        return
    if tensor.grad is None:
        # Own the array: `g` may be a read-only broadcast view or shared with another leaf,
        # and optimizers and clipping update `.grad` in place.
        tensor.grad = np.array(g, dtype=tensor.dtype, copy=True)
    else:
        tensor.grad = tensor.grad + g


def _free_graph(order: list[Tensor]) -> None:
    """Drop the parents of every interior node so intermediate arrays can be released.

    The op stays recorded, so a second backward raises a clear error instead of silently
    producing a wrong or doubled gradient.
    """
    for tensor in order:
        node = tensor._node
        if node is not None and node[2] is not None:
            tensor._node = (node[0], node[1], None, node[3])


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
