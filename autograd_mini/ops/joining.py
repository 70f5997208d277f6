"""Joining and splitting with numpy's names: hstack, vstack, column_stack, dstack, split,
array_split and broadcast_arrays — composites of concatenate, reshape, getitem and
broadcast_to (concatenate and stack themselves are in shape.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import apply
from ..errors import ShapeError
from ..registry import TENSOR_FUNCTIONS
from ..tensor import ArrayLike, Tensor
from .args import as_int, as_tensor, single_axis
from .arrange import atleast_1d, atleast_2d, atleast_3d
from .expose import composite
from .shape import BROADCAST_TO, GETITEM, RESHAPE


def _tensors(tup: Sequence[ArrayLike], op: str) -> list[Tensor]:
    """A non-empty sequence as Tensors (plain values take the first Tensor's dtype); a single
    Tensor is read as the sequence of its rows, as numpy reads an array."""
    if isinstance(tup, Tensor):
        tup = [tup[i] for i in range(len(tup))] if tup.ndim else [tup]
    if not isinstance(tup, (list, tuple)) or len(tup) == 0:
        raise TypeError(f"{op}: expected a non-empty list or tuple of tensors, got "
                        f"{type(tup).__name__}")
    first = next((t for t in tup if isinstance(t, Tensor)), None)
    return [as_tensor(t, first, op) for t in tup]


def _joined(ts: list[Tensor], axis: int, op: str) -> Tensor:
    try:
        return TENSOR_FUNCTIONS["concatenate"](ts, axis=axis)
    except ShapeError as exc:  # name the function the user called
        raise ShapeError(f"{op}: {exc}") from exc


def _as_list(result: Any) -> list[Tensor]:
    return result if isinstance(result, list) else [result]


@composite("hstack")
def hstack(tup: Sequence[ArrayLike]) -> Tensor:
    """hstack(tup): joined along axis 1 (axis 0 for 1-d inputs); 0-d inputs become (1,)."""
    ts = _as_list(atleast_1d(*_tensors(tup, "hstack")))
    return _joined(ts, 0 if ts[0].ndim == 1 else 1, "hstack")


@composite("vstack")
def vstack(tup: Sequence[ArrayLike]) -> Tensor:
    """vstack(tup): joined along axis 0 after atleast_2d ((n,) becomes a row (1, n))."""
    return _joined(_as_list(atleast_2d(*_tensors(tup, "vstack"))), 0, "vstack")


@composite("dstack")
def dstack(tup: Sequence[ArrayLike]) -> Tensor:
    """dstack(tup): joined along axis 2 after atleast_3d ((m, n) becomes (m, n, 1))."""
    return _joined(_as_list(atleast_3d(*_tensors(tup, "dstack"))), 2, "dstack")


@composite("column_stack")
def column_stack(tup: Sequence[ArrayLike]) -> Tensor:
    """column_stack(tup): 1-d inputs as columns (n, 1), 2-d as they are, joined along axis 1."""
    ts = [apply(RESHAPE, (t,), {"shape": (t.size, 1)}) if t.ndim < 2 else t
          for t in _tensors(tup, "column_stack")]
    return _joined(ts, 1, "column_stack")


# ---- splitting: views of the input, one getitem each ----------------------------------------
def _split(ary: ArrayLike, indices_or_sections: Any, axis: int, op: str) -> list[Tensor]:
    t = as_tensor(ary, op=op)
    axis = single_axis(axis, t.ndim, op)
    n = t.shape[axis]
    if isinstance(indices_or_sections, (list, tuple, np.ndarray, Tensor)):
        points = np.asarray(indices_or_sections.data if isinstance(indices_or_sections, Tensor)
                            else indices_or_sections)
        if points.ndim != 1 or (points.size and points.dtype.kind not in "iu"):
            raise TypeError(f"{op}: split points must be a 1-d sequence of ints, got "
                            f"{indices_or_sections!r}")
        bounds = [0, *(int(p) for p in points), n]
    else:
        sections = as_int(indices_or_sections, op, "the number of sections")
        if sections <= 0:
            raise ValueError(f"{op}: the number of sections must be positive, got {sections}")
        each, extra = divmod(n, sections)
        if extra and op == "split":
            raise ValueError(f"split: an axis of length {n} does not split into {sections} "
                             "equal sections; use array_split for unequal ones")
        sizes = [each + 1] * extra + [each] * (sections - extra)
        bounds = [0, *np.cumsum(sizes).tolist()]
    prefix = (slice(None),) * axis
    return [apply(GETITEM, (t,), {"index": prefix + (slice(start, stop),)})
            for start, stop in zip(bounds[:-1], bounds[1:])]


@composite("split")
def split(ary: ArrayLike, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """split(ary; sections or split points, axis): a list of views (equal sections only)."""
    return _split(ary, indices_or_sections, axis, "split")


@composite("array_split")
def array_split(ary: ArrayLike, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """array_split(ary; sections or split points, axis): as split, the first n % k sections
    one longer."""
    return _split(ary, indices_or_sections, axis, "array_split")


@composite("broadcast_arrays")
def broadcast_arrays(*args: ArrayLike) -> tuple[Tensor, ...]:
    """broadcast_arrays(a, b, ...): the inputs broadcast against each other (read-only views)."""
    first = next((t for t in args if isinstance(t, Tensor)), None)
    ts = [as_tensor(a, first, "broadcast_arrays") for a in args]
    try:
        shape = np.broadcast_shapes(*(t.shape for t in ts))
    except ValueError:
        raise ShapeError(f"broadcast_arrays: shapes {[t.shape for t in ts]} cannot be "
                         "broadcast together; expected equal trailing dimensions or 1") from None
    return tuple(apply(BROADCAST_TO, (t,), {"shape": shape}) for t in ts)
