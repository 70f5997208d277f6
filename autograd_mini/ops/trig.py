"""Trigonometric and hyperbolic primitives: one block per op. `g` is the gradient arriving at
the output; `t` the tangents of the inputs (None where an input carries none)."""

from __future__ import annotations

import numpy as np

from .expose import defop, unary

SIN = defop(
    "sin", np.sin,
    vjp=lambda g, out, inputs, needs, xp: (g * xp.cos(inputs[0]),),
    jvp=lambda t, out, inputs, xp: t[0] * xp.cos(inputs[0]),
    math="sin(a);  ∂/∂a = g·cos a",
    expose=[unary("sin")],
)

COS = defop(
    "cos", np.cos,
    vjp=lambda g, out, inputs, needs, xp: (-(g * xp.sin(inputs[0])),),
    jvp=lambda t, out, inputs, xp: -(t[0] * xp.sin(inputs[0])),
    math="cos(a);  ∂/∂a = −g·sin a",
    expose=[unary("cos")],
)
