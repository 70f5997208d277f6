"""Finite differences and quadrature with numpy's names and signatures: diff, ediff1d,
gradient, trapezoid.

All are composites of slicing (getitem), subtraction, multiplication, sum and concatenate,
so their gradients (in the values and in the sample coordinates) and JVPs come from those
ops; loops run over the difference order or the axes, never over elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..registry import TENSOR_FUNCTIONS
from ..tensor import ArrayLike, Tensor
from .args import as_int, as_tensor, floating, single_axis
from .expose import composite


def _along(ndim: int, axis: int, part: slice) -> tuple:
    """The index selecting `part` of `axis` (all of every other axis)."""
    return (slice(None),) * axis + (part,)


def _concatenate(parts: list[Tensor], axis: int) -> Tensor:
    return TENSOR_FUNCTIONS["concatenate"](parts, axis=axis)


# ---- diff, ediff1d ----------------------------------------------------------------------------
def _edge(value: Any, t: Tensor, axis: int, op: str) -> Tensor:
    """prepend/append: a scalar is broadcast to one slice along axis (numpy's rule)."""
    edge = as_tensor(value, t, op)
    if edge.ndim == 0:
        shape = t.shape[:axis] + (1,) + t.shape[axis + 1:]
        edge = TENSOR_FUNCTIONS["broadcast_to"](edge, shape)
    return edge


@composite("diff")
def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: Any = None,
         append: Any = None) -> Tensor:
    """diff(a; n, axis, prepend, append): the n-th forward difference a[i+1] − a[i] along axis;
    ∂/∂a is the negated difference of g (the transpose), zero-padded at both ends."""
    t = as_tensor(a, op="diff")
    n = as_int(n, "diff", "the order n")
    if n < 0:
        raise ValueError(f"diff: the order n must be non-negative, got {n}")
    if t.ndim == 0:
        raise ValueError("diff: needs an input with at least 1 dim, got a 0-d tensor")
    axis = single_axis(axis, t.ndim, "diff")
    parts = [t]
    if prepend is not None:
        parts.insert(0, _edge(prepend, t, axis, "diff"))
    if append is not None:
        parts.append(_edge(append, t, axis, "diff"))
    if len(parts) > 1:
        t = _concatenate(parts, axis)
    for _ in range(n):  # over the order, not over elements
        t = t[_along(t.ndim, axis, slice(1, None))] - t[_along(t.ndim, axis, slice(None, -1))]
    return t


@composite("ediff1d")
def ediff1d(ary: ArrayLike, to_end: Any = None, to_begin: Any = None) -> Tensor:
    """ediff1d(ary; to_end, to_begin): the differences of the flattened ary, with to_begin
    before and to_end after (each flattened, in ary's dtype as numpy does)."""
    t = as_tensor(ary, op="ediff1d").reshape(-1)
    parts = [t[1:] - t[:-1]]
    for value, where in ((to_begin, 0), (to_end, len(parts) + 1)):
        if value is not None:
            edge = as_tensor(value, t, "ediff1d").reshape(-1)
            if edge.dtype != t.dtype:
                edge = TENSOR_FUNCTIONS["astype"](edge, t.dtype)
            parts.insert(where, edge)
    return parts[0] if len(parts) == 1 else _concatenate(parts, 0)


# ---- trapezoid --------------------------------------------------------------------------------
def _promoted(t: Tensor, *others: Any) -> Tensor:
    """t in the common floating dtype of t and the Tensors among `others`."""
    dtype = np.result_type(t.dtype, *(o.dtype for o in others if isinstance(o, Tensor)))
    return t if dtype == t.dtype else TENSOR_FUNCTIONS["astype"](t, dtype)


