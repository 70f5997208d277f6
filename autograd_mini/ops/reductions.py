"""Reductions and the normalised exponentials (softmax family): one block per op.

`axis` reaches a primitive normalised by its parse function: a sorted tuple of non-negative
ints, or None for all axes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .args import (
    Axis,
    as_tensor,
    floating,
    is_int,
    normalize_axis,
    real,
    refuse_torch_keywords,
    single_axis,
)
from .expose import composite, defop, parsed, publish


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
        return math.prod(shape)
    return math.prod(shape[i] for i in axis)


def _reduction_parse(op: str, empty_ok: bool = True):
    """parse(x, axis=None, keepdims=False) for a reduction named `op`."""
    def parse(x: Any, axis: Axis = None, keepdims: bool = False, **torch_style: Any) -> tuple:
        refuse_torch_keywords(op, torch_style)
        t = as_tensor(x, op=op)
        if op == "logsumexp":
            t = floating(t)
        axes = normalize_axis(axis, t.ndim, op)
        if not empty_ok and t.size == 0:
            reduced = range(t.ndim) if axes is None else axes
            if any(t.shape[a] == 0 for a in reduced):
                # (reducing (0, 3) over axis 1 is a fine (0,) result; over axis 0 it is not)
                raise ShapeError(f"{op}: cannot reduce an empty tensor of shape {t.shape} over "
                                 f"axis {axis}: an empty slice has no {op.removeprefix('a')}imum")
        return (t,), {"axis": axes, "keepdims": bool(keepdims)}

    parse.__name__ = f"{op}_arguments"
    return parse


SUM = defop(
    "sum", lambda a, *, axis, keepdims: np.add.reduce(a, axis=axis, keepdims=keepdims),
    lambda g, out, inputs, needs, xp, *, axis, keepdims: (
        _unreduce(g, inputs[0].shape, axis, keepdims, xp),),
    jvp=lambda t, out, inputs, xp, *, axis, keepdims: xp.sum(t[0], axis, keepdims),
    batch=lambda t, out, inputs, xp, *, axis, keepdims: xp.sum(  # the axes, past the batch's
        t[0], tuple(range(1, inputs[0].ndim + 1)) if axis is None else
        tuple(a + 1 for a in axis), keepdims),
    math="sum(a) = Σ a;  ∂/∂a = g broadcast over the summed axes",
    expose=[parsed("sum", _reduction_parse("sum"), method=True)],
)


def _mean_vjp(g, out, inputs, needs, xp, *, axis, keepdims):
    shape = inputs[0].shape
    return (_unreduce(g * (1.0 / max(_count(shape, axis), 1)), shape, axis, keepdims, xp),)


MEAN = defop(
    "mean", lambda a, *, axis, keepdims: np.mean(a, axis=axis, keepdims=keepdims), _mean_vjp,
    jvp=lambda t, out, inputs, xp, *, axis, keepdims: xp.mean(t[0], axis, keepdims),
    math="mean(a) = Σ a / n;  ∂/∂a = g/n broadcast over the averaged axes",
    expose=[parsed("mean", _reduction_parse("mean"), method=True)],
)


def _extremum_vjp(g, out, inputs, needs, xp, *, axis, keepdims):
    a = xp.value(inputs[0])
    kept = xp.value(out).reshape(_kept_shape(a.shape, axis))
    # The elements equal to the extremum share the gradient equally; where the extremum is
    # NaN (a NaN in the slice), only the NaN elements are "equal" to it, so the NaN gradient
    # stays on them instead of spreading over the whole slice.
    winners = (a == kept) | (np.isnan(a) & np.isnan(kept))
    share = winners / winners.sum(axis=axis, keepdims=True)  # ties split the gradient
    return (_unreduce(g, a.shape, axis, keepdims, xp) * share.astype(a.dtype, copy=False),)


def _extremum_jvp(t, out, inputs, xp, *, axis, keepdims):
    # Σ t·share over the reduced axes, share as in the VJP (ties split, NaN stays on NaN).
    a = xp.value(inputs[0])
    kept = xp.value(out).reshape(_kept_shape(a.shape, axis))
    winners = (a == kept) | (np.isnan(a) & np.isnan(kept))
    share = winners / winners.sum(axis=axis, keepdims=True)
    return xp.sum(t[0] * share.astype(a.dtype, copy=False), axis, keepdims)


MAX = defop(
    "max", lambda a, *, axis, keepdims: np.max(a, axis=axis, keepdims=keepdims), _extremum_vjp,
    jvp=_extremum_jvp,
    math="max(a);  ∂/∂a = g at the maximum (ties split the gradient)",
    expose=[parsed("max", _reduction_parse("max", empty_ok=False), method=True),
            parsed("amax", _reduction_parse("amax", empty_ok=False))],
)

MIN = defop(
    "min", lambda a, *, axis, keepdims: np.min(a, axis=axis, keepdims=keepdims), _extremum_vjp,
    jvp=_extremum_jvp,
    math="min(a);  ∂/∂a = g at the minimum (ties split the gradient)",
    expose=[parsed("min", _reduction_parse("min", empty_ok=False), method=True),
            parsed("amin", _reduction_parse("amin", empty_ok=False))],
)


def _others_product(out, a, axis, keepdims, xp):
    """∂prod/∂aᵢ: the product of the other elements of aᵢ's slice, never dividing by zero."""
    av = xp.value(a)
    zero = av == 0
    if not zero.any():
        return _unreduce(out, av.shape, axis, keepdims, xp) / a
    # With zeros, the product of the others is (the product of the zeros) · (the product of
    # the nonzeros) / aᵢ at a nonzero aᵢ, and at a zero: the product of the nonzeros (the
    # only zero), times the other zero (two zeros), or 0 (more). Each factor is written as a
    # function of `a`, so the second derivatives at zeros stay exact too.
    count = zero.sum(axis=axis, keepdims=True)
    safe = xp.where(zero, 1.0, a)  # the zeros replaced by ones: nonzero everywhere
    nonzero_product = xp.prod(safe, axis=axis, keepdims=True)
    zeros_product = xp.prod(xp.where(zero, a, 1.0), axis=axis, keepdims=True)  # 0 in value
    zeros_sum = xp.sum(xp.where(zero, a, 0.0), axis=axis, keepdims=True)  # 0 in value
    at_zero = (count == 1) + (count == 2) * (zeros_sum - a)  # zeros_sum − a: the other zero
    return nonzero_product * xp.where(zero, at_zero, zeros_product / safe)


