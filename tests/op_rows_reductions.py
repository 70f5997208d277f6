"""Op-table rows for issue 13's reductions, scans and sorting: prod, std, amax/amin, cumsum,
cumprod, sort, median, quantile and norm (argmax/argmin/argsort are integer-valued and not
differentiable: tests/test_ops_reduction_edges.py checks them)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_table import REAL, Case, Op, _reduce_params, _var_params, unary

import autograd_mini as am
from autograd_mini import testing as amt


# ---- inputs ----------------------------------------------------------------------------------
def _near_one(shape):
    """Magnitudes in [0.7, 1.3], either sign: products of 256 of them stay finite in float32."""
    magnitude = st.floats(0.7, 1.3)
    return hnp.arrays(np.float64, shape, elements=st.one_of(magnitude, magnitude.map(lambda v: -v)))


@st.composite
def _with_zeros(draw, shape):
    """Near-one values with some set to exactly 0 (none, one, two or more zeros per slice)."""
    x = draw(_near_one(shape))
    return np.where(draw(hnp.arrays(np.bool_, shape)), 0.0, x)


@st.composite
def _signed_distinct(draw, shape):
    """Values whose magnitudes are distinct and at least 0.1 (no ties in |x|, no abs kink)."""
    magnitude = draw(amt.distinct_values(shape, low=0.1))
    return magnitude * np.where(draw(hnp.arrays(np.bool_, shape)), -1.0, 1.0)


def _scan_axis(shape):
    axis = amt.valid_axes(shape, allow_tuple=False)
    return axis.map(lambda a: {"axis": a})


def _quantile_params(shape):
    q = st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0, (0.1, 0.5, 0.75), ((0.2,), (0.6,))])
    return st.fixed_dictionaries({"q": q, "axis": amt.valid_axes(shape),
                                  "keepdims": st.booleans()})


# (ord=0, the count of nonzeros, has a zero gradient where torch gives none: see the edge test)
_VECTOR_ORDS = [None, 2, 1, 3, 0.5, np.inf, -np.inf]


def _vector_norm_params(shape):
    if not shape:  # a 0-d tensor: only the norm of all elements
        return st.just({"ord": None, "axis": None, "keepdims": False})
    return st.fixed_dictionaries({"ord": st.sampled_from(_VECTOR_ORDS),
                                  "axis": st.integers(-len(shape), len(shape) - 1),
                                  "keepdims": st.booleans()})


@st.composite
def _matrix_case(draw, base):
    """A matrix whose |x| row sums and column sums all differ (no ties for the 1 and ∞ norms):
    100·i + 10·j dominates the distinct base values, which span less than 10."""
    sides = list(draw(base)) + [3, 2]
    rows, cols = max(sides[0], 1), max(sides[1], 1)
    base_values = draw(amt.distinct_values((rows, cols), low=0.1))
    grid = 100.0 * np.arange(rows)[:, None] + 10.0 * np.arange(cols)
    signs = np.where(draw(hnp.arrays(np.bool_, (rows, cols))), -1.0, 1.0)
    params = {"ord": draw(st.sampled_from([None, "fro", 1, -1, np.inf, -np.inf])),
              "axis": draw(st.sampled_from([None, (0, 1), (1, 0), (-2, -1), (-1, 0)])),
              "keepdims": draw(st.booleans())}
    return Case((signs * (base_values + grid),), params)


# ---- torch adapters ----------------------------------------------------------------------------
def _torch():
    import torch

    return torch


def _dims(x, axis):
    return tuple(range(x.ndim)) if axis is None else tuple(np.atleast_1d(axis) % max(x.ndim, 1))


def _t_prod(x, axis, keepdims):
    """torch.prod reduces one dim at a time."""
    dims = sorted(_dims(x, axis), reverse=True)
    for d in dims:
        x = _torch().prod(x, dim=d, keepdim=True)
    return x if keepdims else x.reshape([n for i, n in enumerate(x.shape) if i not in dims])


def _t_scan(name):
    def scan(x, axis):
        if axis is None:
            x, axis = x.reshape(-1), 0
        return getattr(_torch(), name)(x, dim=axis)

    return scan


def _t_quantile(x, q, axis, keepdims):
    """torch.quantile over one dim: the reduced axes are moved last and joined first."""
    torch = _torch()
    dims = _dims(x, axis)
    rest = [i for i in range(x.ndim) if i not in dims]
    joined = x.permute(rest + list(dims)).reshape([x.shape[i] for i in rest] + [-1])
    qs = np.asarray(q, dtype=np.float64)
    out = torch.quantile(joined, torch.tensor(qs.reshape(-1)), dim=-1)  # (k, rest...)
    shape = [1 if i in dims else n for i, n in enumerate(x.shape)] if keepdims else \
        [x.shape[i] for i in rest]
    return out.reshape(list(qs.shape) + shape)


def _t_sort(x, axis):
    if axis is None:
        x, axis = x.reshape(-1), 0
    return _torch().sort(x, dim=axis).values


def _t_norm(x, ord, axis, keepdims):  # noqa: A002
    torch = _torch()
    if axis is None and ord is None:
        return torch.linalg.vector_norm(x, keepdim=keepdims)
    return torch.linalg.norm(x, ord, dim=axis, keepdim=keepdims)


@st.composite
def _partition_params(draw, shape):
    axis = draw(st.integers(-len(shape), len(shape) - 1)) if shape else None
    n = shape[axis] if shape else 1
    kth = draw(st.integers(0, n - 1) | st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    return {"kth": kth, "axis": axis}


def _t_partition(x, kth, axis):
    """torch gathers the values at numpy's argpartition of them (torch has no partition)."""
    torch = _torch()
    if axis is None:
        x, axis = x.reshape(-1), 0
    order = np.argpartition(x.detach().numpy(), kth, axis=axis)
    return torch.take_along_dim(x, torch.from_numpy(order), dim=axis)


