"""Op-table rows for numpy's finite differences, quadrature, cross product, weighted average
and 1-d convolution (autograd_mini/ops/calculus.py, cross.py, convolve.py, reductions.py's
average). Every input is a leaf that requires grad: sample coordinates, weights, prepended
values and both convolution operands are differentiated too. Coordinates are increasing with
gaps of at least 0.3; weights are positive, so no denominator comes near zero."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_table import POSITIVE, REAL, Case, Op, ShapeStrategy

import autograd_mini as am
from autograd_mini import testing as amt


def _torch():
    import torch

    return torch


def _axis_of(draw: Any, shape: tuple[int, ...]) -> int:
    return draw(st.integers(-len(shape), len(shape) - 1))


def _coordinates(draw: Any, n: int) -> np.ndarray:
    gaps = draw(amt.arrays((n,), domain="positive", margin=0.3)) if n else np.zeros(0)
    return np.cumsum(np.minimum(gaps, 2.0)) - 1.0


# ---- diff, ediff1d -------------------------------------------------------------------------
@st.composite
def _diff_case(draw: Any, base: ShapeStrategy) -> Case:
    shape = draw(base)
    axis = _axis_of(draw, shape)
    n = draw(st.integers(0, min(2, max(shape[axis] - 1, 0))))
    return Case((draw(REAL(shape)),), {"n": n, "axis": axis})


@st.composite
def _diff_edges_case(draw: Any, base: ShapeStrategy) -> Case:
    shape = draw(base)
    axis = _axis_of(draw, shape)
    edge = shape[:axis % len(shape)] + (1,) + shape[axis % len(shape) + 1:]
    arrays = (draw(REAL(shape)), draw(REAL(edge)), draw(REAL(edge)))
    return Case(arrays, {"axis": axis})


def _t_diff(a, n, axis):
    return _torch().diff(a, n=n, dim=axis) if n else a


def _t_diff_edges(a, prepend, append, axis):
    return _torch().diff(a, dim=axis, prepend=prepend, append=append)


@st.composite
def _ediff1d_case(draw: Any, base: ShapeStrategy) -> Case:
    """to_begin and to_end are constants here (numpy casts them to ary's dtype);
    tests/test_ops_calculus.py differentiates them."""
    shape = draw(base)
    return Case((draw(REAL(shape)),), {"to_begin": draw(REAL((2,))), "to_end": 0.5})


def _t_ediff1d(a, to_begin, to_end):
    torch = _torch()
    begin = torch.tensor(to_begin, dtype=a.dtype)
    end = torch.tensor([to_end], dtype=a.dtype)
    return torch.cat([begin, torch.diff(a.reshape(-1)), end])


# ---- trapezoid -----------------------------------------------------------------------------
@st.composite
def _trapezoid_dx_case(draw: Any, base: ShapeStrategy) -> Case:
    shape = draw(base)
    return Case((draw(REAL(shape)),), {"dx": draw(st.sampled_from([1.0, 0.25, -0.5])),
                                       "axis": _axis_of(draw, shape)})


@st.composite
def _trapezoid_x_case(draw: Any, base: ShapeStrategy) -> Case:
    shape = draw(base)
    axis = _axis_of(draw, shape)
    return Case((draw(REAL(shape)), _coordinates(draw, shape[axis])), {"axis": axis})


def _t_trapezoid_dx(y, dx, axis):
    return _torch().trapezoid(y, dx=dx, dim=axis)


def _t_trapezoid_x(y, x, axis):
    return _torch().trapezoid(y, x, dim=axis)


def _trapezoid_x_ref(y, x, axis):
    return np.trapezoid(y, x, axis=axis)


# ---- gradient ------------------------------------------------------------------------------
def _long_enough(draw: Any, base: ShapeStrategy, edge_order: int) -> tuple[tuple, int]:
    """A shape whose chosen axis has at least edge_order + 1 samples."""
    shape = list(draw(base))
    axis = _axis_of(draw, tuple(shape))
    shape[axis] = max(shape[axis], edge_order + 1 + draw(st.integers(0, 2)))
    return tuple(shape), axis


@st.composite
def _gradient_uniform_case(draw: Any, base: ShapeStrategy) -> Case:
    edge_order = draw(st.sampled_from([1, 2]))
    shape, axis = _long_enough(draw, base, edge_order)
    spacing = draw(st.sampled_from([1.0, 0.5, -2.0]))
    return Case((draw(REAL(shape)),), {"spacing": spacing, "axis": axis,
                                       "edge_order": edge_order})


@st.composite
def _gradient_coordinates_case(draw: Any, base: ShapeStrategy) -> Case:
    edge_order = draw(st.sampled_from([1, 2]))
    shape, axis = _long_enough(draw, base, edge_order)
    coords = _coordinates(draw, shape[axis])
    return Case((draw(REAL(shape)), coords), {"axis": axis, "edge_order": edge_order})


def _gradient_uniform(f, spacing, axis, edge_order):
    return am.gradient(f, spacing, axis=axis, edge_order=edge_order)


def _gradient_uniform_ref(f, spacing, axis, edge_order):
    return np.gradient(f, spacing, axis=axis, edge_order=edge_order)


def _t_gradient_uniform(f, spacing, axis, edge_order):
    return _torch().gradient(f, spacing=spacing, dim=axis, edge_order=edge_order)[0]


def _gradient_coordinates(f, x, axis, edge_order):
    return am.gradient(f, x, axis=axis, edge_order=edge_order)


def _gradient_coordinates_ref(f, x, axis, edge_order):
    return np.gradient(f, x, axis=axis, edge_order=edge_order)


def _t_gradient_coordinates(f, x, axis, edge_order):
    return _torch().gradient(f, spacing=(x,), dim=axis, edge_order=edge_order)[0]


# ---- cross ---------------------------------------------------------------------------------
@st.composite
def _cross_case(draw: Any, base: ShapeStrategy) -> Case:
    result = draw(base)[:2]
    sa, sb = draw(amt.broadcast_operand(result)), draw(amt.broadcast_operand(result))
    return Case((draw(REAL(sa + (3,))), draw(REAL(sb + (3,)))))


def _t_cross(a, b):
    torch = _torch()
    shape = torch.broadcast_shapes(a.shape, b.shape)
    return torch.linalg.cross(a.expand(shape), b.expand(shape))


# ---- average -------------------------------------------------------------------------------
@st.composite
def _average_case(draw: Any, base: ShapeStrategy) -> Case:
    shape = draw(base)
    axis = draw(amt.valid_axes(shape))
    return Case((draw(REAL(shape)), draw(POSITIVE(shape))), {"axis": axis})


@st.composite
def _average_1d_case(draw: Any, base: ShapeStrategy) -> Case:
    shape = draw(base)
    axis = _axis_of(draw, shape)
    return Case((draw(REAL(shape)), draw(POSITIVE((shape[axis],)))), {"axis": axis})


def _average(a, w, axis):
    return am.average(a, axis=axis, weights=w)


def _average_ref(a, w, axis):
    return np.average(a, axis=axis, weights=w)


def _t_average(a, w, axis):
    dims = tuple(range(a.ndim)) if axis is None else axis
    if w.ndim == 1 and a.ndim > 1:
        w = w.reshape((-1,) + (1,) * (a.ndim - 1 - axis % a.ndim))
    w = w.expand(a.shape)
    return (a * w).sum(dim=dims) / w.sum(dim=dims)


# ---- convolve ------------------------------------------------------------------------------
@st.composite
def _convolve_case(draw: Any, base: ShapeStrategy) -> Case:
    n, m = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    mode = draw(st.sampled_from(["full", "same", "valid"]))
    return Case((draw(REAL((n,))), draw(REAL((m,)))), {"mode": mode})


def _t_convolve(a, v, mode):
    """Σ_i a[i] v[k − i] as an index_add of the outer product over i + j = k."""
    torch = _torch()
    n, m = a.shape[0], v.shape[0]
    k = (torch.arange(n)[:, None] + torch.arange(m)[None, :]).reshape(-1)
    full = torch.zeros(n + m - 1, dtype=a.dtype).index_add(0, k, (a[:, None] * v).reshape(-1))
    long, short = max(n, m), min(n, m)
    if mode == "same":
        return full[(short - 1) // 2:(short - 1) // 2 + long]
    return full[short - 1:long] if mode == "valid" else full


ROWS: list[Op] = [
    Op("diff", am.diff, np.diff, 1, _diff_case, torch=_t_diff, min_dims=1),
    Op("diff[prepend, append]", lambda a, p, q, axis: am.diff(a, axis=axis, prepend=p, append=q),
       lambda a, p, q, axis: np.diff(a, axis=axis, prepend=p, append=q), 3, _diff_edges_case,
       torch=_t_diff_edges, min_dims=1),
    Op("ediff1d", am.ediff1d, np.ediff1d, 1, _ediff1d_case, torch=_t_ediff1d),
    Op("trapezoid[dx]", am.trapezoid, np.trapezoid, 1, _trapezoid_dx_case,
       torch=_t_trapezoid_dx, min_dims=1),
    Op("trapezoid[x]", lambda y, x, axis: am.trapezoid(y, x, axis=axis), _trapezoid_x_ref, 2,
       _trapezoid_x_case, torch=_t_trapezoid_x, min_dims=1),
    Op("gradient[uniform]", _gradient_uniform, _gradient_uniform_ref, 1,
       _gradient_uniform_case, torch=_t_gradient_uniform, min_dims=1),
    Op("gradient[coordinates]", _gradient_coordinates, _gradient_coordinates_ref, 2,
       _gradient_coordinates_case, torch=_t_gradient_coordinates, min_dims=1),
    Op("cross", am.cross, np.cross, 2, _cross_case, torch=_t_cross),
    Op("average", _average, _average_ref, 2, _average_case, torch=_t_average),
    Op("average[1-d weights]", _average, _average_ref, 2, _average_1d_case, torch=_t_average,
       min_dims=1),
    Op("convolve", am.convolve, np.convolve, 2, _convolve_case, torch=_t_convolve),
]
