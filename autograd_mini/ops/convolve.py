"""numpy.convolve: the discrete linear convolution of two 1-d sequences, modes full, same and
valid. A composite: the windows of the zero-padded longer sequence (one integer-array
getitem, whose VJP scatters back with repeats accumulating) times the reversed shorter one
(one matrix-vector product), so gradients flow to both and JVPs come from those ops."""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..registry import TENSOR_FUNCTIONS
from ..tensor import ArrayLike, Tensor
from .args import tensor_pair
from .expose import composite

_MODES = ("full", "same", "valid")


@composite("convolve")
def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full") -> Tensor:
    """convolve(a, v; mode) = (a ∗ v)[k] = Σ_i a[i]·v[k − i];  ∂/∂a = g ⋆ v,  ∂/∂v = g ⋆ a
    (correlations), restricted to the mode's window."""
    ta, tv = tensor_pair(a, v, "convolve")
    for name, t in (("a", ta), ("v", tv)):
        if t.ndim != 1:
            raise ShapeError(f"convolve: {name} must be 1-d, got shape {t.shape}")
        if t.shape[0] == 0:
            raise ValueError(f"convolve: {name} cannot be empty")
    if mode not in _MODES:
        raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', got {mode!r}")
    if tv.shape[0] > ta.shape[0]:  # numpy swaps so the kernel is the shorter one
        ta, tv = tv, ta
    n, m = ta.shape[0], tv.shape[0]
    zeros = Tensor(np.zeros(m - 1, dtype=ta.dtype))
    padded = TENSOR_FUNCTIONS["concatenate"]([zeros, ta, zeros], axis=0)  # (n + 2m − 2,)
    windows = padded[np.arange(n + m - 1)[:, None] + np.arange(m)[None, :]]  # (n + m − 1, m)
    full = windows @ tv[::-1]  # (n + m − 1,)
    if mode == "full":
        return full
    if mode == "same":
        start = (m - 1) // 2
        return full[start:start + n]
    return full[m - 1:n]


__all__ = ["convolve"]
