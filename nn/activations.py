"""Activation functions, as functions and as parameter-free modules (elementwise unless noted).

Most are single engine primitives (sigmoid, tanh, relu, ...); GELU and SiLU are composed from
Tensor ops, so their derivatives come from the engine. All keep the input's shape and dtype.
`ACTIVATIONS` is the one table of their names (configs, the CLI, the gradient monitor and the
delta check all read it).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from .module import Module

__all__ = [
    "ACTIVATIONS", "ELU", "GELU", "Activation", "Identity", "LeakyReLU", "LogSoftmax", "ReLU",
    "SiLU", "Sigmoid", "Softmax", "Softplus", "Tanh", "activation_name", "elu", "gelu",
    "identity", "leaky_relu", "log_softmax", "relu", "sigmoid", "silu", "softmax", "softplus",
    "tanh",
]

_GELU_C = math.sqrt(2.0 / math.pi)
# Beyond ±10 the tanh in GELU is ±1 to the last bit (its argument exceeds 43), so the cubic is
# evaluated on x clipped to ±10: x³ overflows for |x| > 7e12 in float32, which made the
# forward warn and the gradient NaN.
_GELU_SATURATED = 10.0
# log1p(e^-z) underflows to 0 for z > 800 in float64 (and far sooner in float32).
_SOFTPLUS_NEGLIGIBLE = 800.0


# ---- functions -------------------------------------------------------------------------------
def sigmoid(x: Any) -> Tensor:
    """σ(x) = 1 / (1 + e⁻ˣ)."""
    return am.sigmoid(x)


def tanh(x: Any) -> Tensor:
    """tanh(x)."""
    return am.tanh(x)


def relu(x: Any) -> Tensor:
    """max(x, 0); relu'(0) = 0."""
    return am.relu(x)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope·x."""
    return am.leaky_relu(x, negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x if x > 0 else α(eˣ − 1)."""
    return am.elu(x, alpha)


def _number(who: str, name: str, value: Any) -> float:
    """A real number as a float: float("0.3") or float(True) would hide a mistake."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise TypeError(f"{who}: {name} must be a number, got {value!r}")
    return float(value)


def _softplus_beta(who: str, beta: Any) -> float:
    """β as a float; it divides, so 0 is refused (PyTorch silently returns inf)."""
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f"{who}: beta must be a number, got {beta!r}")
    if not math.isfinite(beta) or beta == 0:
        raise ValueError(f"{who}: beta must be a finite non-zero number, got {beta!r} "
                         "(softplus(x) = ln(1 + e^(βx)) / β divides by β)")
    return float(beta)


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """ln(1 + e^(βx)) / β, and x itself where βx > threshold (PyTorch's rule); β ≠ 0.

    A negative β gives the mirrored curve −softplus_|β|(−x), a smooth min(x, 0), as in PyTorch.
    """
    beta = _softplus_beta("softplus", beta)
    threshold = _number("softplus", "threshold", threshold)
    t = am.as_tensor(x)
    s = t if beta > 0 else -t  # softplus_β(x) = −softplus_|β|(−x) for β < 0
    c = abs(beta)
    if c == 1.0:
        smooth = am.softplus(s)
    else:
        # = max(s, 0) + ln(1 + e^(−c|s|)) / c, so c·s is never formed (it overflows for huge
        # s). −|s| is built with where, not abs, so the gradient at 0 is σ(0), not abs'(0) = 0.
        positive = s.data > 0
        minus_abs = am.where(positive, -s, s)
        tail = am.clip(minus_abs, min=-_SOFTPLUS_NEGLIGIBLE / c)  # ≥ −800/c: c·s cannot overflow
        smooth = am.relu(s) + am.softplus(tail * c) * (1.0 / c)
    if beta < 0:
        smooth = -smooth
    with np.errstate(over="ignore", invalid="ignore"):
        linear = t.data * beta > threshold  # (shape of x) where PyTorch returns x itself
    return am.where(linear, t, smooth) if linear.any() else smooth


def gelu(x: Any) -> Tensor:
    """Tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))), PyTorch's approximate='tanh'."""
    t = am.as_tensor(x)
    u = am.clip(t, -_GELU_SATURATED, _GELU_SATURATED)
    inner = (u + u * u * u * 0.044715) * _GELU_C
    return t * ((am.tanh(inner) + 1.0) * 0.5)  # halve first: t·2 would overflow at the max


