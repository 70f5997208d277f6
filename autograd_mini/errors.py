"""Error types raised by autograd_mini; each message names the op and what was expected.
Warnings point at the user's line (`caller_stacklevel`)."""

from __future__ import annotations

import os
import sys


class AutogradError(RuntimeError):
    """A misuse of the autograd engine (second backward, in-place mutation, missing grad)."""


class ShapeError(ValueError):
    """Operands whose shapes do not fit the op; the message names the op and both shapes."""


class AnomalyError(FloatingPointError):
    """Raised in `detect_anomaly()` mode when an op's forward or backward produces NaN/Inf."""


def caller_stacklevel() -> int:
    """The `warnings.warn` stacklevel, for a warning issued by the calling function, that names
    the first frame outside the autograd_mini package: the user's line."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level
