"""Sorting and order statistics: sort, argsort, quantile, median.

The differentiable ones pick elements by position: numpy finds the positions (argsort,
argpartition; not differentiable), then `gather_along_axis` takes the values, and its VJP
scatters the gradient back to the elements it took (PyTorch's rule for sort, median and
quantile: the gradient goes to the selected elements, split for interpolation).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import apply
from ..errors import ShapeError
from ..forward import forward_active
from ..grad_mode import STATE
from ..tensor import Tensor
from .args import Axis, as_tensor, floating, normalize_axis, refuse_torch_keywords, single_axis
from .expose import composite, defop, parsed, publish


# ---- taking and putting back elements along an axis ------------------------------------------
def _scatter_forward(g, *, index, axis, shape, unique):
    """zeros(shape) with g put at `index` along `axis`; repeated positions accumulate."""
    grad = np.zeros(shape, dtype=g.dtype)
    if unique:  # a permutation or one position per slice: plain assignment is exact
        np.put_along_axis(grad, index, g, axis)
    else:
        where = list(np.ix_(*[np.arange(n) for n in index.shape]))
        where[axis] = index
        np.add.at(grad, tuple(where), g)
    return grad


def _gather_parse(x: Any, index: np.ndarray, axis: int, unique: bool) -> tuple:
    return (as_tensor(x, op="gather_along_axis"),), {"index": index, "axis": axis,
                                                      "unique": unique}


def _scatter_parse(g: Any, index: np.ndarray, axis: int, shape: tuple[int, ...],
                   unique: bool) -> tuple:
    return (as_tensor(g, op="scatter_along_axis"),), {"index": index, "axis": axis,
                                                       "shape": shape, "unique": unique}


GATHER_ALONG_AXIS = defop(
    "gather_along_axis",
    lambda a, *, index, axis, unique: np.take_along_axis(a, index, axis),
    lambda g, out, inputs, needs, xp, *, index, axis, unique: (
        xp.scatter_along_axis(g, index=index, axis=axis, shape=inputs[0].shape,
                              unique=unique),),
    jvp=lambda t, out, inputs, xp, *, index, axis, unique: xp.gather_along_axis(
        t[0], index=index, axis=axis, unique=unique),
    math="gather(a; i, axis) = take_along_axis(a, i);  ∂/∂a = g put back at i",
    expose=[parsed("gather_along_axis", _gather_parse, internal=True,
                   on_arrays=lambda a, index, axis, unique: np.take_along_axis(a, index, axis))],
)

SCATTER_ALONG_AXIS = defop(
    "scatter_along_axis", _scatter_forward,
    lambda gg, out, inputs, needs, xp, *, index, axis, shape, unique: (
        xp.gather_along_axis(gg, index=index, axis=axis, unique=unique),),
    jvp=lambda t, out, inputs, xp, *, index, axis, shape, unique: xp.scatter_along_axis(
        t[0], index=index, axis=axis, shape=shape, unique=unique),
    math="scatter(g; i, axis, shape) = zeros(shape) with g added at i;  ∂/∂g = gg taken at i",
    expose=[parsed("scatter_along_axis", _scatter_parse, internal=True,
                   on_arrays=lambda g, index, axis, shape, unique: _scatter_forward(
                       g, index=index, axis=axis, shape=shape, unique=unique))],
)


# ---- sort and argsort ------------------------------------------------------------------------
_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def _sort_axis(t: Tensor, axis: int | None, kind: Any, op: str) -> tuple[Tensor, int]:
    """(the tensor to sort, its axis): axis=None sorts the flattened tensor, as numpy."""
    if kind not in _KINDS:
        raise ValueError(f"{op}: kind must be one of {_KINDS}, got {kind!r}")
    if axis is None:
        return t.reshape(-1), 0
    return t, single_axis(axis, t.ndim, op)


def argsort(x: Any, axis: int | None = -1, kind: str | None = None, **torch_style: Any
            ) -> Tensor:
    """argsort(a; axis): the positions that sort `a` along axis (integers, not differentiable);
    NaNs sort last, as in numpy."""
    refuse_torch_keywords("argsort", torch_style)
    t, a = _sort_axis(as_tensor(x, op="argsort"), axis, kind, "argsort")
    return Tensor._make(np.argsort(t.data, axis=a, kind=kind), False)


def _argsort_method(self: Tensor, axis: int | None = -1, kind: str | None = None) -> Tensor:
    return argsort(self, axis, kind)


_argsort_method.__name__ = _argsort_method.__qualname__ = "argsort"
_argsort_method.__doc__ = argsort.__doc__
publish("argsort", argsort, np.argsort)
Tensor.argsort = _argsort_method  # type: ignore[attr-defined]


@composite("sort", method=True)
def sort(x: Any, axis: int | None = -1, kind: str | None = None, **torch_style: Any
         ) -> Tensor:
    """sort(a; axis): a sorted along axis (NaNs last); ∂/∂a = g put back through the
    permutation. `x.sort()` returns a new tensor (numpy's sorts in place)."""
    refuse_torch_keywords("sort", torch_style)
    t, a = _sort_axis(as_tensor(x, op="sort"), axis, kind, "sort")
    if not (t.requires_grad and STATE.grad_enabled) and not forward_active():
        # no graph and no tangents to carry: numpy's sort, 3× faster
        return Tensor._make(np.sort(t.data, axis=a, kind=kind), False)  # than argsort+take
    order = np.argsort(t.data, axis=a, kind=kind)
    return apply(GATHER_ALONG_AXIS, (t,), {"index": order, "axis": a, "unique": True})


# ---- quantile and median ---------------------------------------------------------------------
def _positions(q: np.ndarray, n: int, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For quantiles q of n sorted values: the lower and upper ranks and the weight of the
    upper one (numpy's definitions of each method)."""
    virtual = q * (n - 1)
    lower = np.floor(virtual).astype(np.intp)
    upper = np.minimum(lower + 1, n - 1)
    if method == "linear":
        weight = virtual - lower
    elif method == "lower":
        weight = np.zeros_like(virtual)
    elif method == "higher":
        weight = (virtual > lower).astype(np.float64)
    elif method == "midpoint":
        weight = np.where(virtual > lower, 0.5, 0.0)
    else:  # nearest: round half to even, as numpy
        weight = (np.around(virtual) > lower).astype(np.float64)
    return lower, upper, weight


_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


@composite("quantile")
def quantile(x: Any, q: Any, axis: Axis = None, keepdims: bool = False, *,
             method: str = "linear", **torch_style: Any) -> Tensor:
    """quantile(a, q; axis): the q-th quantiles along axis, shape q.shape + the reduced shape;
    ∂/∂a = g to the selected elements, split between the two neighbours by the interpolation
    weight (as PyTorch). A slice with a NaN gives NaN (its gradient goes to the NaN)."""
    refuse_torch_keywords("quantile", torch_style)
    if isinstance(q, Tensor) and q.requires_grad and STATE.grad_enabled:
        raise TypeError("quantile: q is a tensor that requires grad, but quantile does not "
                        "differentiate with respect to q (its gradient would be dropped); "
                        "pass q.detach() or plain numbers")
    qs = np.asarray(q.data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.size and not (np.all(qs >= 0) and np.all(qs <= 1)):
        raise ValueError(f"quantile: q must lie in [0, 1], got {q!r}")
    if method not in _METHODS:
        raise ValueError(f"quantile: method must be one of {_METHODS}, got {method!r}")
    return _order_statistics(x, qs, axis, keepdims, method, "quantile")


@composite("median")
def median(x: Any, axis: Axis = None, keepdims: bool = False, **torch_style: Any) -> Tensor:
    """median(a; axis): the middle value, or the mean of the two middle values (as numpy);
    ∂/∂a = g to the middle element(s)."""
    refuse_torch_keywords("median", torch_style)
    return _order_statistics(x, np.asarray(0.5), axis, keepdims, "linear", "median")


def _order_statistics(x: Any, qs: np.ndarray, axis: Axis, keepdims: bool, method: str,
                      op: str) -> Tensor:
    """The quantiles qs of x over axis (shape qs.shape + the reduced shape), for `op`."""
    t = floating(as_tensor(x, op=op))
    axes = normalize_axis(axis, t.ndim, op)
    reduced = tuple(range(t.ndim)) if axes is None else axes
    kept = tuple(i for i in range(t.ndim) if i not in reduced)
    n = int(np.prod([t.shape[i] for i in reduced], dtype=np.int64))
    if n == 0:
        raise ShapeError(f"{op}: cannot take the {op} of an empty slice (shape {t.shape}, "
                         f"axis {axis})")
    rest = tuple(t.shape[i] for i in kept)
    work = t  # the reduced axes moved last and joined: (rest..., n)
    if kept + reduced != tuple(range(t.ndim)):
        work = work.transpose(kept + reduced)
    if work.shape != rest + (n,):
        work = work.reshape(rest + (n,))
    lower, upper, weight = _positions(qs.reshape(-1), n, method)
    # argpartition puts these ranks in place in O(n); rank n − 1 holds a NaN if the slice has one
    order = np.argpartition(work.data, np.unique(np.r_[lower, upper, n - 1]), axis=-1)
    last = order[..., -1:]
    has_nan = np.isnan(np.take_along_axis(work.data, last, -1))  # (rest..., 1)
    unique = qs.size <= 1
    low = apply(GATHER_ALONG_AXIS, (work,), {
        "index": np.where(has_nan, last, order[..., lower]), "axis": -1 % work.ndim,
        "unique": unique})
    result = low
    if np.any(weight):  # interpolate toward the upper neighbour
        high = apply(GATHER_ALONG_AXIS, (work,), {
            "index": np.where(has_nan, last, order[..., upper]), "axis": -1 % work.ndim,
            "unique": unique})
        result = low + (high - low) * weight.astype(t.dtype)
    # (rest..., k) -> (k, rest...) -> q.shape + the output shape
    if result.ndim > 1:
        result = result.transpose((result.ndim - 1,) + tuple(range(result.ndim - 1)))
    out_shape = rest
    if keepdims:
        out_shape = tuple(1 if i in reduced else t.shape[i] for i in range(t.ndim))
    return result.reshape(qs.shape + out_shape)


# ---- partition -------------------------------------------------------------------------------
@composite("partition")
def partition(x: Any, kth: int | Any, axis: int | None = -1, kind: str = "introselect",
              order: None = None) -> Tensor:
    """partition(a; kth, axis): a reordered along axis so position kth holds the value a sorted
    array has there, smaller ones before it and larger after (numpy's arrangement);
    ∂/∂a = g put back through the permutation."""
    if kind != "introselect" or order is not None:
        raise ValueError(f"partition: only kind='introselect' and order=None are supported, "
                         f"got kind={kind!r}, order={order!r}")
    t = as_tensor(x, op="partition")
    t, a = (t.reshape(-1), 0) if axis is None else (t, single_axis(axis, t.ndim, "partition"))
    try:
        index = np.argpartition(t.data, kth, axis=a)  # (..., n, ...) like t
    except (ValueError, TypeError) as error:
        raise ValueError(f"partition: kth={kth!r} does not fit axis {a} of length "
                         f"{t.shape[a] if t.ndim else 0}: {error}") from None
    return apply(GATHER_ALONG_AXIS, (t,), {"index": index, "axis": a, "unique": True})
