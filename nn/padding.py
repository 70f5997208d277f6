"""`pad` with PyTorch's argument order: (left, right) of the last axis first, then the axis
before it, ...; modes constant, reflect, replicate and circular."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import ShapeError, Tensor

from .arguments import check_int, check_real

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def _source_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """Which input position each output position along one axis reads."""
    positions = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(positions, 0, n - 1)
    if mode == "circular":
        return positions % n
    period = 2 * (n - 1)  # reflect: ... 2 1 | 0 1 2 ... n-1 | n-2 ...
    folded = np.abs(positions) % period
    return np.where(folded < n, folded, period - folded)


def pad(x: Any, pad: tuple[int, ...], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad (or, with negative amounts, crop) the trailing len(pad)/2 axes of x."""
    t = am.as_tensor(x)
    amounts = tuple(check_int("pad", "pad", p) for p in pad)
    if len(amounts) % 2 or len(amounts) // 2 > t.ndim:
        raise ValueError(f"pad: pad must hold (before, after) pairs for at most {t.ndim} axes "
                         f"(last axis first), got {pad!r}")
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {_MODES}, got {mode!r}")
    value = check_real("pad", "value", value)
    for i in range(len(amounts) // 2):
        axis = t.ndim - 1 - i
        lo, hi = amounts[2 * i], amounts[2 * i + 1]
        n = t.shape[axis]
        lead = (slice(None),) * axis
        if lo < 0 or hi < 0:  # crop first, as PyTorch does with negative padding
            if -min(lo, 0) - min(hi, 0) >= n:
                raise ShapeError(f"pad: cropping {pad!r} leaves nothing of axis {axis} "
                                 f"(size {n})")
            t = t[lead + (slice(-min(lo, 0), n + min(hi, 0)),)]
            lo, hi, n = max(lo, 0), max(hi, 0), t.shape[axis]
        if lo == 0 and hi == 0:
            continue
        if mode == "constant":
            parts = []
            for size in (lo, hi):
                block = np.full(t.shape[:axis] + (size,) + t.shape[axis + 1:], value,
                                dtype=t.dtype if t.dtype.kind == "f" else np.float64)
                parts.append(Tensor(block))
            t = am.concatenate([parts[0], t, parts[1]], axis=axis)
            continue
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ShapeError(f"pad: reflect padding ({lo}, {hi}) must be smaller than axis "
                             f"{axis}'s size {n}")
        if mode == "circular" and (lo > n or hi > n):
            raise ShapeError(f"pad: circular padding ({lo}, {hi}) must be at most axis "
                             f"{axis}'s size {n}")
        t = t[lead + (_source_index(n, lo, hi, mode),)]
    return t
