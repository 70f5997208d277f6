"""numpy's complex-number functions on the real values autograd_mini differentiates.

autograd_mini has no complex Tensors, so for its values real(x) = conj(x) = x (the same Tensor,
gradient 1) and imag(x) = 0 (a constant). Code written for complex-capable numpy, such as
`np.real(np.sum(x ** 2))` in HIPS autograd's examples, then runs unchanged on real inputs.
Plain numbers and arrays go to numpy's own functions.
"""

from __future__ import annotations

from typing import Any

import numpy

from ..tensor import Tensor


def _real_valued(name: str) -> Any:
    numpy_fn = getattr(numpy, name)

    def same(val: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(val, Tensor):
            return val  # a real Tensor is its own real part and conjugate
        return numpy_fn(val, *args, **kwargs)

    same.__name__ = same.__qualname__ = name
    same.__doc__ = f"numpy.{name}; a (real) Tensor is returned as it is: ∂/∂x = g."
    return same


def imag(val: Any) -> Any:
    """numpy.imag; the imaginary part of a (real) Tensor is a constant zero Tensor."""
    if isinstance(val, Tensor):
        return Tensor._make(numpy.zeros_like(val.data), False)
    return numpy.imag(val)


REAL_PARTS = {name: _real_valued(name) for name in ("real", "conj", "conjugate",
                                                   "real_if_close")}
REAL_PARTS["imag"] = imag
