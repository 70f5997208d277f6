"""Error types raised by autograd_mini; each message names the op and what was expected."""

from __future__ import annotations


class AutogradError(RuntimeError):
    """A misuse of the autograd engine (second backward, in-place mutation, missing grad)."""


class ShapeError(ValueError):
    """Operands whose shapes do not fit the op; the message names the op and both shapes."""


class AnomalyError(FloatingPointError):
    """Raised in `detect_anomaly()` mode when an op's forward or backward produces NaN/Inf."""
