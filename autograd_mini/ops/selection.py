"""Selecting elements by position: take, take_along_axis, diagonal, diag, trace, tril, triu,
with numpy's names and signatures.

All are composites of getitem, scatter_add, transpose and where: indexing VJPs add into zeros
with np.add.at (repeated indices accumulate), so no new derivative is written here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import apply
from ..errors import ShapeError
from ..tensor import ArrayLike, Tensor
from .args import as_int, as_tensor, operand, single_axis
from .elementwise import WHERE
from .expose import composite
from .shape import GETITEM, RESHAPE, SCATTER_ADD, TRANSPOSE


def _int_indices(indices: Any, op: str) -> np.ndarray:
    """Integer index arrays as numpy arrays; an empty list is an empty integer index."""
    array = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if array.size == 0 and array.dtype.kind not in "iu":
        return array.astype(np.intp)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {array.dtype}; pass an "
                        "integer array, e.g. np.array(indices, dtype=int)")
    return array


def _check_bounds(index: np.ndarray, n: int, axis: int, op: str) -> None:
    outside = (index < -n) | (index >= n)
    if np.any(outside):
        raise IndexError(f"{op}: index {int(index[outside].flat[0])} is out of bounds for "
                         f"axis {axis} with size {n}")


# ---- take -------------------------------------------------------------------------------------
@composite("take", method=True)
def take(a: ArrayLike, indices: Any, axis: int | None = None, mode: str = "raise") -> Tensor:
    """take(a; indices, axis, mode): a's elements at `indices` along axis (of the flattened a
    when axis is None); mode 'raise' checks bounds, 'wrap' wraps, 'clip' clips."""
    t = as_tensor(a, op="take")
    index = _int_indices(indices, "take")
    if axis is None:
        t, axis = apply(RESHAPE, (t,), {"shape": (t.size,)}), 0
    axis = single_axis(axis, t.ndim, "take")
    n = t.shape[axis]
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    if mode != "raise" and n == 0 and index.size:
        raise IndexError(f"take: cannot take from the empty axis {axis} of shape {t.shape}")
    if mode == "raise":
        _check_bounds(index, n, axis, "take")
    elif mode == "wrap":
        index = index % n
    else:  # numpy's clip mode clips negative indices to 0 too (it does not wrap them)
        index = np.clip(index, 0, n - 1)
    return apply(GETITEM, (t,), {"index": (slice(None),) * axis + (index,)})


@composite("take_along_axis")
def take_along_axis(arr: ArrayLike, indices: Any, axis: int | None = -1) -> Tensor:
    """take_along_axis(arr; indices, axis): arr's elements at `indices` along axis, matched
    position by position on the other axes (as np.take_along_axis; argsort's partner)."""
    t = as_tensor(arr, op="take_along_axis")
    index = _int_indices(indices, "take_along_axis")
    if axis is None:
        if index.ndim != 1:
            raise ValueError("take_along_axis: with axis=None, indices must be 1-d, got shape "
                             f"{index.shape}")
        t, axis = apply(RESHAPE, (t,), {"shape": (t.size,)}), 0
    if index.ndim != t.ndim:
        raise ValueError(f"take_along_axis: indices {index.shape} and arr {t.shape} must have "
                         "the same number of dims")
    axis = single_axis(axis, t.ndim, "take_along_axis")
    _check_bounds(index, t.shape[axis], axis, "take_along_axis")
    fancy = []
    for dim, n in enumerate(t.shape):  # an arange per other axis, broadcast against indices
        if dim == axis:
            fancy.append(index)
        else:
            fancy.append(np.arange(n).reshape((1,) * dim + (n,) + (1,) * (t.ndim - dim - 1)))
    try:
        np.broadcast_shapes(*(f.shape for f in fancy))
    except ValueError:
        raise ShapeError(f"take_along_axis: indices {index.shape} do not broadcast against "
                         f"arr {t.shape} outside axis {axis}") from None
    return apply(GETITEM, (t,), {"index": tuple(fancy)})


# ---- diagonals --------------------------------------------------------------------------------
def _diagonal_positions(n1: int, n2: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of diagonal `offset` of an (n1, n2) matrix."""
    if offset >= 0:
        steps = np.arange(max(0, min(n1, n2 - offset)))
        return steps, steps + offset
    steps = np.arange(max(0, min(n1 + offset, n2)))
    return steps - offset, steps


@composite("diagonal", method=True)
def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """diagonal(a; offset, axis1, axis2): the diagonal of the (axis1, axis2) planes, as a last
    axis after the remaining ones (numpy's order)."""
    t = as_tensor(a, op="diagonal")
    offset = as_int(offset, "diagonal", "offset")
    if t.ndim < 2:
        raise ValueError(f"diagonal: needs at least 2 dims, got shape {t.shape}")
    a1, a2 = single_axis(axis1, t.ndim, "diagonal"), single_axis(axis2, t.ndim, "diagonal")
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, both are {a1}")
    order = tuple(n for n in range(t.ndim) if n not in (a1, a2)) + (a1, a2)
    moved = apply(TRANSPOSE, (t,), {"axes": order})  # (..., n1, n2)
    rows, cols = _diagonal_positions(t.shape[a1], t.shape[a2], offset)
    return apply(GETITEM, (moved,), {"index": (Ellipsis, rows, cols)})


@composite("trace", method=True)
def trace(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """trace(a; offset, axis1, axis2): the sum along the diagonal (per remaining index)."""
    return diagonal(as_tensor(a, op="trace"), offset, axis1, axis2).sum(axis=-1)


@composite("diag")
def diag(v: ArrayLike, k: int = 0) -> Tensor:
    """diag(v; k): a 1-d v placed on diagonal k of a square matrix, or diagonal k of a 2-d v."""
    t = as_tensor(v, op="diag")
    k = as_int(k, "diag", "k")
    if t.ndim == 2:
        return diagonal(t, k)
    if t.ndim != 1:
        raise ValueError(f"diag: input must be 1-d or 2-d, got shape {t.shape}")
    n = t.shape[0] + abs(k)
    rows, cols = _diagonal_positions(n, n, k)
    return apply(SCATTER_ADD, (t,), {"index": (rows, cols), "shape": (n, n)})


# ---- triangles --------------------------------------------------------------------------------
def _triangle(m: ArrayLike, k: int, op: str, lower: bool) -> Tensor:
    t = as_tensor(m, op=op)
    k = as_int(k, op, "k")
    if t.ndim == 0:
        raise ValueError(f"{op}: needs at least 1 dim, got a 0-d tensor")
    # numpy's mask over the last two axes (a 1-d input broadcasts to a square, as in numpy)
    rows, cols = t.shape[-2:] if t.ndim > 1 else (t.shape[0], t.shape[0])
    keep = np.tri(rows, cols, k, dtype=bool) if lower else \
        ~np.tri(rows, cols, k - 1, dtype=bool)
    return apply(WHERE, (t, operand(0.0, t, op)), {"condition": keep})


@composite("tril")
def tril(m: ArrayLike, k: int = 0) -> Tensor:
    """tril(m; k): m with the elements above diagonal k set to zero (last two axes)."""
    return _triangle(m, k, "tril", lower=True)


@composite("triu")
def triu(m: ArrayLike, k: int = 0) -> Tensor:
    """triu(m; k): m with the elements below diagonal k set to zero (last two axes)."""
    return _triangle(m, k, "triu", lower=False)