# ---- rows --------------------------------------------------------------------------------------
ROWS: list[Op] = [
    # the zero-free and the zero paths in one row: the drawn masks include "no zeros"
    Op("prod", am.prod, np.prod, 1, unary(_with_zeros, _reduce_params), torch=_t_prod),
    Op("std", am.std, np.std, 1, unary(amt.distinct_values, _var_params),
       torch=lambda x, axis, keepdims, ddof: _torch().std(
           x, dim=_dims(x, axis), keepdim=keepdims, correction=ddof)),
    Op("amax", am.amax, np.amax, 1, unary(amt.distinct_values, _reduce_params), smooth=False,
       torch=lambda x, axis, keepdims: _torch().amax(x, dim=_dims(x, axis), keepdim=keepdims)),
    Op("amin", am.amin, np.amin, 1, unary(amt.distinct_values, _reduce_params), smooth=False,
       torch=lambda x, axis, keepdims: _torch().amin(x, dim=_dims(x, axis), keepdim=keepdims)),
    Op("cumsum", am.cumsum, np.cumsum, 1, unary(REAL, _scan_axis), torch=_t_scan("cumsum")),
    Op("cumprod", am.cumprod, np.cumprod, 1, unary(_with_zeros, _scan_axis),
       torch=_t_scan("cumprod")),
    Op("sort", am.sort, np.sort, 1, unary(amt.distinct_values, _scan_axis), smooth=False,
       torch=_t_sort),
    Op("partition", am.partition, np.partition, 1, unary(amt.distinct_values,
       _partition_params), smooth=False, torch=_t_partition),
    Op("median", am.median, np.median, 1, unary(amt.distinct_values, _reduce_params),
       smooth=False, torch=lambda x, axis, keepdims: _t_quantile(x, 0.5, axis, keepdims)),
    Op("quantile", am.quantile, np.quantile, 1, unary(amt.distinct_values, _quantile_params),
       smooth=False, torch=_t_quantile),
    Op("norm[vector]", am.norm, np.linalg.norm, 1, unary(_signed_distinct, _vector_norm_params),
       smooth=False, torch=_t_norm),
    Op("norm[matrix]", am.norm, np.linalg.norm, 1, _matrix_case, smooth=False,
       torch=_t_norm),
]
