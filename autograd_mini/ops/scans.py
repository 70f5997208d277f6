"""Scans along an axis: cumsum and cumprod, one block each. As in numpy, axis=None scans the
flattened tensor (the result is 1-d)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .args import as_tensor, refuse_torch_keywords, single_axis
from .expose import defop, parsed


def _scan_parse(op: str):
    """parse(x, axis=None) for a scan named `op`."""
    def parse(x: Any, axis: int | None = None, **torch_style: Any) -> tuple:
        refuse_torch_keywords(op, torch_style)
        t = as_tensor(x, op=op)
        return (t,), {"axis": None if axis is None else single_axis(axis, t.ndim, op)}

    parse.__name__ = f"{op}_arguments"
    return parse


def _flat(x, axis):
    """(x, axis) as the scan sees them: axis=None scans the flattened tensor along axis 0."""
    return (x.reshape(-1), 0) if axis is None else (x, axis)


def _reversed(x, axis):
    """x reversed along `axis` (a view; a recorded getitem on Tensors)."""
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


def _reverse_cumsum(x, axis, xp):
    """Σ_{k ≥ i} x_k along `axis`: the transpose of cumsum."""
    return _reversed(xp.cumsum(_reversed(x, axis), axis=axis), axis)


CUMSUM = defop(
    "cumsum", lambda a, *, axis: np.cumsum(a, axis=axis),
    lambda g, out, inputs, needs, xp, *, axis: (
        _reverse_cumsum(g, 0 if axis is None else axis, xp).reshape(inputs[0].shape),),
    jvp=lambda t, out, inputs, xp, *, axis: xp.cumsum(t[0], axis=axis),
    math="cumsum(a)ₖ = Σ_{i≤k} aᵢ;  ∂/∂aᵢ = Σ_{k≥i} gₖ",
    expose=[parsed("cumsum", _scan_parse("cumsum"), method=True, on_arrays=np.cumsum)],
)


def _cumprod_vjp(g, out, inputs, needs, xp, *, axis):
    a, ax = _flat(inputs[0], axis)
    zero = xp.value(a) == 0
    if not zero.any():
        return ((_reverse_cumsum(g * out, ax, xp) / a).reshape(inputs[0].shape),)
    # At a nonzero aᵢ, Π_{j≤k, j≠i} aⱼ = outₖ / aᵢ exactly, zeros elsewhere or not. At a zero
    # the division is not available: at a slice's first zero z₁ it is the cumprod with a_z₁
    # replaced by 1; at its second zero z₂, a_z₁ (0 in value) times the cumprod with both
    # replaced by 1; at later zeros 0. Each is a function of `a`, so the second derivatives
    # at zeros stay exact (PyTorch's values, without dividing by zero).
    grad = _reverse_cumsum(g * out, ax, xp) / xp.where(zero, 1.0, a)
    seen = np.cumsum(zero, axis=ax)  # zeros at or before each position
    first, second = zero & (seen == 1), zero & (seen == 2)
    at_zero = first * _reverse_cumsum(g * xp.cumprod(xp.where(first, 1.0, a), axis=ax), ax, xp)
    if second.any():
        the_first = xp.sum(xp.where(first, a, 0.0), axis=ax, keepdims=True)  # 0 in value
        skipped = xp.cumprod(xp.where(first | second, 1.0, a), axis=ax)
        at_zero = at_zero + second * the_first * _reverse_cumsum(g * skipped, ax, xp)
    return (xp.where(zero, at_zero, grad).reshape(inputs[0].shape),)


def _cumprod_jvp(t, out, inputs, xp, *, axis):
    a, ax = _flat(inputs[0], axis)
    tangent, _ = _flat(t[0], axis)
    zero = xp.value(a) == 0
    if not zero.any():
        return out * xp.cumsum(tangent / a, axis=ax)
    # ∂outₖ/∂aᵢ = outₖ/aᵢ at nonzero aᵢ; at a slice's first zero, the cumprod with it replaced
    # by 1; at later zeros 0 (each such product still holds the first zero).
    first = zero & (np.cumsum(zero, axis=ax) == 1)
    return (out * xp.cumsum(~zero * tangent / xp.where(zero, 1.0, a), axis=ax)
            + xp.cumsum(first * tangent, axis=ax) * xp.cumprod(xp.where(first, 1.0, a), axis=ax))


CUMPROD = defop(
    "cumprod", lambda a, *, axis: np.cumprod(a, axis=axis), _cumprod_vjp, jvp=_cumprod_jvp,
    math="cumprod(a)ₖ = Π_{i≤k} aᵢ;  ∂/∂aᵢ = Σ_{k≥i} gₖ·Π_{j≤k, j≠i} aⱼ (exact at zeros)",
    expose=[parsed("cumprod", _scan_parse("cumprod"), method=True, on_arrays=np.cumprod)],
)
