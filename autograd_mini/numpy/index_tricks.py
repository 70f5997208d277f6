"""numpy's `r_` and `c_` index tricks, differentiable when a Tensor is among the pieces.

    np.r_[x, c, 1:4]   # concatenate along the first axis; a slice is an arange
    np.c_[x, c]        # columns: 1-d pieces become columns, joined along the last axis

Only the plain forms are covered; numpy's string directives ('0,2', 'r', 'c') raise.
Without Tensors, numpy's own objects do the work.
"""

from __future__ import annotations

from typing import Any

import numpy

from ..registry import TENSOR_FUNCTIONS
from .names import holds_tensor


def _piece(item: Any, name: str) -> Any:
    if isinstance(item, slice):
        step = 1 if item.step is None else item.step
        if isinstance(step, complex):  # numpy's linspace form, 1:2:5j
            return numpy.linspace(item.start or 0, item.stop, int(abs(step)))
        return numpy.arange(item.start or 0, item.stop, step)
    if isinstance(item, str):
        raise TypeError(f"np.{name}: string directives such as {item!r} are not supported with "
                        "Tensors; use concatenate, stack or column_stack")
    return item


class _Concatenator:
    def __init__(self, name: str, numpy_obj: Any, columns: bool) -> None:
        self.name, self.numpy_obj, self.columns = name, numpy_obj, columns

    def __getitem__(self, key: Any) -> Any:
        items = key if isinstance(key, tuple) else (key,)
        if not holds_tensor(items):
            return self.numpy_obj[key]
        atleast_1d, reshape = TENSOR_FUNCTIONS["atleast_1d"], TENSOR_FUNCTIONS["reshape"]
        pieces = [atleast_1d(_piece(item, self.name)) for item in items]
        if self.columns:  # c_: 1-d pieces stand as columns (n,) -> (n, 1)
            pieces = [reshape(p, (-1, 1)) if p.ndim == 1 else p for p in pieces]
            return TENSOR_FUNCTIONS["concatenate"](pieces, axis=-1)
        return TENSOR_FUNCTIONS["concatenate"](pieces, axis=0)

    def __repr__(self) -> str:
        return f"autograd_mini.numpy.{self.name}"


INDEX_TRICKS = {"r_": _Concatenator("r_", numpy.r_, columns=False),
                "c_": _Concatenator("c_", numpy.c_, columns=True)}
