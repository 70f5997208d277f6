"""Vector and matrix norms: `norm` follows numpy.linalg.norm (ord, axis, keepdims).

Vector norms of order p (2 the default) are one primitive whose gradient at a zero norm is 0,
PyTorch's subgradient (√(Σa²) composed from sqrt would give 0·∞ = NaN there). The 1, ∞ and
−∞ norms are composed from abs, sum, max and min (abs′(0) = 0; ties at the max split the
gradient, as PyTorch). The nuclear and spectral matrix norms go through svd's singular values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import apply
from ..registry import TENSOR_FUNCTIONS
from ..tensor import Tensor
from .args import Axis, as_tensor, floating, is_int, normalize_axis, real
from .expose import defop, parsed, publish
from .reductions import _kept_shape, _unreduce


# ---- vector p-norms (p = 2 by default) --------------------------------------------------------
def _vector_norm_forward(a, *, ord, axis, keepdims):  # noqa: A002  (numpy's name)
    if ord == 2:
        if axis is None and not keepdims:
            flat = a.reshape(-1)
            return np.sqrt(np.dot(flat, flat))  # one BLAS pass, as numpy.linalg.norm does
        return np.sqrt(np.add.reduce(a * a, axis=axis, keepdims=keepdims))
    return np.add.reduce(np.abs(a) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _vector_norm_slope(out, a, ord, axis, keepdims, xp):  # noqa: A002
    """∂‖a‖ₚ/∂a = sign(a)·|a|^(p−1) / ‖a‖ₚ^(p−1), and 0 where the norm is 0 (as PyTorch)."""
    s = out if keepdims else out.reshape(_kept_shape(a.shape, axis))
    flat = xp.value(s) == 0
    if ord == 2 and not flat.any():
        return a / s
    safe = xp.where(flat, 1.0, s)
    if ord == 2:
        return a * (~flat / safe)
    sign = np.sign(xp.value(a))  # sign′ = 0: a constant is its exact derivative
    return sign * xp.abs(a) ** (ord - 1.0) * (~flat / safe ** (ord - 1.0))


VECTOR_NORM = defop(
    "vector_norm", _vector_norm_forward,
    lambda g, out, inputs, needs, xp, *, ord, axis, keepdims: (  # noqa: A006
        _unreduce(g, inputs[0].shape, axis, keepdims, xp)
        * _vector_norm_slope(out, inputs[0], ord, axis, keepdims, xp),),
    jvp=lambda t, out, inputs, xp, *, ord, axis, keepdims: xp.sum(  # noqa: A006
        t[0] * _vector_norm_slope(out, inputs[0], ord, axis, keepdims, xp), axis=axis,
        keepdims=keepdims),
    math="‖a‖ₚ = (Σ|a|ᵖ)^(1/p);  ∂/∂a = g·sign(a)·|a|^(p−1) / ‖a‖ₚ^(p−1), 0 at ‖a‖ = 0",
    expose=[parsed("vector_norm", lambda x, ord, axis, keepdims: (  # noqa: A006
        (x,), {"ord": ord, "axis": axis, "keepdims": keepdims}), internal=True,
        on_arrays=lambda a, ord, axis, keepdims: _vector_norm_forward(  # noqa: A006
            a, ord=ord, axis=axis, keepdims=keepdims))],
)


# ---- singular-value norms: nuclear (Σσ), spectral (max σ) and min σ ------------------------
def _singular_value_norm(t: Tensor, ord: Any, rows: int, cols: int,  # noqa: A002
                         keepdims: bool) -> Tensor:
    """Through svd's singular values, so every derivative order comes from the SVD's rule
    (ties between the largest singular values split the gradient, as max does)."""
    order = tuple(i for i in range(t.ndim) if i not in (rows, cols)) + (rows, cols)
    moved = t if order == tuple(range(t.ndim)) else t.transpose(order)  # (batch..., rows, cols)
    s = TENSOR_FUNCTIONS["svd"](moved, compute_uv=False)  # (batch..., k)
    out = s.sum(-1) if ord == "nuc" else s.max(-1) if ord == 2 else s.min(-1)
    return out.reshape(_kept_shape(t.shape, (rows, cols))) if keepdims else out


# ---- numpy.linalg.norm ----------------------------------------------------------------------
def _vector_norm(t: Tensor, ord: Any, axis: tuple[int, ...] | None,  # noqa: A002
                 keepdims: bool) -> Tensor:
    if ord is None or (not isinstance(ord, str) and ord == 2):
        return apply(VECTOR_NORM, (t,), {"ord": 2, "axis": axis, "keepdims": keepdims})
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; a vector norm takes a number "
                         "(or None, inf, -inf)")
    p = real(ord, "norm", "ord")
    if p == np.inf:
        return t.abs().max(axis, keepdims)
    if p == -np.inf:
        return t.abs().min(axis, keepdims)
    if p == 0:  # the count of nonzeros: a step function, so its gradient is 0 (even at inf)
        nonzero = (t.data != 0).astype(t.dtype)
        return TENSOR_FUNCTIONS["where"](np.zeros(t.shape, bool), t, nonzero).sum(axis, keepdims)
    if p == 1:
        return t.abs().sum(axis, keepdims)
    return apply(VECTOR_NORM, (t,), {"ord": p, "axis": axis, "keepdims": keepdims})


def _matrix_norm(t: Tensor, ord: Any, rows: int, cols: int,  # noqa: A002
                 keepdims: bool) -> Tensor:
    if ord is None or ord == "fro":
        return apply(VECTOR_NORM, (t,), {"ord": 2, "axis": tuple(sorted((rows, cols))),
                                         "keepdims": keepdims})
    if ord in ("nuc", 2, -2) and not isinstance(ord, bool):
        return _singular_value_norm(t, ord, rows, cols, keepdims)
    if ord in (1, -1, np.inf, -np.inf) and not isinstance(ord, (bool, str)):
        # 1: the largest column sum of |a|; inf: the largest row sum (−: the smallest)
        summed, other = (rows, cols) if abs(ord) == 1 else (cols, rows)
        sums = t.abs().sum(summed, keepdims=True)
        extreme = sums.max(other, keepdims=True) if ord > 0 else sums.min(other, keepdims=True)
        if keepdims:
            return extreme
        return extreme.reshape(tuple(n for i, n in enumerate(t.shape) if i not in (rows, cols)))
    raise ValueError(f"norm: invalid ord={ord!r} for a matrix norm; expected None, 'fro', "
                     "'nuc', 1, -1, 2, -2, inf or -inf")


_ORD_NAMES = ("fro", "nuc")


def norm(x: Any, ord: Any = None, axis: Axis = None,  # noqa: A002  (numpy's name)
         keepdims: bool = False) -> Tensor:
    """numpy.linalg.norm: vector norms over one axis, matrix norms over two; with axis=None,
    the 2-norm of all elements (ord=None) or the norm of a 1-d or 2-d tensor (ord given)."""
    t = floating(as_tensor(x, op="norm"))
    keepdims = bool(keepdims)
    if isinstance(ord, np.ndarray) and ord.ndim == 0:  # numpy reads a 0-d array as its number
        ord = ord[()]  # noqa: A001
    if ord is not None and not (isinstance(ord, str) and ord in _ORD_NAMES):  # never an array
        expected = "expected None, a number (1, 2, inf, ...), 'fro' or 'nuc'"
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid ord={ord!r}; {expected}")
        try:
            real(ord, "norm", "ord")
        except TypeError:
            raise TypeError(f"norm: ord must be one number or a name, got {ord!r} "
                            f"({type(ord).__name__}); {expected}") from None
    if axis is None:
        if ord is None:
            return _vector_norm(t, None, None, keepdims)
        if t.ndim not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} with axis=None needs a 1-d or 2-d tensor, got "
                             f"shape {t.shape}; pass axis= to choose the axes")
        axis = tuple(range(t.ndim))
    axes = (axis,) if is_int(axis) else tuple(axis) if isinstance(axis, (tuple, list)) else axis
    if not isinstance(axes, tuple) or len(axes) not in (1, 2):
        raise ValueError(f"norm: axis must be an int or a tuple of 1 or 2 ints, got {axis!r}")
    normalize_axis(axes, t.ndim, "norm")  # checks range and repeats
    if len(axes) == 1:
        return _vector_norm(t, ord, normalize_axis(axes, t.ndim, "norm"), keepdims)
    rows, cols = (a % t.ndim for a in axes)
    return _matrix_norm(t, ord, rows, cols, keepdims)


def _norm_on_arrays(*args: Any, **kwargs: Any) -> Any:
    return norm(*args, **kwargs).data


publish("norm", norm, _norm_on_arrays)  # `autograd_mini.numpy.linalg.norm` maps to this
