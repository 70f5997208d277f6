"""Loss functions, as functions and as modules: `loss(input, target)` -> Tensor.

`reduction` is 'mean' (default), 'sum' or 'none' (per-element, or per-row for cross-entropy).
MSE also offers 'half_sum', the lecture's C = ½ Σ (ŷ − y)², whose gradient is plainly ŷ − y.
Elementwise losses demand input and target of exactly the same shape: an (N,) target against
an (N, 1) prediction would broadcast to (N, N) and silently train on the wrong thing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import ShapeError, Tensor

from .module import Module

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "L1Loss", "MSELoss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss",
    "l1_loss", "mse_loss",
]

_REDUCTIONS = ("mean", "sum", "none")
_MSE_REDUCTIONS = (*_REDUCTIONS, "half_sum")
_LOG_FLOOR = -100.0  # PyTorch's clamp for log(p) in BCELoss: finite loss at p = 0 or 1


def _pair(name: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:
    """Input as a Tensor, target as a Tensor of the same dtype and exactly the same shape."""
    x = am.as_tensor(input)
    if not isinstance(target, Tensor):
        array = np.asarray(target)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name}: target must hold numbers, got dtype {array.dtype}")
        y = Tensor(array.astype(x.dtype, copy=False))
    elif target.dtype != x.dtype:
        y = am.astype(target, x.dtype)
    else:
        y = target
    if x.shape != y.shape:
        hint = ""
        if x.size == y.size:
            hint = f"; reshape the target, e.g. target.reshape{x.shape}"
        raise ShapeError(f"{name}: input has shape {x.shape} but target has shape {y.shape}; "
                         f"they must be equal (no broadcasting){hint}")
    return x, y


def _reduce(name: str, losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    allowed = _MSE_REDUCTIONS if name == "mse_loss" else _REDUCTIONS
    raise ValueError(f"{name}: reduction must be one of {allowed}, got {reduction!r}")


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """(ŷ − y)² reduced by mean | sum | none | half_sum (= ½ Σ, the lecture's cost)."""
    x, y = _pair("mse_loss", input, target)
    diff = x - y
    squares = diff * diff
    if reduction == "half_sum":
        return squares.sum() * 0.5
    return _reduce("mse_loss", squares, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """|ŷ − y| reduced (gradient sign(ŷ − y), 0 at 0)."""
    x, y = _pair("l1_loss", input, target)
    return _reduce("l1_loss", am.abs(x - y), reduction)


def _check_delta(name: str, delta: Any) -> None:
    """δ must be a positive real number: a NaN δ would make every loss NaN."""
    if isinstance(delta, (bool, np.bool_)) or not isinstance(delta, (int, float, np.integer,
                                                                      np.floating)):
        raise TypeError(f"{name}: delta must be a positive number, got {delta!r}")
    if not delta > 0:
        raise ValueError(f"{name}: delta must be positive, got {delta}")


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """½d² for |d| ≤ δ, δ(|d| − ½δ) beyond, with d = ŷ − y."""
    _check_delta("huber_loss", delta)
    x, y = _pair("huber_loss", input, target)
    size = am.abs(x - y)
    # With q = min(|d|, δ): ½q² + δ(|d| − q) equals both branches and is smooth at |d| = δ.
    quadratic = am.clip(size, max=delta)
    return _reduce("huber_loss", quadratic * quadratic * 0.5 + (size - quadratic) * delta,
                   reduction)


def cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """−Σₖ tₖ log softmax(z)ₖ per row from logits z (batch, classes); target: integer labels
    (batch,) or probabilities / one-hot rows (batch, classes). Fused and stable."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {_REDUCTIONS}, got "
                         f"{reduction!r}")
    return am.cross_entropy(input, target, reduction)


def _log_clamped(p: Tensor) -> Tensor:
    # log(0) would be −inf (and warn); the smallest subnormal keeps log finite (≈ −103 in
    # float32, −744 in float64), and the floor makes it exactly PyTorch's −100. Below the floor
    # the gradient goes to the constant, so 1/p is never multiplied by a nonzero upstream
    # gradient where p is clipped (inf·0 would be NaN). That needs log(tiny) < −100, which
    # float16 lacks (log(6e-8) ≈ −16.6): callers compute in _at_least_float32.
    tiny = float(np.finfo(p.dtype).smallest_subnormal)
    return am.maximum(am.log(am.clip(p, min=tiny)), _LOG_FLOOR)


def _at_least_float32(x: Tensor) -> Tensor:
    """float16 (and smaller) upcast to float32 for a log-domain loss; others unchanged.

    In float16, 1/p overflows for p < 1.5e-5 and log(p) cannot reach PyTorch's −100 floor, so a
    confidently wrong prediction gave a NaN gradient; the loss is cast back to the input dtype.
    """
    return am.astype(x, np.float32) if x.dtype.itemsize < 4 else x


def _same_dtype(losses: Tensor, like: Tensor) -> Tensor:
    return losses if losses.dtype == like.dtype else am.astype(losses, like.dtype)


def binary_cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """−[y log p + (1 − y) log(1 − p)] on probabilities p ∈ [0, 1]; logs floored at −100."""
    p, y = _pair("binary_cross_entropy", input, target)
    if p.size and (p.data.min() < 0 or p.data.max() > 1):
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got "
                         f"range [{p.data.min()}, {p.data.max()}]; use "
                         "binary_cross_entropy_with_logits for raw scores")
    p32, y32 = _at_least_float32(p), _at_least_float32(y)
    losses = -(y32 * _log_clamped(p32) + (1.0 - y32) * _log_clamped(1.0 - p32))
    return _reduce("binary_cross_entropy", _same_dtype(losses, p), reduction)


def binary_cross_entropy_with_logits(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """BCE of σ(z) computed from logits z as softplus(z) − z·y: stable for any z."""
    z, y = _pair("binary_cross_entropy_with_logits", input, target)
    z32, y32 = _at_least_float32(z), _at_least_float32(y)
    losses = _same_dtype(am.softplus(z32) - z32 * y32, z)
    return _reduce("binary_cross_entropy_with_logits", losses, reduction)


class _Loss(Module):
    _allowed: tuple[str, ...] = _REDUCTIONS

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in self._allowed:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{self._allowed}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Squared error (ŷ − y)²; reduction='half_sum' gives the lecture's C = ½ Σ (ŷ − y)²."""

    _allowed = _MSE_REDUCTIONS

    def forward(self, input: Any, target: Any) -> Tensor:
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Absolute error |ŷ − y|."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Quadratic within `delta` of the target, linear beyond."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        _check_delta("HuberLoss", delta)
        self.delta = float(delta)

    def forward(self, input: Any, target: Any) -> Tensor:
        return huber_loss(input, target, self.reduction, self.delta)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, delta={self.delta}"


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from logits (batch, classes); labels (batch,) or probabilities."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return am.cross_entropy(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities (after a sigmoid)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits: sigmoid and log fused, stable for any logit."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, self.reduction)
