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


def _zero_masks(a, axis, xp):
    """Where a slice's first zero is, and which positions come before it (constants)."""
    zero = xp.value(a) == 0
    seen = np.cumsum(zero, axis=axis)  # zeros at or before each position
    return seen == 0, zero & (seen == 1)


def _cumprod_vjp(g, out, inputs, needs, xp, *, axis):
    a, ax = _flat(inputs[0], axis)
    if not (xp.value(a) == 0).any():
        grad = _reverse_cumsum(g * out, ax, xp) / a
    else:
        # Before a slice's first zero z, outₖ = 0 for k ≥ z already, so the division is by
        # nonzero values only; at z, ∂outₖ/∂a_z is the cumprod with a_z replaced by 1; after
        # z, every outₖ still holds a_z = 0 (PyTorch's rule, without dividing by zero).
        before, first = _zero_masks(a, ax, xp)
        skipped = xp.cumprod(xp.where(first, 1.0, a), axis=ax)
        grad = (before * _reverse_cumsum(g * out, ax, xp) / xp.where(before, a, 1.0)
                + first * _reverse_cumsum(g * skipped, ax, xp))
    return (grad.reshape(inputs[0].shape) if axis is None else grad,)


def _cumprod_jvp(t, out, inputs, xp, *, axis):
    a, ax = _flat(inputs[0], axis)
    tangent, _ = _flat(t[0], axis)
    if not (xp.value(a) == 0).any():
        return out * xp.cumsum(tangent / a, axis=ax)
    before, first = _zero_masks(a, ax, xp)
    skipped = xp.cumprod(xp.where(first, 1.0, a), axis=ax)
    return (before * out * xp.cumsum(tangent / xp.where(before, a, 1.0), axis=ax)
            + xp.cumsum(first * tangent, axis=ax) * skipped)


CUMPROD = defop(
    "cumprod", lambda a, *, axis: np.cumprod(a, axis=axis), _cumprod_vjp, jvp=_cumprod_jvp,
    math="cumprod(a)ₖ = Π_{i≤k} aᵢ;  ∂/∂aᵢ = Σ_{k≥i} gₖ·Π_{j≤k, j≠i} aⱼ (exact at zeros)",
    expose=[parsed("cumprod", _scan_parse("cumprod"), method=True, on_arrays=np.cumprod)],
)
