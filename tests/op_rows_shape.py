"""Op-table rows for the shape and indexing ops of issue 13 (ops/arrange.py, selection.py,
joining.py): numpy's names and signatures, numpy as the reference, PyTorch's op where it has
one (`torch=`), else a gather whose positions numpy computes (torch differentiates it).

Ops returning lists (split, array_split, broadcast_arrays, atleast_* of several) are rows
through a function that joins the pieces with distinct weights, so each piece's gradient is
checked where it lands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_table import REAL, Case, Op, unary

import autograd_mini as am
from autograd_mini import testing as amt


# ---- torch adapters -----------------------------------------------------------------------
def _torch():
    import torch

    return torch


def _t_gather(np_positions: Callable[..., np.ndarray]) -> Callable[..., Any]:
    """A torch function selecting x's elements at the flat positions numpy's op picks from
    arange: numpy decides which element goes where, torch differentiates the gather."""

    def call(x, **params):
        torch = _torch()
        flat = np.arange(x.numel()).reshape(tuple(x.shape))
        positions = np.asarray(np_positions(flat, **params))
        return x.reshape(-1)[torch.from_numpy(positions.astype(np.int64))]

    return call


def _all_axes(x, axis):
    return tuple(range(x.ndim)) if axis is None else (axis,) if isinstance(axis, int) else axis


def _t_pad_constant(x, pad_width, constant_values):
    pairs = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    flat = [int(n) for pair in pairs[::-1] for n in pair]  # last axis first, as torch reads it
    return _torch().nn.functional.pad(x, flat, value=constant_values)


def _t_ravel(x, order):
    if order == "F":
        x = x.permute(tuple(reversed(range(x.ndim))))
    return x.reshape(-1)


# ---- parameters -------------------------------------------------------------------------------
def _flip_params(shape):
    return amt.valid_axes(shape).map(lambda a: {"axis": a})


@st.composite
def _roll_params(draw, shape):
    if not shape or draw(st.booleans()):
        return {"shift": draw(st.integers(-7, 7)), "axis": None}
    axes = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1,
                         max_size=len(shape), unique_by=lambda a: a % len(shape)))
    shifts = draw(st.lists(st.integers(-5, 5), min_size=len(axes), max_size=len(axes)))
    if len(axes) == 1 and draw(st.booleans()):
        return {"shift": shifts[0], "axis": axes[0]}
    return {"shift": tuple(shifts), "axis": tuple(axes)}


@st.composite
def _moveaxis_params(draw, shape):
    n = len(shape)
    k = draw(st.integers(1, n))
    source = draw(st.permutations(range(n)))[:k]
    destination = draw(st.permutations(range(n)))[:k]
    if k == 1 and draw(st.booleans()):
        return {"source": source[0] - n * draw(st.integers(0, 1)), "destination": destination[0]}
    return {"source": tuple(source), "destination": tuple(destination)}


@st.composite
def _squeeze_case(draw, base):
    shape = list(draw(base))
    for _ in range(draw(st.integers(0, 2))):  # insert some length-1 axes
        shape.insert(draw(st.integers(0, len(shape))), 1)
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = None
    if ones and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(ones), min_size=1, unique=True))
        axis = chosen[0] if len(chosen) == 1 else tuple(chosen)
    return Case((draw(REAL(tuple(shape))),), {"axis": axis})


def _order_params(shape):
    return st.sampled_from(["C", "F"]).map(lambda o: {"order": o})


def _tile_params(shape):
    return st.lists(st.integers(0, 2), min_size=1, max_size=len(shape) + 1).map(
        lambda r: {"reps": tuple(r) if len(r) > 1 else r[0]})


@st.composite
def _repeat_params(draw, shape):
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))) if shape \
        else None
    return {"repeats": draw(st.integers(0, 3)), "axis": axis}


@st.composite
def _repeat_counts_params(draw, shape):
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    counts = draw(st.lists(st.integers(0, 3), min_size=shape[axis], max_size=shape[axis]))
    return {"repeats": np.array(counts), "axis": axis}


@st.composite
def _pad_width(draw, shape):
    form = draw(st.sampled_from(["int", "single", "pair", "per-axis"] if shape else ["int"]))
    width = st.integers(0, 4)
    if form == "int":
        return draw(width)
    if form == "single":
        return (draw(width),)
    if form == "pair":
        return (draw(width), draw(width))
    return tuple((draw(width), draw(width)) for _ in shape)


def _pad_params(mode):
    @st.composite
    def params(draw, shape):
        kw = {"pad_width": draw(_pad_width(shape)), "mode": mode}
        if mode == "constant":
            kw["constant_values"] = draw(st.sampled_from([0.0, 1.5]))
        return kw

    return params


def _k_params(shape):
    return st.integers(-2, 2).map(lambda k: {"k": k})


@st.composite
def _diagonal_params(draw, shape):
    n = len(shape)
    axis1, axis2 = draw(st.permutations(range(n)))[:2]
    return {"offset": draw(st.integers(-2, 2)), "axis1": axis1 - n * draw(st.integers(0, 1)),
            "axis2": axis2}


@st.composite
def _diag_case(draw, base):
    shape = tuple(draw(base))[:draw(st.integers(1, 2))]
    return Case((draw(REAL(shape)),), {"k": draw(st.integers(-2, 2))})


@st.composite
def _take_params(draw, shape):
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    mode = draw(st.sampled_from(["raise", "wrap", "clip"]))
    span = (-n, n - 1) if mode == "raise" else (-2 * n, 2 * n)
    index_shape = draw(amt.shapes(max_dims=2, max_side=3))
    values = draw(st.lists(st.integers(*span), min_size=int(np.prod(index_shape)),
                           max_size=int(np.prod(index_shape))))
    return {"indices": np.array(values, dtype=np.intp).reshape(index_shape), "axis": axis,
            "mode": mode}


@st.composite
def _take_along_axis_params(draw, shape):
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    index_shape = [draw(st.sampled_from([1, n])) for n in shape]  # broadcasts against arr
    index_shape[axis] = draw(st.integers(0, 4))
    indices = draw(st.lists(st.integers(-shape[axis], shape[axis] - 1),
                            min_size=int(np.prod(index_shape)), max_size=int(np.prod(index_shape))))
    return {"indices": np.array(indices, dtype=np.intp).reshape(index_shape), "axis": axis}


def _joining_case(axis_of: Callable[[int], int], promote: Callable[[tuple], tuple]):
    """Three inputs whose promoted shapes agree except along the joining axis."""

    @st.composite
    def case(draw, base):
        shape = tuple(draw(base))
        promoted = promote(shape)
        axis = axis_of(len(promoted))
        arrays = []
        for _ in range(3):
            s = list(shape)
            if axis < len(shape) and len(promoted) == len(shape):
                s[axis] = draw(st.integers(1, 3))
            arrays.append(draw(REAL(tuple(s))))
        return Case(tuple(arrays))

    return case


def _at_least_2d(shape):
    return shape if len(shape) >= 2 else (1,) * (2 - len(shape)) + shape


@st.composite
def _split_case(draw, base):
    shape = tuple(draw(base))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    if draw(st.booleans()):
        sections = draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    else:
        sections = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    return Case((draw(REAL(shape)),), {"sections": sections, "axis": axis})


@st.composite
def _array_split_case(draw, base):
    shape = tuple(draw(base))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return Case((draw(REAL(shape)),), {"sections": draw(st.integers(1, 4)), "axis": axis})


@st.composite
def _two_ranks(draw, base):
    """Two inputs of any rank and of at most 2 dims (atleast_3d places each differently)."""
    return Case((draw(REAL(draw(base))), draw(REAL(draw(base)[:2]))))


@st.composite
def _broadcast_pair(draw, base):
    result = draw(base)
    sa, sb = draw(amt.broadcast_operand(result)), draw(amt.broadcast_operand(result))
    return Case((draw(REAL(sa)), draw(REAL(sb))))


@st.composite
def _empty_index_case(draw, base):
    shape = tuple(draw(base))
    axis = draw(st.integers(0, len(shape) - 1))
    index = np.zeros(0, dtype=np.intp)
    return Case((draw(REAL(shape)),), {"index": (slice(None),) * axis + (index,)})


@st.composite
def _rot90_params(draw, shape):
    a0, a1 = draw(st.permutations(range(len(shape))))[:2]
    return {"k": draw(st.integers(-1, 5)), "axes": (a0 - len(shape) * draw(st.booleans()), a1)}


@st.composite
def _rollaxis_params(draw, shape):
    n = len(shape)
    return {"axis": draw(st.integers(-n, n - 1)), "start": draw(st.integers(-n, n))}


def _sections_along(axis_of: Callable[[int], int], min_dims: int):
    @st.composite
    def case(draw, base):
        shape = tuple(draw(base))
        shape = shape + (2,) * max(0, min_dims - len(shape))
        n = shape[axis_of(len(shape))]
        if draw(st.booleans()):
            sections = draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
        else:
            sections = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
        return Case((draw(REAL(shape)),), {"sections": sections})

    return case


@st.composite
def _append_case(draw, base):
    shape = tuple(draw(base))
    if shape and draw(st.booleans()):
        axis = draw(st.integers(-len(shape), len(shape) - 1))
        other = list(shape)
        other[axis] = draw(st.integers(0, 3))
        return Case((draw(REAL(shape)), draw(REAL(tuple(other)))), {"axis": axis})
    other = tuple(draw(amt.shapes(max_dims=2, max_side=3)))
    return Case((draw(REAL(shape)), draw(REAL(other))), {"axis": None})


def _t_append(a, b, axis):
    torch = _torch()
    if axis is None:
        return torch.cat([a.reshape(-1), b.reshape(-1)])
    return torch.cat([a, b], dim=axis)


# ---- helpers for the list-returning rows ------------------------------------------------------
def _pieces_am(pieces):
    return am.concatenate([p.ravel() * float(i + 1) for i, p in enumerate(pieces)])


def _pieces_np(pieces):
    return np.concatenate([np.ravel(p) * float(i + 1) for i, p in enumerate(pieces)])


def _t_pieces(pieces):
    return _torch().cat([p.reshape(-1) * float(i + 1) for i, p in enumerate(pieces)])


ROWS: list[Op] = [
    Op("flip", am.flip, np.flip, 1, unary(REAL, _flip_params),
       torch=lambda x, axis: _torch().flip(x, _all_axes(x, axis))),
    Op("roll", am.roll, np.roll, 1, unary(REAL, _roll_params),
       torch=lambda x, shift, axis: _torch().roll(x, shift, axis)),
    Op("moveaxis", am.moveaxis, np.moveaxis, 1, unary(REAL, _moveaxis_params), min_dims=1,
       torch=lambda x, source, destination: _torch().movedim(x, source, destination)),
    Op("squeeze", lambda x, axis: x.squeeze(axis), np.squeeze, 1, _squeeze_case,
       torch=lambda x, axis: x.squeeze() if axis is None else x.squeeze(axis)),
    Op("ravel", am.ravel, np.ravel, 1, unary(REAL, _order_params), torch=_t_ravel),
    Op("flatten", lambda x: x.flatten(), lambda x: x.flatten(), 1, unary(),
       torch=lambda x: x.reshape(-1)),
    Op("atleast_1d", am.atleast_1d, np.atleast_1d, 1, unary(),
       torch=lambda x: _torch().atleast_1d(x)),
    Op("atleast_2d", am.atleast_2d, np.atleast_2d, 1, unary(),
       torch=lambda x: _torch().atleast_2d(x)),
    Op("atleast_3d", lambda a, b: _pieces_am(am.atleast_3d(a, b)),
       lambda a, b: _pieces_np(np.atleast_3d(a, b)), 2, _two_ranks,
       torch=lambda a, b: _t_pieces(_torch().atleast_3d(a, b))),
    Op("tile", am.tile, np.tile, 1, unary(REAL, _tile_params),
       torch=lambda x, reps: _torch().tile(x, reps if isinstance(reps, tuple) else (reps,))),
    Op("repeat", lambda x, repeats, axis: x.repeat(repeats, axis=axis), np.repeat, 1,
       unary(REAL, _repeat_params),
       torch=lambda x, repeats, axis: _torch().repeat_interleave(x, repeats, dim=axis)),
    Op("repeat[counts]", am.repeat, np.repeat, 1, unary(REAL, _repeat_counts_params),
       min_dims=1, torch=lambda x, repeats, axis: _torch().repeat_interleave(
           x, _torch().from_numpy(repeats), dim=axis)),
    Op("pad[constant]", am.pad, np.pad, 1, unary(REAL, _pad_params("constant")),
       torch=lambda x, pad_width, mode, constant_values: _t_pad_constant(
           x, pad_width, constant_values)),
    *[Op(f"pad[{mode}]", am.pad, np.pad, 1, unary(REAL, _pad_params(mode)), min_dims=1,
         torch=_t_gather(lambda flat, pad_width, mode: np.pad(flat, pad_width, mode=mode)))
      for mode in ("edge", "reflect", "symmetric", "wrap")],
    Op("tril", am.tril, np.tril, 1, unary(REAL, _k_params), min_dims=2,
       torch=lambda x, k: _torch().tril(x, k)),
    Op("triu", am.triu, np.triu, 1, unary(REAL, _k_params), min_dims=2,
       torch=lambda x, k: _torch().triu(x, k)),
    Op("diagonal", lambda x, offset, axis1, axis2: x.diagonal(offset, axis1, axis2),
       np.diagonal, 1, unary(REAL, _diagonal_params), min_dims=2,
       torch=lambda x, offset, axis1, axis2: _torch().diagonal(x, offset, axis1, axis2)),
    Op("trace", lambda x, offset, axis1, axis2: x.trace(offset, axis1, axis2), np.trace, 1,
       unary(REAL, _diagonal_params), min_dims=2,
       torch=lambda x, offset, axis1, axis2: _torch().diagonal(
           x, offset, axis1, axis2).sum(-1)),
    Op("diag", am.diag, np.diag, 1, _diag_case, min_dims=1,
       torch=lambda x, k: _torch().diag(x, k)),
    Op("take", lambda x, indices, axis, mode: x.take(indices, axis=axis, mode=mode), np.take,
       1, unary(REAL, _take_params), min_dims=1,
       torch=_t_gather(lambda flat, indices, axis, mode: np.take(flat, indices, axis, mode=mode))),
    Op("take_along_axis", am.take_along_axis, np.take_along_axis, 1,
       unary(REAL, _take_along_axis_params), min_dims=1,
       torch=lambda x, indices, axis: _torch().take_along_dim(  # torch has no negative indices
           x, _torch().from_numpy(indices % x.shape[axis]), dim=axis)),
    Op("hstack", lambda a, b, c: am.hstack([a, b, c]), lambda a, b, c: np.hstack([a, b, c]), 3,
       _joining_case(lambda n: 0 if n == 1 else 1, lambda s: s or (1,)),
       torch=lambda a, b, c: _torch().hstack([a, b, c])),
    Op("vstack", lambda a, b, c: am.vstack((a, b, c)), lambda a, b, c: np.vstack((a, b, c)), 3,
       _joining_case(lambda n: 0, _at_least_2d),
       torch=lambda a, b, c: _torch().vstack([a, b, c])),
    Op("column_stack", lambda a, b, c: am.column_stack([a, b, c]),
       lambda a, b, c: np.column_stack([a, b, c]), 3,
       _joining_case(lambda n: 1, _at_least_2d),
       torch=lambda a, b, c: _torch().column_stack([a, b, c])),
    Op("dstack", lambda a, b, c: am.dstack([a, b, c]), lambda a, b, c: np.dstack([a, b, c]), 3,
       _joining_case(lambda n: 2, lambda s: s if len(s) >= 3 else np.atleast_3d(
           np.empty(s)).shape), torch=lambda a, b, c: _torch().dstack([a, b, c])),
    Op("split", lambda x, sections, axis: _pieces_am(am.split(x, sections, axis)),
       lambda x, sections, axis: _pieces_np(np.split(x, sections, axis)), 1, _split_case,
       min_dims=1, torch=lambda x, sections, axis: _t_pieces(
           _torch().tensor_split(x, sections, dim=axis))),
    Op("array_split", lambda x, sections, axis: _pieces_am(am.array_split(x, sections, axis)),
       lambda x, sections, axis: _pieces_np(np.array_split(x, sections, axis)), 1,
       _array_split_case, min_dims=1, torch=lambda x, sections, axis: _t_pieces(
           _torch().tensor_split(x, sections, dim=axis))),
    Op("broadcast_arrays", lambda a, b: am.stack(am.broadcast_arrays(a, b)),
       lambda a, b: np.stack(np.broadcast_arrays(a, b)), 2, _broadcast_pair,
       torch=lambda a, b: _torch().stack(_torch().broadcast_tensors(a, b))),
    Op("flipud", am.flipud, np.flipud, 1, unary(), min_dims=1,
       torch=lambda x: _torch().flipud(x)),
    Op("fliplr", am.fliplr, np.fliplr, 1, unary(), min_dims=2,
       torch=lambda x: _torch().fliplr(x)),
    Op("rot90", am.rot90, np.rot90, 1, unary(REAL, _rot90_params), min_dims=2,
       torch=lambda x, k, axes: _torch().rot90(x, k, [a % x.ndim for a in axes])),
    Op("rollaxis", am.rollaxis, np.rollaxis, 1, unary(REAL, _rollaxis_params), min_dims=1,
       torch=_t_gather(lambda flat, axis, start: np.rollaxis(flat, axis, start))),
    Op("hsplit", lambda x, sections: _pieces_am(am.hsplit(x, sections)),
       lambda x, sections: _pieces_np(np.hsplit(x, sections)), 1,
       _sections_along(lambda n: 1 if n > 1 else 0, 1), min_dims=1,
       torch=lambda x, sections: _t_pieces(_torch().tensor_split(
           x, sections, dim=1 if x.ndim > 1 else 0))),
    Op("vsplit", lambda x, sections: _pieces_am(am.vsplit(x, sections)),
       lambda x, sections: _pieces_np(np.vsplit(x, sections)), 1,
       _sections_along(lambda n: 0, 2), min_dims=2,
       torch=lambda x, sections: _t_pieces(_torch().tensor_split(x, sections, dim=0))),
    Op("dsplit", lambda x, sections: _pieces_am(am.dsplit(x, sections)),
       lambda x, sections: _pieces_np(np.dsplit(x, sections)), 1,
       _sections_along(lambda n: 2, 3), min_dims=3,
       torch=lambda x, sections: _t_pieces(_torch().tensor_split(x, sections, dim=2))),
    Op("append", am.append, np.append, 2, _append_case, torch=_t_append),
    Op("getitem[empty]", am.getitem, lambda x, index: x[index], 1, _empty_index_case,
       min_dims=1, torch=_t_gather(lambda flat, index: flat[index])),
]
