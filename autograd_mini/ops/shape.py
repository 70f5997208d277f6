"""Primitives that move values without changing them: reshape, transpose, indexing, joining."""

from __future__ import annotations

import numpy as np

from .primitive import register


def _reshape_forward(a, *, shape):
    return np.reshape(a, shape)


def _reshape_vjp(g, out, inputs, needs, xp, *, shape):
    """reshape(a; shape);  ∂/∂a = g reshaped to a's shape"""
    return (g.reshape(inputs[0].shape),)


def _transpose_forward(a, *, axes):
    return np.transpose(a, axes)


def _transpose_vjp(g, out, inputs, needs, xp, *, axes):
    """transpose(a; axes);  ∂/∂a = g transposed by the inverse permutation"""
    return (g.transpose(tuple(np.argsort(axes))),)


def _broadcast_to_forward(a, *, shape):
    return np.broadcast_to(a, shape)


def _broadcast_to_vjp(g, out, inputs, needs, xp, *, shape):
    """broadcast_to(a; shape);  ∂/∂a = g summed back to a's shape (done by the engine)"""
    return (g,)


def is_basic_index(index) -> bool:
    """True for ints, slices, None and Ellipsis only: such an index never repeats an element."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        item is None or item is Ellipsis or isinstance(item, (int, np.integer, slice))
        for item in items
    )


def _getitem_forward(a, *, index):
    return a[index]


def _getitem_vjp(g, out, inputs, needs, xp, *, index):
    """getitem(a; i) = a[i];  ∂/∂a = zeros with g added at i (repeated indices accumulate)"""
    return (xp.scatter_add(g, index=index, shape=inputs[0].shape),)


def _scatter_add_forward(g, *, index, shape):
    grad = np.zeros(shape, dtype=g.dtype)
    if is_basic_index(index) or _is_mask(index):
        grad[index] = g  # each element appears at most once: plain assignment is exact
    else:
        np.add.at(grad, index, g)  # integer arrays may repeat an index: accumulate
    return grad


def _is_mask(index) -> bool:
    return isinstance(index, np.ndarray) and index.dtype == bool


def _scatter_add_vjp(gg, out, inputs, needs, xp, *, index, shape):
    """scatter_add(g; i, shape) = zeros(shape) with g added at i;  ∂/∂g = gg[i]"""
    return (gg[index],)


def _concatenate_forward(*arrays, axis):
    return np.concatenate(arrays, axis=axis)


def _concatenate_vjp(g, out, inputs, needs, xp, *, axis):
    """concatenate(a₁…aₖ; axis);  ∂/∂aᵢ = the slice of g that aᵢ filled"""
    grads = []
    start = 0
    prefix = (slice(None),) * axis
    for a, need in zip(inputs, needs):
        stop = start + a.shape[axis]
        grads.append(g[prefix + (slice(start, stop),)] if need else None)
        start = stop
    return tuple(grads)


RESHAPE = register("reshape", _reshape_forward, _reshape_vjp, "∂/∂a = reshape(g, a.shape)")
TRANSPOSE = register("transpose", _transpose_forward, _transpose_vjp, "∂/∂a = transpose(g)⁻¹")
BROADCAST_TO = register(
    "broadcast_to", _broadcast_to_forward, _broadcast_to_vjp, "∂/∂a = Σ g over new axes"
)
GETITEM = register("getitem", _getitem_forward, _getitem_vjp, "∂/∂a = scatter_add(g at i)")
SCATTER_ADD = register("scatter_add", _scatter_add_forward, _scatter_add_vjp, "∂/∂g = gg[i]")
CONCATENATE = register(
    "concatenate", _concatenate_forward, _concatenate_vjp, "∂/∂aᵢ = g[slice of aᵢ]"
)
