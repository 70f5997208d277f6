"""Trigonometric and hyperbolic primitives: one block per op. `g` is the gradient arriving at
the output; `t` the tangents of the inputs (None where an input carries none).

Near the edges of a domain (arcsin at ±1, arccosh at 1, arctanh at ±1) the derivatives use
(1 − a)(1 + a) rather than 1 − a², which keeps full precision where the two nearly cancel.
Outside the domain the forward is NaN, as in numpy; at the edges the derivative is ±inf.
"""

from __future__ import annotations

import numpy as np

from .expose import binary, chain_rule, chain_rule_over, defop, unary
from .tangents import tangent_sum

SIN = defop(
    "sin", np.sin,
    **chain_rule(lambda out, a, xp: xp.cos(a)),
    math="sin(a);  ∂/∂a = g·cos a",
    expose=[unary("sin")],
)

COS = defop(
    "cos", np.cos,
    **chain_rule(lambda out, a, xp: -xp.sin(a)),
    math="cos(a);  ∂/∂a = −g·sin a",
    expose=[unary("cos")],
)

TAN = defop(
    "tan", np.tan,
    **chain_rule(lambda out, a, xp: (1.0 + out * out)),
    math="tan(a);  ∂/∂a = g·(1 + tan²a)",
    expose=[unary("tan")],
)


def _one_minus_square(a):
    return (1.0 - a) * (1.0 + a)


ARCSIN = defop(
    "arcsin", np.arcsin,
    **chain_rule_over(lambda out, a, xp: xp.sqrt(_one_minus_square(a))),
    math="arcsin(a);  ∂/∂a = g/√(1 − a²)",
    expose=[unary("arcsin")],
)

ARCCOS = defop(
    "arccos", np.arccos,
    **chain_rule_over(lambda out, a, xp: -xp.sqrt(_one_minus_square(a))),
    math="arccos(a);  ∂/∂a = −g/√(1 − a²)",
    expose=[unary("arccos")],
)

ARCTAN = defop(
    "arctan", np.arctan,
    **chain_rule_over(lambda out, a, xp: 1.0 + a * a),
    math="arctan(a);  ∂/∂a = g/(1 + a²)",
    expose=[unary("arctan")],
)


def _arctan2_weight(a, b, xp):
    """1/(a² + b²), taken as 0 where a² + b² is 0 (PyTorch's rule at the origin, where the
    angle has no derivative)."""
    r2 = a * a + b * b
    at_origin = xp.value(r2) == 0
    if at_origin.any():
        r2 = xp.where(at_origin, np.inf, r2)
    return 1.0 / r2


def _arctan2_vjp(g, out, inputs, needs, xp):
    a, b = inputs
    scaled = g * _arctan2_weight(a, b, xp)
    return (scaled * b if needs[0] else None), (-(scaled * a) if needs[1] else None)


def _arctan2_jvp(t, out, inputs, xp):
    a, b = inputs
    w = _arctan2_weight(a, b, xp)
    return tangent_sum(out, xp, (t[0], b * w), (t[1], -(a * w)))


ARCTAN2 = defop(
    "arctan2", np.arctan2, _arctan2_vjp, jvp=_arctan2_jvp,
    math="arctan2(a, b) = angle of (b, a);  ∂/∂a = g·b/(a² + b²),  ∂/∂b = −g·a/(a² + b²)  (0 at 0)",
    expose=[binary("arctan2")],
)


def _hypot_vjp(g, out, inputs, needs, xp):
    a, b = inputs
    # g·a/out never overflows (|a| ≤ out); at (0, 0) it is NaN, as in PyTorch
    return ((g * a) / out if needs[0] else None), ((g * b) / out if needs[1] else None)


HYPOT = defop(
    "hypot", np.hypot, _hypot_vjp,
    jvp=lambda t, out, inputs, xp: tangent_sum(out, xp, (t[0], inputs[0] / out),
                                               (t[1], inputs[1] / out)),
    math="hypot(a, b) = √(a² + b²);  ∂/∂a = g·a/hypot,  ∂/∂b = g·b/hypot",
    expose=[binary("hypot")],
)

# ---- hyperbolic ---------------------------------------------------------------------------------
SINH = defop(
    "sinh", np.sinh,
    **chain_rule(lambda out, a, xp: xp.cosh(a)),
    math="sinh(a);  ∂/∂a = g·cosh a",
    expose=[unary("sinh")],
)

COSH = defop(
    "cosh", np.cosh,
    **chain_rule(lambda out, a, xp: xp.sinh(a)),
    math="cosh(a);  ∂/∂a = g·sinh a",
    expose=[unary("cosh")],
)

ARCSINH = defop(
    "arcsinh", np.arcsinh,
    **chain_rule_over(lambda out, a, xp: xp.sqrt(a * a + 1.0)),
    math="arcsinh(a);  ∂/∂a = g/√(a² + 1)",
    expose=[unary("arcsinh")],
)


def _square_minus_one(a):
    return (a - 1.0) * (a + 1.0)


ARCCOSH = defop(
    "arccosh", np.arccosh,
    **chain_rule_over(lambda out, a, xp: xp.sqrt(_square_minus_one(a))),
    math="arccosh(a);  ∂/∂a = g/√(a² − 1)",
    expose=[unary("arccosh")],
)

ARCTANH = defop(
    "arctanh", np.arctanh,
    **chain_rule_over(lambda out, a, xp: _one_minus_square(a)),
    math="arctanh(a);  ∂/∂a = g/(1 − a²)",
    expose=[unary("arctanh")],
)

# ---- angle units --------------------------------------------------------------------------------
_RADIANS_PER_DEGREE = np.pi / 180.0
_DEGREES_PER_RADIAN = 180.0 / np.pi

DEG2RAD = defop(
    "deg2rad", np.deg2rad,
    **chain_rule(lambda out, a, xp: _RADIANS_PER_DEGREE),
    math="deg2rad(a) = a·π/180;  ∂/∂a = g·π/180",
    expose=[unary("deg2rad")],
)

RAD2DEG = defop(
    "rad2deg", np.rad2deg,
    **chain_rule(lambda out, a, xp: _DEGREES_PER_RADIAN),
    math="rad2deg(a) = a·180/π;  ∂/∂a = g·180/π",
    expose=[unary("rad2deg")],
)


def _sinc_derivative(out, a, xp):
    """sinc′(a) = (cos πa − sinc a)/a; at a = 0 the Taylor term −(π²/3)·a, which is 0 there
    and keeps the second derivative (−π²/3) right, where PyTorch's rule gives 0."""
    at_zero = xp.value(a) == 0
    safe_a = xp.where(at_zero, 1.0, a)
    return xp.where(at_zero, -(np.pi ** 2 / 3.0) * a, (xp.cos(np.pi * a) - out) / safe_a)


SINC = defop(
    "sinc", np.sinc,
    **chain_rule(_sinc_derivative),
    math="sinc(a) = sin(πa)/(πa);  ∂/∂a = g·(cos πa − sinc a)/a  (0 at a = 0)",
    expose=[unary("sinc")],
)
