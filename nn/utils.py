"""Gradient clipping, in place on `.grad`, measured and applied like PyTorch's."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

import autograd_mini as am

from .arguments import check_bool, check_real


def clip_grad_norm_(
    params: am.Tensor | Iterable[am.Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients by min(1, max_norm/(‖g‖ + 1e-6)); returns the pre-clip total norm.

    The total norm is the `norm_type`-norm of the per-parameter norms (`inf`: the largest
    |gᵢ|), i.e. the norm of all gradients concatenated. Parameters without a gradient are
    skipped. A non-finite total raises when `error_if_nonfinite`, and otherwise (as in PyTorch)
    makes the scale 0 or NaN.
    """
    max_norm = check_real("clip_grad_norm_", "max_norm", max_norm, low=0.0)
    if norm_type in ("inf", "Inf"):  # PyTorch reads the norm through float(), so this works
        norm_type = math.inf
    norm_type = check_real("clip_grad_norm_", "norm_type", norm_type, low=0.0, low_open=True)
    error_if_nonfinite = check_bool("clip_grad_norm_", "error_if_nonfinite", error_if_nonfinite)
    grads = _gradients(params)
    if not grads:
        return 0.0
    norms = np.array([_vector_norm(g, norm_type) for _, g in grads])
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise FloatingPointError(
            f"clip_grad_norm_: the total {norm_type}-norm of the gradients is {total}; pass "
            "error_if_nonfinite=False to clip anyway (the gradients then become NaN or 0)"
        )
    coefficient = float(max_norm) / (total + 1e-6)
    if not coefficient >= 1.0:  # also true for NaN, which spreads as in PyTorch
        for p, g in grads:
            if g.flags.writeable:
                g *= coefficient
            else:
                p.grad = g * coefficient
    return total


def clip_grad_value_(params: am.Tensor | Iterable[am.Tensor], clip_value: float) -> None:
    """Clamp every gradient entry to [-clip_value, clip_value] in place."""
    value = check_real("clip_grad_value_", "clip_value", clip_value, low=0.0)
    for p, g in _gradients(params):
        if g.flags.writeable:
            np.clip(g, -value, value, out=g)
        else:
            p.grad = np.clip(g, -value, value)


def _gradients(params: am.Tensor | Iterable[am.Tensor]) -> list[tuple[am.Tensor, np.ndarray]]:
    """(parameter, gradient array) for parameters that have a gradient (`.grad.data`, changed
    in place by the clipping functions)."""
    params = [params] if isinstance(params, am.Tensor) else list(params)
    pairs = []
    for p in params:
        if p.grad is not None:
            pairs.append((p, p.grad.data))  # `.grad` is a Tensor in every mode
    return pairs


def _vector_norm(x: np.ndarray, norm_type: float) -> float:
    """The norm of x flattened; recomputed in float64 if a float32 sum of squares overflowed."""
    x = x.ravel()
    if x.size == 0:
        return 0.0
    with np.errstate(over="ignore"):  # a float32 overflow is detected and redone below
        value = float(np.linalg.norm(x, norm_type))
    if math.isinf(value) and x.dtype != np.float64 and np.isfinite(x).all():
        value = float(np.linalg.norm(x.astype(np.float64), norm_type))
    return value
