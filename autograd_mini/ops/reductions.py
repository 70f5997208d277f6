"""Reductions and the normalised exponentials (softmax family).

`axis` arrives normalised by the caller: a tuple of non-negative ints, or None for all axes.
"""

from __future__ import annotations

import numpy as np

from .primitive import register


def _kept_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over `axis` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _unreduce(g, shape, axis, keepdims, xp):
    """Broadcast a reduced gradient back over the reduced axes: (kept...) -> shape."""
    if not keepdims:
        g = g.reshape(_kept_shape(shape, axis))
    return xp.broadcast_to(g, shape)


def _count(shape, axis) -> int:
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[i] for i in axis], dtype=np.int64))


def _sum_forward(a, *, axis, keepdims):
    return np.sum(a, axis=axis, keepdims=keepdims)


def _sum_vjp(g, out, inputs, needs, xp, *, axis, keepdims):
    """sum(a) = Σ a;  ∂/∂a = g broadcast over the summed axes"""
    return (_unreduce(g, inputs[0].shape, axis, keepdims, xp),)


def _mean_forward(a, *, axis, keepdims):
    return np.mean(a, axis=axis, keepdims=keepdims)


def _mean_vjp(g, out, inputs, needs, xp, *, axis, keepdims):
    """mean(a) = Σ a / n;  ∂/∂a = g / n broadcast over the averaged axes"""
    shape = inputs[0].shape
    return (_unreduce(g * (1.0 / max(_count(shape, axis), 1)), shape, axis, keepdims, xp),)


def _max_forward(a, *, axis, keepdims):
    return np.max(a, axis=axis, keepdims=keepdims)


def _min_forward(a, *, axis, keepdims):
    return np.min(a, axis=axis, keepdims=keepdims)


def _extremum_vjp(g, out, inputs, needs, xp, *, axis, keepdims):
    """max(a) (or min);  ∂/∂a = g at the arg-extremum, split equally between ties"""
    a = xp.value(inputs[0])
    kept = xp.value(out).reshape(_kept_shape(a.shape, axis))
    winners = a == kept
    share = winners / winners.sum(axis=axis, keepdims=True)  # ties split the gradient
    return (_unreduce(g, a.shape, axis, keepdims, xp) * share.astype(a.dtype, copy=False),)


# numpy reduces a short contiguous axis one row at a time (about 60 ns a row for 10 classes),
# so the row max of a classifier's (batch, classes) logits cost more than the rest of its
# softmax. For at most _NARROW_COLUMNS columns and at least _MANY_ROWS rows, one vectorised
# pass per column over all rows is used instead (1024 × 10: 61 µs → 13 µs; at 32 rows the
# per-call cost of the loop makes it slower, so small batches keep numpy's reduction).
_NARROW_COLUMNS = 32
_MANY_ROWS = 128


def _is_narrow_rows(a, axis) -> bool:
    """A 2-d array reduced over its last axis, with few columns and many rows."""
    return (a.ndim == 2 and axis in ((1,), (-1,), 1, -1)
            and 1 <= a.shape[1] <= _NARROW_COLUMNS and a.shape[0] >= _MANY_ROWS)


def _slice_max(a, axis):
    """max over `axis` with keepdims; an empty slice gives −inf (the max of nothing) instead
    of numpy's "zero-size array" error, so softmax and logsumexp work on empty tensors."""
    if _is_narrow_rows(a, axis):
        out = a[:, :1].copy()  # (rows, 1)
        for k in range(1, a.shape[1]):  # a loop over columns, each step vectorised over rows
            np.maximum(out, a[:, k:k + 1], out=out)
        return out
    # np.maximum.reduce is np.max without its Python wrapper (a few µs per softmax call)
    return np.maximum.reduce(a, axis=axis, keepdims=True, initial=-np.inf)


def _slice_sum(a, axis):
    """Σ over `axis` with keepdims, by a matrix-vector product for few columns and many rows
    (1024 × 10: 19 µs → 4 µs; float accumulation over at most 32 terms)."""
    if _is_narrow_rows(a, axis) and a.dtype.kind == "f":
        return a @ np.ones((a.shape[1], 1), dtype=a.dtype)  # (rows, 1)
    return np.add.reduce(a, axis=axis, keepdims=True)  # = np.sum without its Python wrapper


def _logsumexp_forward(a, *, axis, keepdims):
    # Shift by the max so exp never overflows; an all −inf slice keeps a finite shift.
    shift = _slice_max(a, axis)
    shift = np.where(np.isfinite(shift), shift, 0)
    total = np.sum(np.exp(a - shift), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):  # an empty (or all −inf) slice: ln 0 = −inf, as torch
        out = np.log(total) + shift
    if keepdims:
        return out
    return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)


def _logsumexp_vjp(g, out, inputs, needs, xp, *, axis, keepdims):
    """logsumexp(a) = ln Σ eᵃ;  ∂/∂a = g·softmax(a) = g·exp(a − lse)"""
    (a,) = inputs
    lse = _unreduce(out, a.shape, axis, keepdims, xp)
    return (_unreduce(g, a.shape, axis, keepdims, xp) * xp.exp(a - lse),)


def _softmax_forward(a, *, axis):
    with np.errstate(over="ignore"):  # a − max ≤ 0: an overflow is −inf, and e^−inf = 0 exactly
        shifted = a - _slice_max(a, axis)
    e = np.exp(shifted)
    e /= _slice_sum(e, axis)
    return e


def _softmax_vjp(g, out, inputs, needs, xp, *, axis):
    """softmax(a)ᵢ = eᵃⁱ / Σ eᵃ;  ∂/∂a = s·(g − Σ g·s)"""
    return (out * (g - (g * out).sum(axis=axis, keepdims=True)),)


def _log_softmax_forward(a, *, axis):
    shifted = a - _slice_max(a, axis)
    with np.errstate(divide="ignore"):  # the sum is ≥ 1 (e⁰ at the max) unless the slice is empty
        return shifted - np.log(_slice_sum(np.exp(shifted), axis))


def _log_softmax_vjp(g, out, inputs, needs, xp, *, axis):
    """log_softmax(a) = a − logsumexp(a);  ∂/∂a = g − softmax(a)·Σ g"""
    return (g - xp.exp(out) * g.sum(axis=axis, keepdims=True),)


SUM = register("sum", _sum_forward, _sum_vjp, "∂/∂a = broadcast(g)")
MEAN = register("mean", _mean_forward, _mean_vjp, "∂/∂a = broadcast(g)/n")
MAX = register("max", _max_forward, _extremum_vjp, "∂/∂a = g at argmax (ties split)")
MIN = register("min", _min_forward, _extremum_vjp, "∂/∂a = g at argmin (ties split)")
LOGSUMEXP = register("logsumexp", _logsumexp_forward, _logsumexp_vjp, "∂/∂a = g·softmax(a)")
SOFTMAX = register("softmax", _softmax_forward, _softmax_vjp, "∂/∂a = s·(g − Σ g·s)")
LOG_SOFTMAX = register(
    "log_softmax", _log_softmax_forward, _log_softmax_vjp, "∂/∂a = g − softmax(a)·Σ g"
)
