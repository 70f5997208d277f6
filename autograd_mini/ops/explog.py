"""Exponentials, logarithms and powers beyond exp/log/sqrt: one block per op. `g` is the
gradient arriving at the output; `t` the tangents of the inputs (None where none).

The forwards are numpy's stable ufuncs (expm1, log1p, logaddexp, ...); the derivatives keep
that stability: expm1' = eᵃ (not expm1 + 1, which cancels to 0 in the far tail), and
logaddexp's weights are σ(a − b) ≤ 1, so logaddexp(1000, 1000) = 1000 + ln 2 with
gradients ½ and ½ instead of inf/inf.
"""

from __future__ import annotations

import numpy as np

from .expose import binary, defop, unary
from .tangents import tangent_sum

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))

EXP2 = defop(
    "exp2", np.exp2,
    vjp=lambda g, out, inputs, needs, xp: (g * (out * _LN2),),
    jvp=lambda t, out, inputs, xp: t[0] * (out * _LN2),
    math="exp2(a) = 2ᵃ;  ∂/∂a = g·2ᵃ·ln 2",
    expose=[unary("exp2")],
)

EXPM1 = defop(
    "expm1", np.expm1,
    vjp=lambda g, out, inputs, needs, xp: (g * xp.exp(inputs[0]),),
    jvp=lambda t, out, inputs, xp: t[0] * xp.exp(inputs[0]),
    math="expm1(a) = eᵃ − 1;  ∂/∂a = g·eᵃ",
    expose=[unary("expm1")],
)

LOG2 = defop(
    "log2", np.log2,
    vjp=lambda g, out, inputs, needs, xp: (g / (inputs[0] * _LN2),),
    jvp=lambda t, out, inputs, xp: t[0] / (inputs[0] * _LN2),
    math="log2(a);  ∂/∂a = g/(a·ln 2)",
    expose=[unary("log2")],
)

LOG10 = defop(
    "log10", np.log10,
    vjp=lambda g, out, inputs, needs, xp: (g / (inputs[0] * _LN10),),
    jvp=lambda t, out, inputs, xp: t[0] / (inputs[0] * _LN10),
    math="log10(a);  ∂/∂a = g/(a·ln 10)",
    expose=[unary("log10")],
)

LOG1P = defop(
    "log1p", np.log1p,
    vjp=lambda g, out, inputs, needs, xp: (g / (inputs[0] + 1.0),),
    jvp=lambda t, out, inputs, xp: t[0] / (inputs[0] + 1.0),
    math="log1p(a) = ln(1 + a);  ∂/∂a = g/(1 + a)",
    expose=[unary("log1p")],
)


def _logaddexp_vjp(g, out, inputs, needs, xp):
    a, b = inputs
    # eᵃ/(eᵃ + eᵇ) = σ(a − b): never overflows, and exactly ½ at a = b however large (e^(a −
    # out) would carry out's rounding: 0.49998 in float32 at 1000). Both −inf: NaN, as PyTorch.
    return (g * xp.sigmoid(a - b) if needs[0] else None), (g * xp.sigmoid(b - a) if needs[1]
                                                           else None)


LOGADDEXP = defop(
    "logaddexp", np.logaddexp, _logaddexp_vjp,
    jvp=lambda t, out, inputs, xp: tangent_sum(
        out, xp, (t[0], xp.sigmoid(inputs[0] - inputs[1])),
        (t[1], xp.sigmoid(inputs[1] - inputs[0]))),
    math="logaddexp(a, b) = ln(eᵃ + eᵇ);  ∂/∂a = g·σ(a − b),  ∂/∂b = g·σ(b − a)",
    expose=[binary("logaddexp")],
)


def _logaddexp2_vjp(g, out, inputs, needs, xp):
    a, b = inputs
    # 2ᵃ/(2ᵃ + 2ᵇ) = σ((a − b)·ln 2)
    return (g * xp.sigmoid((a - b) * _LN2) if needs[0] else None), (
        g * xp.sigmoid((b - a) * _LN2) if needs[1] else None)


LOGADDEXP2 = defop(
    "logaddexp2", np.logaddexp2, _logaddexp2_vjp,
    jvp=lambda t, out, inputs, xp: tangent_sum(
        out, xp, (t[0], xp.sigmoid((inputs[0] - inputs[1]) * _LN2)),
        (t[1], xp.sigmoid((inputs[1] - inputs[0]) * _LN2))),
    math="logaddexp2(a, b) = log₂(2ᵃ + 2ᵇ);  ∂/∂a = g·σ((a − b)·ln 2),  ∂/∂b = g·σ((b − a)·ln 2)",
    expose=[binary("logaddexp2")],
)

# ---- powers -------------------------------------------------------------------------------------
SQUARE = defop(
    "square", np.square,
    vjp=lambda g, out, inputs, needs, xp: (g * (inputs[0] * 2.0),),
    jvp=lambda t, out, inputs, xp: t[0] * (inputs[0] * 2.0),
    math="square(a) = a²;  ∂/∂a = g·2a",
    expose=[unary("square")],
)

CBRT = defop(
    "cbrt", np.cbrt,
    vjp=lambda g, out, inputs, needs, xp: (g / (out * out * 3.0),),
    jvp=lambda t, out, inputs, xp: t[0] / (out * out * 3.0),
    math="cbrt(a) = ∛a;  ∂/∂a = g/(3∛a²)  (inf at a = 0)",
    expose=[unary("cbrt")],
)

RECIPROCAL = defop(
    "reciprocal", np.reciprocal,
    vjp=lambda g, out, inputs, needs, xp: (-(g * (out * out)),),
    jvp=lambda t, out, inputs, xp: -(t[0] * (out * out)),
    math="reciprocal(a) = 1/a;  ∂/∂a = −g/a²",
    expose=[unary("reciprocal")],
)