PROD = defop(
    "prod", lambda a, *, axis, keepdims: np.multiply.reduce(a, axis=axis, keepdims=keepdims),
    lambda g, out, inputs, needs, xp, *, axis, keepdims: (
        _unreduce(g, inputs[0].shape, axis, keepdims, xp)
        * _others_product(out, inputs[0], axis, keepdims, xp),),
    jvp=lambda t, out, inputs, xp, *, axis, keepdims: xp.sum(
        t[0] * _others_product(out, inputs[0], axis, keepdims, xp), axis=axis,
        keepdims=keepdims),
    math="prod(a) = Π a;  ∂/∂aᵢ = g·Π_{j≠i} aⱼ (exact at zeros: no division)",
    expose=[parsed("prod", _reduction_parse("prod"), method=True)],
)


def _std_parse(x: Any, axis: Axis = None, keepdims: bool = False, ddof: float = 0,
               **torch_style: Any) -> tuple:
    refuse_torch_keywords("std", torch_style)
    t = floating(as_tensor(x, op="std"))
    axes = normalize_axis(axis, t.ndim, "std")
    ddof = ddof if is_int(ddof) else real(ddof, "std", "ddof")
    n = _count(t.shape, axes)
    if n - ddof <= 0:
        raise ValueError(f"std: {n} values with ddof={ddof} leave no degrees of freedom; "
                         "use a smaller ddof")
    return (t,), {"axis": axes, "keepdims": bool(keepdims), "ddof": ddof}


