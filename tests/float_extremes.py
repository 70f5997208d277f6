"""Inputs across the whole floating-point range, and a strict mode for running them."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

import numpy as np

R = TypeVar("R")


def strict(fn: Callable[[], R]) -> R:
    """Run fn with numpy errors (except underflow) raised and warnings turned into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            return fn()


def extremes(dtype) -> np.ndarray:
    """±subnormal, ±tiny, ±1e-3, ±1, ±50, ±1e4, ±1e30, ±max/2, ±max and ±0 in `dtype`."""
    info = np.finfo(dtype)
    positive = [info.smallest_subnormal, info.tiny, 1e-3, 1.0, 50.0, 1e4, 1e30, info.max / 2,
                info.max]
    return np.array([-v for v in reversed(positive)] + [-0.0, 0.0] + positive, dtype=dtype)
