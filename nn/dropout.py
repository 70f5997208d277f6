"""Inverted dropout: zero each unit with probability p and scale survivors by 1/(1 − p)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import ShapeError, Tensor

from .arguments import ArgumentTypeError
from .init import RNG, as_generator
from .module import Module

__all__ = ["Dropout", "Dropout2d", "dropout", "dropout2d"]


def _check_p(p: float, who: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{who}: p must be a number in [0, 1), got {p!r} "
                                f"({type(p).__name__})")
    if not 0.0 <= p < 1.0:
        raise ValueError(f"{who}: p must lie in [0, 1), got {p!r}")
    return float(p)


def dropout(x: Any, p: float = 0.5, training: bool = True, rng: RNG = None) -> Tensor:
    """x·m/(1 − p) with m ~ Bernoulli(1 − p) per element when training; x itself otherwise.

    The expected output equals x, so evaluation needs no rescaling.
    """
    p = _check_p(p, "dropout")
    t = am.as_tensor(x)
    if not training or p == 0.0:
        return t
    generator = rng if isinstance(rng, np.random.Generator) else as_generator(rng)
    dtype = t.dtype if t.dtype.kind == "f" else np.dtype(np.float64)
    draws = generator.random(t.shape, dtype=dtype if dtype.itemsize >= 4 else np.float32)
    mask = (draws >= p) * dtype.type(1.0 / (1.0 - p))  # (same shape as x), 0 or 1/(1 − p)
    return t * mask.astype(dtype, copy=False)


class Dropout(Module):
    """Inverted dropout in training mode, identity in eval mode; `rng` seeds its own generator
    (a Generator is used as is, an int seeds a new one, None draws fresh entropy)."""

    def __init__(self, p: float = 0.5, rng: RNG = None) -> None:
        super().__init__()
        self.p = _check_p(p, "Dropout")
        self.rng = as_generator(rng)

    def forward(self, x: Any) -> Tensor:
        return dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def dropout2d(x: Any, p: float = 0.5, training: bool = True, rng: RNG = None) -> Tensor:
    """Zero whole channels of x (batch, channels, H, W) with probability p, scaling the kept
    ones by 1/(1 − p); an unbatched (channels, H, W) input drops per channel too."""
    p = _check_p(p, "dropout2d")
    t = am.as_tensor(x)
    if t.ndim not in (3, 4):
        raise ShapeError(f"dropout2d: expected (batch, channels, H, W) or (channels, H, W), "
                         f"got {t.shape}")
    if not training or p == 0.0:
        return t
    generator = rng if isinstance(rng, np.random.Generator) else as_generator(rng)
    dtype = t.dtype if t.dtype.kind == "f" else np.dtype(np.float64)
    channels = t.shape[: t.ndim - 2] + (1, 1)  # one draw per (sample, channel)
    mask = (generator.random(channels) >= p) * (1.0 / (1.0 - p))
    return t * mask.astype(dtype)


class Dropout2d(Module):
    """Channel dropout (whole feature maps) in training mode, identity in eval mode."""

    def __init__(self, p: float = 0.5, rng: RNG = None) -> None:
        super().__init__()
        self.p = _check_p(p, "Dropout2d")
        self.rng = as_generator(rng)

    def forward(self, x: Any) -> Tensor:
        return dropout2d(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"