def _std_slope(out, a, axis, keepdims, ddof, xp):
    """∂std/∂aᵢ = (aᵢ − mean) / ((n − ddof)·std), and 0 where std = 0 (PyTorch's choice)."""
    n = _count(a.shape, axis)
    centered = a - a.sum(axis=axis, keepdims=True) * (1.0 / n)  # ndarray or Tensor method
    s = out if keepdims else out.reshape(_kept_shape(a.shape, axis))
    flat = xp.value(s) == 0  # a constant slice: no direction to prefer
    if not flat.any():
        return centered / ((n - ddof) * s)
    return centered * (~flat / ((n - ddof) * xp.where(flat, 1.0, s)))


STD = defop(
    "std", lambda a, *, axis, keepdims, ddof: np.std(a, axis=axis, ddof=ddof, keepdims=keepdims),
    lambda g, out, inputs, needs, xp, *, axis, keepdims, ddof: (
        _unreduce(g, inputs[0].shape, axis, keepdims, xp)
        * _std_slope(out, inputs[0], axis, keepdims, ddof, xp),),
    jvp=lambda t, out, inputs, xp, *, axis, keepdims, ddof: xp.sum(
        t[0] * _std_slope(out, inputs[0], axis, keepdims, ddof, xp), axis=axis,
        keepdims=keepdims),
    math="std(a) = √(Σ(a − mean)² / (n − ddof));  ∂/∂a = g·(a − mean) / ((n − ddof)·std), "
         "0 where std = 0",
    expose=[parsed("std", _std_parse, method=True)],
)


