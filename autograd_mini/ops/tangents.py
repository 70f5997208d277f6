"""Helpers for elementwise JVPs and VJPs: summing partial tangents, and exact zeros.

Both work on arrays (first order) and on Tensors (create_graph), like the rules that use them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


def zeros_like(x: Any) -> Any:
    """Zeros of x's shape and dtype, a constant: the gradient of a step function (sign' =
    floor' = 0, as PyTorch), exact even where the upstream gradient is NaN or inf."""
    if isinstance(x, Tensor):
        return Tensor._make(np.zeros(x.shape, dtype=x.dtype), False)
    return np.zeros(np.shape(x), dtype=x.dtype)


def tangent_sum(out: Any, xp: Any, *terms: tuple[Any, Any]) -> Any:
    """The output's tangent Σ tᵢ·∂ᵢ from (tangent, partial) pairs, at the output's shape.

    A None tangent (an input without one) adds nothing; a None partial stands for 1. None when
    no input has a tangent."""
    total = None
    for t, partial in terms:
        if t is None:
            continue
        term = t if partial is None else t * partial
        total = term if total is None else total + term
    if total is not None and total.shape != out.shape:  # a broadcast operand's tangent alone
        total = xp.broadcast_to(total, out.shape)
    return total
