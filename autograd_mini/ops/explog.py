"""Exponentials, logarithms and powers beyond exp/log/sqrt: one block per op. `g` is the
gradient arriving at the output; `t` the tangents of the inputs (None where none).

The forwards are numpy's stable ufuncs (expm1, log1p, logaddexp, ...); the derivatives keep
that stability: expm1' = eᵃ (not expm1 + 1, which cancels to 0 in the far tail), and
logaddexp's weights are σ(a − b) ≤ 1, so logaddexp(1000, 1000) = 1000 + ln 2 with
gradients ½ and ½ instead of inf/inf.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .expose import binary, chain_rule, chain_rule_over, defop, unary
from .tangents import tangent_sum

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))

EXP2 = defop(
    "exp2", np.exp2,
    **chain_rule(lambda out, a, xp: (out * _LN2)),
    math="exp2(a) = 2ᵃ;  ∂/∂a = g·2ᵃ·ln 2",
    expose=[unary("exp2")],
)

EXPM1 = defop(
    "expm1", np.expm1,
    **chain_rule(lambda out, a, xp: xp.exp(a)),
    math="expm1(a) = eᵃ − 1;  ∂/∂a = g·eᵃ",
    expose=[unary("expm1")],
)

LOG2 = defop(
    "log2", np.log2,
    **chain_rule_over(lambda out, a, xp: a * _LN2),
    math="log2(a);  ∂/∂a = g/(a·ln 2)",
    expose=[unary("log2")],
)

LOG10 = defop(
    "log10", np.log10,
    **chain_rule_over(lambda out, a, xp: a * _LN10),
    math="log10(a);  ∂/∂a = g/(a·ln 10)",
    expose=[unary("log10")],
)

LOG1P = defop(
    "log1p", np.log1p,
    **chain_rule_over(lambda out, a, xp: a + 1.0),
    math="log1p(a) = ln(1 + a);  ∂/∂a = g/(1 + a)",
    expose=[unary("log1p")],
)


def _sigmoid_pair(d):
    """(σ(d), σ(−d)) on arrays from one exponential e^−|d| ≤ 1 (first-order backward)."""
    e = np.exp(-np.abs(d))
    s = 1.0 / (1.0 + e)
    e *= s
    d_positive = d >= 0
    return np.where(d_positive, s, e), np.where(d_positive, e, s)


def _logaddexp_vjp(g, out, inputs, needs, xp, *, scale=1.0):
    a, b = inputs
    # eᵃ/(eᵃ + eᵇ) = σ(a − b): never overflows, and exactly ½ at a = b however large (e^(a −
    # out) would carry out's rounding: 0.49998 in float32 at 1000). Both −inf: NaN, as PyTorch.
    d = a - b if scale == 1.0 else (a - b) * scale
    if isinstance(d, Tensor):  # create_graph: sigmoid's own derivative, right at a = b too
        wa, wb = xp.sigmoid(d), xp.sigmoid(-d)
    else:  # first order: both weights from one exponential
        wa, wb = _sigmoid_pair(d)
    return (g * wa if needs[0] else None), (g * wb if needs[1] else None)


LOGADDEXP = defop(
    "logaddexp", np.logaddexp, _logaddexp_vjp,
    jvp=lambda t, out, inputs, xp: tangent_sum(
        out, xp, (t[0], xp.sigmoid(inputs[0] - inputs[1])),
        (t[1], xp.sigmoid(inputs[1] - inputs[0]))),
    math="logaddexp(a, b) = ln(eᵃ + eᵇ);  ∂/∂a = g·σ(a − b),  ∂/∂b = g·σ(b − a)",
    expose=[binary("logaddexp")],
)


def _logaddexp2_vjp(g, out, inputs, needs, xp):
    return _logaddexp_vjp(g, out, inputs, needs, xp, scale=_LN2)  # 2ᵃ/(2ᵃ + 2ᵇ) = σ((a − b)·ln 2)


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
    **chain_rule(lambda out, a, xp: (a * 2.0)),
    math="square(a) = a²;  ∂/∂a = g·2a",
    expose=[unary("square")],
)

CBRT = defop(
    "cbrt", np.cbrt,
    **chain_rule_over(lambda out, a, xp: out * out * 3.0),
    math="cbrt(a) = ∛a;  ∂/∂a = g/(3∛a²)  (inf at a = 0)",
    expose=[unary("cbrt")],
)

RECIPROCAL = defop(
    "reciprocal", np.reciprocal,
    **chain_rule(lambda out, a, xp: -(out * out)),
    math="reciprocal(a) = 1/a;  ∂/∂a = −g/a²",
    expose=[unary("reciprocal")],
)