def _arg_extremum(name: str, numpy_fn: Any) -> None:
    """argmax/argmin: integer positions, published without a graph (not differentiable)."""
    def function(x: Any, axis: int | None = None, keepdims: bool = False,
                 **torch_style: Any) -> Tensor:
        refuse_torch_keywords(name, torch_style)
        t = as_tensor(x, op=name)
        a = None if axis is None else single_axis(axis, t.ndim, name)
        if t.size == 0 and (a is None or t.shape[a] == 0):
            raise ShapeError(f"{name}: the tensor of shape {t.shape} has an empty slice over "
                             f"axis {axis}; an empty slice has no position to return")
        return Tensor._make(np.asarray(numpy_fn(t.data, axis=a, keepdims=bool(keepdims))),
                            False)

    def method(self: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return function(self, axis, keepdims)

    function.__name__ = function.__qualname__ = method.__name__ = method.__qualname__ = name
    function.__doc__ = method.__doc__ = (f"{name}(a; axis): the integer position of the "
                                         f"{name[3:]}imum (not differentiable)")
    publish(name, function, numpy_fn)
    setattr(Tensor, name, method)


_arg_extremum("argmax", np.argmax)
_arg_extremum("argmin", np.argmin)


@composite("var", method=True)
def var(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """var(a) = Σ(a − mean)² / (n − ddof), composed from mean, mul and sum."""
    t = as_tensor(x, op="var")
    axes = normalize_axis(axis, t.ndim, "var")
    n = t.size if axes is None else int(np.prod([t.shape[i] for i in axes]))
    if n - ddof <= 0:
        raise ValueError(f"var: {n} values with ddof={ddof} leave no degrees of freedom")
    centered = t - t.mean(axes, keepdims=True)
    squares = (centered * centered).sum(axes, keepdims)
    return squares * (1.0 / (n - ddof))


@composite("average")
def average(a: Any, axis: Axis = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """average(a; axis, weights) = Σ w·a / Σ w (the mean without weights); `returned` adds
    Σ w. Differentiable in a and in the weights. A 1-d weights vector runs along one axis."""
    t = floating(as_tensor(a, op="average"))
    if weights is None:
        avg = t.mean(normalize_axis(axis, t.ndim, "average"), keepdims=keepdims)
        if not returned:
            return avg
        axes = normalize_axis(axis, t.ndim, "average")
        count = t.size if axes is None else int(np.prod([t.shape[i] for i in axes]))
        return avg, Tensor(np.full(avg.shape, count, dtype=avg.dtype))
    w = floating(as_tensor(weights, t, "average"))
    if w.shape != t.shape:
        if axis is None:
            raise ShapeError(f"average: weights of shape {w.shape} differ from a's {t.shape}; "
                             "pass axis for 1-d weights")
        if w.ndim != 1 or not is_int(axis):
            raise ShapeError(f"average: weights of shape {w.shape} must equal a's shape "
                             f"{t.shape}, or be 1-d along one int axis (got axis={axis!r})")
        along = single_axis(axis, t.ndim, "average")
        if w.shape[0] != t.shape[along]:
            raise ShapeError(f"average: weights of length {w.shape[0]} do not match axis "
                             f"{along} of a's shape {t.shape}")
        w = w.reshape((-1,) + (1,) * (t.ndim - 1 - along))  # broadcast along `axis`
    axes = normalize_axis(axis, t.ndim, "average")
    total = (w * t).sum(axes, keepdims)
    scale = (w + t * 0.0).sum(axes, keepdims)  # Σ w over the reduced axes, a's shape kept
    if np.any(scale.data == 0):
        raise ZeroDivisionError("average: the weights sum to zero along the averaged axes; "
                                "they cannot be normalized")
    avg = total / scale
    return (avg, scale) if returned else avg


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
    (a,) = inputs
    lse = _unreduce(out, a.shape, axis, keepdims, xp)
    return (_unreduce(g, a.shape, axis, keepdims, xp) * xp.exp(a - lse),)


def _logsumexp_jvp(t, out, inputs, xp, *, axis, keepdims):
    (a,) = inputs
    lse = _unreduce(out, a.shape, axis, keepdims, xp)
    return xp.sum(t[0] * xp.exp(a - lse), axis, keepdims)  # Σ t·softmax(a)


LOGSUMEXP = defop(
    "logsumexp", _logsumexp_forward, _logsumexp_vjp, jvp=_logsumexp_jvp,
    math="logsumexp(a) = ln Σ eᵃ;  ∂/∂a = g·softmax(a)",
    expose=[parsed("logsumexp", _reduction_parse("logsumexp"), method=True)],
)


def _axis_parse(op: str):
    """parse(x, axis=-1) for the softmax family: one axis."""
    def parse(x: Any, axis: int = -1, **torch_style: Any) -> tuple:
        refuse_torch_keywords(op, torch_style)
        t = floating(as_tensor(x, op=op))
        return (t,), {"axis": single_axis(axis, t.ndim, op)}

    parse.__name__ = f"{op}_arguments"
    return parse


def _softmax_forward(a, *, axis):
    with np.errstate(over="ignore"):  # a − max ≤ 0: an overflow is −inf, and e^−inf = 0 exactly
        shifted = a - _slice_max(a, axis)
    e = np.exp(shifted)
    e /= _slice_sum(e, axis)
    return e


SOFTMAX = defop(
    "softmax", _softmax_forward,
    lambda g, out, inputs, needs, xp, *, axis: (
        out * (g - (g * out).sum(axis=axis, keepdims=True)),),
    jvp=lambda t, out, inputs, xp, *, axis: out * (t[0] - (t[0] * out).sum(axis=axis,
                                                                             keepdims=True)),
    math="softmax(a)ᵢ = eᵃⁱ / Σ eᵃ;  ∂/∂a = s·(g − Σ g·s)",
    expose=[parsed("softmax", _axis_parse("softmax"), method=True,
                   on_arrays=lambda a, axis=-1: _softmax_forward(a, axis=axis))],
)


def _log_softmax_forward(a, *, axis):
    shifted = a - _slice_max(a, axis)
    with np.errstate(divide="ignore"):  # the sum is ≥ 1 (e⁰ at the max) unless the slice is empty
        return shifted - np.log(_slice_sum(np.exp(shifted), axis))


LOG_SOFTMAX = defop(
    "log_softmax", _log_softmax_forward,
    lambda g, out, inputs, needs, xp, *, axis: (
        g - xp.exp(out) * g.sum(axis=axis, keepdims=True),),
    jvp=lambda t, out, inputs, xp, *, axis: t[0] - (xp.exp(out) * t[0]).sum(axis=axis,
                                                                            keepdims=True),
    math="log_softmax(a) = a − logsumexp(a);  ∂/∂a = g − softmax(a)·Σ g",
    expose=[parsed("log_softmax", _axis_parse("log_softmax"), method=True)],
)


