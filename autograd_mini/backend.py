"""The two namespaces a VJP is evaluated with (see ops/primitive.py).

`NUMPY` computes gradients as plain arrays (first-order backward). `TENSOR` computes them
with autograd_mini's own ops, so they are recorded and can be differentiated again.
Both expose exactly the same names.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from .ops.elementwise import _sigmoid_forward
from .ops.reductions import _softmax_forward
from .ops.shape import _scatter_add_forward


def _materialized_broadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """g repeated to `shape` as a new array: np.broadcast_to's view costs a few µs of Python
    per call, and every consumer of a gradient reads all of it anyway."""
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


NUMPY = SimpleNamespace(
    value=lambda x: x,
    where=np.where,
    exp=np.exp,
    log=np.log,
    sigmoid=_sigmoid_forward,
    softmax=lambda a, axis: _softmax_forward(a, axis=axis),
    broadcast_to=lambda g, shape: _materialized_broadcast(g, shape),
    expand_dims=np.expand_dims,
    swapaxes=np.swapaxes,
    scatter_add=lambda g, index, shape: _scatter_add_forward(g, index=index, shape=shape),
    astype=lambda g, dtype: g.astype(dtype, copy=False),
)

TENSOR = SimpleNamespace()  # filled by functional.py once Tensor exists


def fill_tensor_backend(**functions: Any) -> None:
    """Install the differentiable implementations (called once at import)."""
    missing = set(vars(NUMPY)) - set(functions)
    if missing:
        raise RuntimeError(f"tensor backend lacks {sorted(missing)}")
    vars(TENSOR).update(functions)