@composite("trapezoid")
def trapezoid(y: ArrayLike, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Tensor:
    """trapezoid(y; x, dx, axis) = Σ_i (x[i+1] − x[i])·(y[i] + y[i+1])/2 along axis (spacing dx
    when x is None); differentiable in y, x and dx."""
    t = floating(as_tensor(y, op="trapezoid"))
    if t.ndim == 0:
        raise ValueError("trapezoid: y needs at least 1 dim, got a 0-d tensor")
    axis = single_axis(axis, t.ndim, "trapezoid")
    if x is None:
        step = as_tensor(dx, t, "trapezoid")
    else:
        xt = as_tensor(x, t, "trapezoid")
        if xt.ndim == 1:
            if xt.shape[0] != t.shape[axis]:
                raise ShapeError(f"trapezoid: x of shape {xt.shape} does not match y's axis "
                                 f"{axis} of length {t.shape[axis]}")
            step = diff(xt).reshape((-1,) + (1,) * (t.ndim - 1 - axis))  # along axis
        else:
            step = diff(xt, axis=axis)
    t = _promoted(t, step)  # float32 y with float64 x: sum in float64 (no rounding of y + y)
    upper = t[_along(t.ndim, axis, slice(1, None))]
    lower = t[_along(t.ndim, axis, slice(None, -1))]
    return (step * (upper + lower) / 2.0).sum(axis=axis)


# ---- gradient ---------------------------------------------------------------------------------
def _spacings(varargs: Sequence[Any], axes: tuple[int, ...], t: Tensor) -> list[Any]:
    """One spacing per axis: a scalar step (float or 0-d Tensor) or a 1-d coordinate Tensor."""
    if len(varargs) == 0:
        return [1.0] * len(axes)
    if len(varargs) == 1 and len(axes) > 1 and np.ndim(_value(varargs[0])) == 0:
        varargs = list(varargs) * len(axes)
    if len(varargs) != len(axes):
        raise TypeError(f"gradient: expected 0, 1 or {len(axes)} spacings (one per axis), got "
                        f"{len(varargs)}")
    out: list[Any] = []
    for spacing, axis in zip(varargs, axes):
        if np.ndim(_value(spacing)) == 0:
            out.append(spacing if isinstance(spacing, Tensor) else float(spacing))
            continue
        coords = as_tensor(spacing, t, "gradient")
        if coords.ndim != 1 or coords.shape[0] != t.shape[axis]:
            raise ShapeError(f"gradient: coordinates of shape {coords.shape} for axis {axis} "
                             f"must be 1-d of length {t.shape[axis]}")
        out.append(coords)
    return out


def _value(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _one_axis(t: Tensor, axis: int, spacing: Any, edge_order: int) -> Tensor:
    """∂t/∂x along one axis: central differences inside, one-sided at the two ends."""
    nd = t.ndim

    def part(start: int | None, stop: int | None) -> Tensor:
        return t[_along(nd, axis, slice(start, stop))]

    def column(v: Tensor) -> Tensor:  # (k,) coefficients broadcast along `axis`
        return v.reshape((-1,) + (1,) * (nd - 1 - axis))

    if not isinstance(spacing, Tensor) or spacing.ndim == 0:  # uniform step h
        h = spacing
        inside = (part(2, None) - part(None, -2)) / (2.0 * h)
        if edge_order == 1:
            first = (part(1, 2) - part(0, 1)) / h
            last = (part(-1, None) - part(-2, -1)) / h
        else:
            first = (-1.5 * part(0, 1) + 2.0 * part(1, 2) - 0.5 * part(2, 3)) / h
            last = (0.5 * part(-3, -2) - 2.0 * part(-2, -1) + 1.5 * part(-1, None)) / h
        return _concatenate([first, inside, last], axis)
    dx = diff(spacing)  # (n − 1,) steps between coordinates
    d1, d2 = dx[:-1], dx[1:]
    a = column(-d2 / (d1 * (d1 + d2)))
    b = column((d2 - d1) / (d1 * d2))
    c = column(d1 / (d2 * (d1 + d2)))
    inside = a * part(None, -2) + b * part(1, -1) + c * part(2, None)
    if edge_order == 1:
        first = (part(1, 2) - part(0, 1)) / dx[0]
        last = (part(-1, None) - part(-2, -1)) / dx[-1]
    else:
        h1, h2 = dx[0], dx[1]
        first = (-(2.0 * h1 + h2) / (h1 * (h1 + h2)) * part(0, 1)
                 + (h1 + h2) / (h1 * h2) * part(1, 2) - h1 / (h2 * (h1 + h2)) * part(2, 3))
        h1, h2 = dx[-2], dx[-1]
        last = (h2 / (h1 * (h1 + h2)) * part(-3, -2) - (h1 + h2) / (h1 * h2) * part(-2, -1)
                + (2.0 * h2 + h1) / (h2 * (h1 + h2)) * part(-1, None))
    return _concatenate([first, inside, last], axis)


# several axes: numpy 2 returns a tuple of arrays, numpy 1 a list; the installed numpy's kind
_SEVERAL_AXES = tuple if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else list


@composite("gradient")
def gradient(f: ArrayLike, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """gradient(f, *spacing; axis, edge_order): ∂f/∂x_k by second-order central differences
    inside and first- or second-order one-sided differences at the ends (numpy's formulas, for
    uniform steps and for coordinate arrays); for several axes a tuple (numpy 2) or a list
    (numpy 1), as the installed numpy."""
    t = floating(as_tensor(f, op="gradient"))
    if t.ndim == 0:
        raise ValueError("gradient: needs an input with at least 1 dim, got a 0-d tensor")
    edge_order = as_int(edge_order, "gradient", "edge_order")
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    if axis is None:
        axes = tuple(range(t.ndim))
    else:  # in the order given (numpy's), each once
        axes = tuple(single_axis(k, t.ndim, "gradient")
                     for k in (axis if isinstance(axis, (tuple, list)) else (axis,)))
        if len(set(axes)) != len(axes):
            raise ValueError(f"gradient: repeated axis in {axis!r}")
    for k in axes:
        if t.shape[k] < edge_order + 1:
            raise ValueError(f"gradient: axis {k} of shape {t.shape} has {t.shape[k]} "
                             f"samples; edge_order={edge_order} needs at least {edge_order + 1}")
    spacings = _spacings(varargs, axes, t)
    t = _promoted(t, *spacings)  # float32 f with float64 coordinates: differences in float64
    out = [_one_axis(t, k, h, edge_order) for k, h in zip(axes, spacings)]
    return out[0] if len(out) == 1 else _SEVERAL_AXES(out)


__all__ = ["diff", "ediff1d", "gradient", "trapezoid"]
