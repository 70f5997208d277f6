"""Fused loss primitives whose dedicated derivative is both faster and numerically safer."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .args import as_tensor, floating
from .expose import defop, parsed
from .reductions import _log_softmax_forward, _slice_max, _slice_sum


def _per_row_cross_entropy(logits, target):
    """−Σₖ tₖ log softmax(z)ₖ for each row: (batch, classes) -> (batch,)."""
    if target.ndim == 1:  # integer labels: ln Σ e^(z − m) − (z_label − m), no log-prob matrix
        shifted = logits - _slice_max(logits, (1,))  # (batch, classes), ≤ 0
        with np.errstate(divide="ignore"):  # the sum is ≥ 1 (e⁰ at the max)
            log_total = np.log(_slice_sum(np.exp(shifted), (1,)))  # (batch, 1)
        return log_total[:, 0] - shifted[np.arange(logits.shape[0]), target]
    log_probs = _log_softmax_forward(logits, axis=-1)  # (batch, classes)
    return -np.einsum("ij,ij->i", log_probs, target.astype(logits.dtype, copy=False))


def _cross_entropy_forward(logits, *soft_target, target, reduction):
    if soft_target:  # a probability target that requires grad is the op's second input
        target = soft_target[0]
    losses = _per_row_cross_entropy(logits, target)  # (batch,)
    if reduction == "mean" and len(losses):  # (np.mean's Python layers cost more than the sum)
        return np.asarray(np.add.reduce(losses) / len(losses), dtype=logits.dtype)
    if reduction == "mean":  # empty batch: NaN with numpy's "mean of empty slice" warning
        return np.asarray(losses.mean(), dtype=logits.dtype)
    if reduction == "sum":
        return np.asarray(losses.sum(), dtype=logits.dtype)
    return losses


def _cross_entropy_vjp(g, out, inputs, needs, xp, *, target, reduction):
    logits = inputs[0]
    n, classes = logits.shape
    if reduction == "mean":
        g = g * (1.0 / max(n, 1))  # an empty batch has an empty gradient, not a ZeroDivisionError
    if reduction == "none":
        g = g.reshape((n, 1))
    if len(inputs) == 2:  # the target is differentiated too (PyTorch's rule)
        return _soft_target_vjp(g, logits, inputs[1], needs, xp)
    probs = xp.softmax(logits, axis=-1)  # (batch, classes)
    first_order = type(probs) is np.ndarray  # then probs and diff are this function's own
    if target.ndim == 1 and first_order:
        probs[np.arange(n), target] -= 1  # softmax − one-hot, without building the one-hot
        diff = probs
    elif target.ndim == 1:
        onehot = np.zeros((n, classes), dtype=xp.value(logits).dtype)
        onehot[np.arange(n), target] = 1
        diff = probs - onehot  # one-hot rows sum to 1
    else:
        weights = target.astype(xp.value(logits).dtype, copy=False)
        # Soft targets need not sum to 1 (label weights): keep the row total.
        diff = probs * weights.sum(axis=1, keepdims=True) - weights
    if first_order:  # scale in place
        return (np.multiply(diff, g, out=diff, casting="unsafe"),)
    return (diff * g,)


def _cross_entropy_parse(logits: Any, target: Any, reduction: str = "mean") -> tuple:
    z = floating(as_tensor(logits, op="cross_entropy"))
    if z.ndim != 2:
        raise ShapeError(f"cross_entropy: logits must be (batch, classes), got {z.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    t = np.asarray(target.data if isinstance(target, Tensor) else target)
    n, classes = z.shape
    if classes == 0:
        raise ShapeError(f"cross_entropy: logits of shape {z.shape} have no classes")
    if t.dtype.kind not in "biuf":
        raise TypeError(f"cross_entropy: target must hold integer labels (batch,) or "
                        f"probabilities (batch, classes), got dtype {t.dtype}")
    if t.ndim == 1:  # class labels
        if isinstance(target, Tensor) and target.requires_grad:
            # PyTorch refuses float labels outright; their gradient would silently be dropped
            raise TypeError(f"cross_entropy: class labels of shape {t.shape} (dtype {t.dtype}) "
                            "require grad, but labels are indices and carry no gradient; pass "
                            "integer labels or target.detach(), or probabilities of shape "
                            f"{z.shape} to differentiate the target")
        t = _checked_labels(t, n, classes, z.shape)
    elif t.shape != z.shape:
        raise ShapeError(f"cross_entropy: target of shape {t.shape} fits neither labels ({n},) "
                         f"nor probabilities {z.shape}")
    if isinstance(target, Tensor) and target.requires_grad and t.ndim == 2:
        # Probabilities that require grad: an input, so ∂/∂t = −g·log softmax(z) reaches them.
        return (z, target), {"target": None, "reduction": reduction}
    return (z,), {"target": t, "reduction": reduction}


def _soft_target_vjp(g, logits, target, needs, xp):
    """Gradients for logits z and a differentiable probability target t (g is per row)."""
    grad_logits = grad_target = None
    if needs[0]:
        probs = xp.softmax(logits, axis=-1)  # (batch, classes)
        grad_logits = (probs * target.sum(axis=1, keepdims=True) - target) * g
    if needs[1]:
        grad_target = xp.log_softmax(logits, axis=-1) * -g  # (batch, classes)
    return grad_logits, grad_target


def _checked_labels(t: np.ndarray, n: int, classes: int, shape: tuple) -> np.ndarray:
    """Labels as int64 in [0, classes), or an error naming the first bad label."""
    if t.dtype.kind == "b":
        raise TypeError("cross_entropy: labels must be integers, got dtype bool; use "
                        "labels.astype(np.int64)")
    if t.shape != (n,):
        raise ShapeError(f"cross_entropy: logits of shape {shape} need {n} labels, got "
                         f"labels of shape {t.shape}")
    if t.dtype.kind == "f":  # whole numbers in range, checked before the cast can overflow
        bad = ~((t == np.round(t)) & (t >= 0) & (t < classes))  # NaN is bad too
        if bad.any():
            first = t[bad][0]
            what = "whole numbers" if not first == np.round(first) else f"in [0, {classes})"
            raise ValueError(f"cross_entropy: labels must be {what}, got {first!r} (expected "
                             f"class indices in [0, {classes}))")
        return t.astype(np.int64)
    if t.dtype.kind == "u":
        in_range = not n or np.max(t) < classes
    else:
        # One pass checks both ends: seen as unsigned, a negative label is larger than any
        # class index.
        t = t.astype(np.int64, copy=False)
        in_range = not n or np.maximum.reduce(t.view(np.uint64), axis=None) < classes
    if not in_range:
        bad = t[(t < 0) | (t >= classes)][0]
        raise ValueError(f"cross_entropy: labels must lie in [0, {classes}), got {bad!r} "
                         f"(labels range over [{t.min()}, {t.max()}])")
    return t.astype(np.int64, copy=False)


def _cross_entropy_jvp(t, out, inputs, xp, *, target, reduction):
    # Each row's loss changes by Σₖ ∂loss/∂xₖ·tₖ over the inputs that carry a tangent (the
    # logits, and a probability target that requires grad); the VJP with g = 1 per row gives
    # those ∂loss/∂x.
    n = inputs[0].shape[0]
    ones = np.ones((n,), dtype=xp.value(inputs[0]).dtype)
    grads = _cross_entropy_vjp(ones, None, inputs, tuple(ti is not None for ti in t), xp,
                               target=target, reduction="none")
    terms = [(gi * ti).sum(axis=1) for gi, ti in zip(grads, t)  # each (batch,)
             if gi is not None and ti is not None]
    per_row = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    if reduction == "none":
        return per_row
    total = per_row.sum()
    return total * (1.0 / max(n, 1)) if reduction == "mean" else total


CROSS_ENTROPY = defop(
    "cross_entropy", _cross_entropy_forward, _cross_entropy_vjp, jvp=_cross_entropy_jvp,
    math="cross_entropy(z, t) = −Σ t·log softmax(z);  ∂/∂z = g·(softmax(z)·Σt − t),  "
         "∂/∂t = −g·log softmax(z)",
    expose=[parsed("cross_entropy", _cross_entropy_parse)],
)