def silu(x: Any) -> Tensor:
    """x·σ(x) (also called swish)."""
    t = am.as_tensor(x)
    return t * am.sigmoid(t)


def identity(x: Any) -> Tensor:
    """x, unchanged."""
    return am.as_tensor(x)


def softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """eˣ / Σ eˣ along `axis` (`dim=`, PyTorch's name, is refused with the fix)."""
    return am.softmax(x, _axis("softmax", axis, dim))


def log_softmax(x: Any, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """x − logsumexp(x) along `axis` (`dim=`, PyTorch's name, is refused with the fix)."""
    return am.log_softmax(x, _axis("log_softmax", axis, dim))


# ---- modules ---------------------------------------------------------------------------------
class Sigmoid(Module):
    """σ(x) = 1 / (1 + e⁻ˣ)."""

    def forward(self, x: Any) -> Tensor:
        return am.sigmoid(x)


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x: Any) -> Tensor:
        return am.tanh(x)


class ReLU(Module):
    """max(x, 0)."""

    def forward(self, x: Any) -> Tensor:
        return am.relu(x)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope·x."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = _number("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x: Any) -> Tensor:
        return am.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x if x > 0 else α(eˣ − 1)."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = _number("ELU", "alpha", alpha)

    def forward(self, x: Any) -> Tensor:
        return am.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """ln(1 + e^(βx)) / β, x where βx > threshold; β ≠ 0 (negative: a smooth min(x, 0))."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = _softplus_beta("Softplus", beta)
        self.threshold = _number("Softplus", "threshold", threshold)

    def forward(self, x: Any) -> Tensor:
        return softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    """Gaussian error linear unit, tanh approximation (see `gelu`)."""

    def forward(self, x: Any) -> Tensor:
        return gelu(x)


class SiLU(Module):
    """x·σ(x)."""

    def forward(self, x: Any) -> Tensor:
        return silu(x)


class Identity(Module):
    """Returns its input unchanged."""

    def forward(self, x: Any) -> Tensor:
        return am.as_tensor(x)


def _axis(module: str, axis: Any, dim: Any = None) -> int:
    """An int axis; int(1.5) would silently normalise over axis 1. PyTorch's `dim=` gets a
    message with the fix rather than a bare "unexpected keyword argument"."""
    if dim is not None:
        raise TypeError(f"{module}: nn uses numpy's name axis= for PyTorch's dim=; write "
                        f"axis={dim!r}")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{module}: axis must be an int, got {axis!r}")
    return int(axis)


class Softmax(Module):
    """eˣ / Σ eˣ along `axis` (default: the last, i.e. over classes for (batch, classes))."""

    def __init__(self, axis: int = -1, *, dim: int | None = None) -> None:
        super().__init__()
        self.axis = _axis("Softmax", axis, dim)

    def forward(self, x: Any) -> Tensor:
        return am.softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """x − logsumexp(x) along `axis`."""

    def __init__(self, axis: int = -1, *, dim: int | None = None) -> None:
        super().__init__()
        self.axis = _axis("LogSoftmax", axis, dim)

    def forward(self, x: Any) -> Tensor:
        return am.log_softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


# ---- the one table of names ------------------------------------------------------------------
class Activation(NamedTuple):
    """An elementwise activation: its module class and its function."""

    module: type[Module]
    function: Callable[..., Tensor]


ACTIVATIONS: Mapping[str, Activation] = MappingProxyType({
    "sigmoid": Activation(Sigmoid, sigmoid),
    "tanh": Activation(Tanh, tanh),
    "relu": Activation(ReLU, relu),
    "leaky_relu": Activation(LeakyReLU, leaky_relu),
    "elu": Activation(ELU, elu),
    "gelu": Activation(GELU, gelu),
    "silu": Activation(SiLU, silu),
    "softplus": Activation(Softplus, softplus),
    "identity": Activation(Identity, identity),
})
_NAME_OF: dict[type, str] = {a.module: name for name, a in ACTIVATIONS.items()}


def activation_name(module: Any) -> str | None:
    """The `ACTIVATIONS` name of an activation module (or of a subclass), else None."""
    for cls in type(module).__mro__:
        name = _NAME_OF.get(cls)
        if name is not None:
            return name
    return None
