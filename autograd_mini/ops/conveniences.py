"""numpy's convenience spellings of joining, splitting and choosing: hsplit, vsplit, dsplit,
append, row_stack and select. Each is a composite of split, concatenate, vstack or where, so
its gradient comes from those ops."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..registry import TENSOR_FUNCTIONS
from ..tensor import ArrayLike, Tensor
from .args import as_tensor
from .expose import composite
from .joining import split, vstack


def _split_along(ary: ArrayLike, sections: Any, axis: int, min_dims: int, op: str
                 ) -> list[Tensor]:
    t = as_tensor(ary, op=op)
    if t.ndim < min_dims:
        raise ShapeError(f"{op}: expected at least {min_dims} dimension(s), got shape {t.shape}")
    return split(t, sections, axis=axis)


@composite("hsplit")
def hsplit(ary: ArrayLike, indices_or_sections: Any) -> list[Tensor]:
    """hsplit(a; sections) = split(a; sections, axis 1), axis 0 for a 1-d a."""
    t = as_tensor(ary, op="hsplit")
    return _split_along(t, indices_or_sections, 1 if t.ndim > 1 else 0, 1, "hsplit")


@composite("vsplit")
def vsplit(ary: ArrayLike, indices_or_sections: Any) -> list[Tensor]:
    """vsplit(a; sections) = split(a; sections, axis 0), for a with at least 2 dimensions."""
    return _split_along(ary, indices_or_sections, 0, 2, "vsplit")


@composite("dsplit")
def dsplit(ary: ArrayLike, indices_or_sections: Any) -> list[Tensor]:
    """dsplit(a; sections) = split(a; sections, axis 2), for a with at least 3 dimensions."""
    return _split_along(ary, indices_or_sections, 2, 3, "dsplit")


@composite("row_stack")
def row_stack(tup: Sequence[ArrayLike]) -> Tensor:
    """row_stack(tup) = vstack(tup) (numpy's older name)."""
    return vstack(tup)


@composite("append")
def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Tensor:
    """append(a, v; axis) = concatenate((a, v); axis); both flattened when axis is None."""
    a = as_tensor(arr, op="append")
    v = as_tensor(values, a, op="append")
    if axis is None:
        a, v = a.reshape(-1), v.reshape(-1)
        axis = 0
    return TENSOR_FUNCTIONS["concatenate"]([a, v], axis=axis)


@composite("select")
def select(condlist: Sequence[Any], choicelist: Sequence[ArrayLike], default: Any = 0
           ) -> Tensor:
    """select(conditions, choices; default): where the first true condition picks its choice,
    else default — nested where, so ∂/∂choice_i = g where condition i is the first true."""
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise TypeError("select: condlist and choicelist must be lists, got "
                        f"{type(condlist).__name__} and {type(choicelist).__name__}")
    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError(f"select: expected as many conditions as choices (at least one), got "
                         f"{len(condlist)} and {len(choicelist)}")
    where = TENSOR_FUNCTIONS["where"]
    first = next((c for c in choicelist if isinstance(c, Tensor)), None)
    result: Any = as_tensor(default, first, op="select")
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
        if cond.dtype != bool:
            raise TypeError(f"select: conditions must be boolean arrays, got dtype {cond.dtype}")
        result = where(cond, choice, result)
    return result
