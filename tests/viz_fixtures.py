"""Graphs shared by the drawing tests (test_viz_*.py), built the same way in each."""

from __future__ import annotations

from typing import Any

import autograd_mini as am


def lecture_network() -> tuple[am.Tensor, dict[str, Any]]:
    """y = σ(w2·σ(w1·x + b1) + b2), C = ½(y − t)², with named tensors."""
    x, t = am.tensor(1.5), am.tensor(0.2)
    w1 = am.tensor(0.8, requires_grad=True)
    b1 = am.tensor(-0.3, requires_grad=True)
    w2 = am.tensor(-2.0, requires_grad=True)
    b2 = am.tensor(0.4, requires_grad=True)
    z1 = w1 * x + b1
    h = am.sigmoid(z1)
    y = am.sigmoid(w2 * h + b2)
    C = 0.5 * (y - t) ** 2
    return C, dict(locals())
