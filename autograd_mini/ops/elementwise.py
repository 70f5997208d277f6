"""Elementwise primitives. Docstrings give the math; `g` is the incoming gradient."""

from __future__ import annotations

import numpy as np

from .primitive import register


def _add_vjp(g, out, inputs, needs, xp):
    """add(a, b) = a + b;  ∂/∂a = g,  ∂/∂b = g"""
    return g, g


def _sub_vjp(g, out, inputs, needs, xp):
    """sub(a, b) = a − b;  ∂/∂a = g,  ∂/∂b = −g"""
    return g, (-g if needs[1] else None)


def _mul_vjp(g, out, inputs, needs, xp):
    """mul(a, b) = a·b;  ∂/∂a = g·b,  ∂/∂b = g·a"""
    a, b = inputs
    return (g * b if needs[0] else None), (g * a if needs[1] else None)


def _div_vjp(g, out, inputs, needs, xp):
    """div(a, b) = a / b;  ∂/∂a = g / b,  ∂/∂b = −g·a / b²"""
    a, b = inputs
    ga = g / b if needs[0] else None
    gb = -(g * a) / (b * b) if needs[1] else None
    return ga, gb


def _pow_vjp(g, out, inputs, needs, xp):
    """pow(a, b) = a^b;  ∂/∂a = g·b·a^(b−1),  ∂/∂b = g·a^b·ln a  (taken as 0 where a ≤ 0)"""
    a, b = inputs
    ga = gb = None
    if needs[0]:
        # a⁰ = 1 for every a, so ∂/∂a = 0 where b = 0; at a = 0 the formula would give 0·0⁻¹.
        zero_zero = (xp.value(a) == 0) & (xp.value(b) == 0)
        base = xp.where(zero_zero, 1.0, a) if zero_zero.any() else a
        ga = g * b * base ** (b - 1)
    if needs[1]:
        positive = xp.value(a) > 0
        safe_a = xp.where(positive, a, 1.0)
        gb = g * out * xp.where(positive, xp.log(safe_a), 0.0)
    return ga, gb


def _power_scalar_forward(a, *, exponent):
    return np.power(a, exponent, dtype=a.dtype) if a.dtype.kind == "f" else np.power(a, exponent)


def _power_scalar_vjp(g, out, inputs, needs, xp, *, exponent):
    """power(a; p) = a^p for a constant p;  ∂/∂a = g·p·a^(p−1)"""
    (a,) = inputs
    if exponent == 0:  # a⁰ is constant; the general formula gives 0·a⁻¹ = NaN at a = 0
        return (g * 0.0,)
    if exponent == 2:
        return (g * (a * 2.0),)
    return (g * (a ** (exponent - 1) * exponent),)


def _neg_vjp(g, out, inputs, needs, xp):
    """neg(a) = −a;  ∂/∂a = −g"""
    return (-g,)


def _exp_vjp(g, out, inputs, needs, xp):
    """exp(a) = eᵃ;  ∂/∂a = g·eᵃ"""
    return (g * out,)


def _log_vjp(g, out, inputs, needs, xp):
    """log(a) = ln a;  ∂/∂a = g / a"""
    return (g / inputs[0],)


def _sqrt_vjp(g, out, inputs, needs, xp):
    """sqrt(a) = √a;  ∂/∂a = g / (2√a)"""
    return (g / (out * 2.0),)


def _abs_vjp(g, out, inputs, needs, xp):
    """abs(a) = |a|;  ∂/∂a = g·sign(a)  (sign(0) = 0)"""
    return (g * np.sign(xp.value(inputs[0])),)


def _tanh_vjp(g, out, inputs, needs, xp):
    """tanh(a);  ∂/∂a = g·(1 − tanh²a)"""
    return (g * (1.0 - out * out),)


def _sigmoid_forward(a):
    # With e = exp(−|a|) ≤ 1: σ(a) = 1/(1 + e) for a ≥ 0 and e/(1 + e) for a < 0. Nothing
    # overflows, and the tail keeps full relative precision (σ(−30) is not rounded to 0).
    e = np.exp(-np.abs(a))
    denominator = 1 + e
    return np.where(a >= 0, 1, e) / denominator


def _sigmoid_vjp(g, out, inputs, needs, xp):
    """sigmoid(a) = 1 / (1 + e⁻ᵃ);  ∂/∂a = g·σ(a)·(1 − σ(a))"""
    return (g * (out * (1.0 - out)),)


def _relu_forward(a):
    return np.maximum(a, 0)


def _relu_vjp(g, out, inputs, needs, xp):
    """relu(a) = max(a, 0);  ∂/∂a = g·[a > 0]  (relu'(0) = 0)"""
    if type(g) is np.ndarray and g.dtype.kind == "f":  # first order (g has a's shape)
        # The mask is written as 0/1 in g's dtype and multiplied in place: numpy's
        # float × bool loop casts every element (b1024 × 256: 154 → 116 µs).
        mask = np.greater(inputs[0], 0, out=np.empty(g.shape, dtype=g.dtype))
        return (np.multiply(mask, g, out=mask),)
    return (g * (xp.value(inputs[0]) > 0),)


def _leaky_relu_forward(a, *, negative_slope):
    return np.where(a > 0, a, a * np.asarray(negative_slope, dtype=a.dtype))


def _leaky_relu_vjp(g, out, inputs, needs, xp, *, negative_slope):
    """leaky_relu(a; s) = a if a > 0 else s·a;  ∂/∂a = g if a > 0 else s·g"""
    return (xp.where(xp.value(inputs[0]) > 0, g, g * negative_slope),)


def _elu_forward(a, *, alpha):
    # expm1 only on the non-positive part, so large positive inputs never overflow.
    negative = np.minimum(a, 0)
    return np.where(a > 0, a, np.expm1(negative) * np.asarray(alpha, dtype=a.dtype))


def _elu_vjp(g, out, inputs, needs, xp, *, alpha):
    """elu(a; α) = a if a > 0 else α(eᵃ − 1);  ∂/∂a = g if a > 0 else g·(elu(a) + α)"""
    return (xp.where(xp.value(inputs[0]) > 0, g, g * (out + alpha)),)


def _clip_forward(a, *, min, max):  # noqa: A002 - numpy's names
    return np.clip(a, min, max)


def _clip_vjp(g, out, inputs, needs, xp, *, min, max):  # noqa: A002
    """clip(a; lo, hi);  ∂/∂a = g·[lo ≤ a ≤ hi]"""
    a = xp.value(inputs[0])
    inside = np.ones(a.shape, dtype=bool)
    if min is not None:
        inside &= a >= min
    if max is not None:
        inside &= a <= max
    return (g * inside,)


def _tie_split(a, b, like):
    """Weight of `a` in max(a, b): 1 where a wins, ½ at ties, 0 where b wins (g's dtype)."""
    w = (a > b) + 0.5 * (a == b)
    return w.astype(like.dtype, copy=False)


def _maximum_vjp(g, out, inputs, needs, xp):
    """maximum(a, b);  ∂/∂a = g·[a > b],  ∂/∂b = g·[b > a]  (ties split the gradient)"""
    w = _tie_split(xp.value(inputs[0]), xp.value(inputs[1]), xp.value(g))
    return (g * w if needs[0] else None), (g * (1.0 - w) if needs[1] else None)


def _minimum_vjp(g, out, inputs, needs, xp):
    """minimum(a, b);  ∂/∂a = g·[a < b],  ∂/∂b = g·[b < a]  (ties split the gradient)"""
    w = _tie_split(xp.value(inputs[1]), xp.value(inputs[0]), xp.value(g))
    return (g * w if needs[0] else None), (g * (1.0 - w) if needs[1] else None)


def _where_forward(a, b, *, condition):
    return np.where(condition, a, b)


def _where_vjp(g, out, inputs, needs, xp, *, condition):
    """where(c, a, b);  ∂/∂a = g·[c],  ∂/∂b = g·[¬c]"""
    ga = xp.where(condition, g, 0.0) if needs[0] else None
    gb = xp.where(condition, 0.0, g) if needs[1] else None
    return ga, gb


def _astype_forward(a, *, dtype):
    return a.astype(dtype)


def _astype_vjp(g, out, inputs, needs, xp, *, dtype):
    """astype(a; dtype);  ∂/∂a = g cast back to a's dtype"""
    return (xp.astype(g, inputs[0].dtype),)


ADD = register("add", np.add, _add_vjp, "∂/∂a = g,  ∂/∂b = g")
SUB = register("sub", np.subtract, _sub_vjp, "∂/∂a = g,  ∂/∂b = −g")
MUL = register("mul", np.multiply, _mul_vjp, "∂/∂a = g·b,  ∂/∂b = g·a")
DIV = register("div", np.true_divide, _div_vjp, "∂/∂a = g/b,  ∂/∂b = −g·a/b²")
POW = register("pow", np.power, _pow_vjp, "∂/∂a = g·b·a^(b−1),  ∂/∂b = g·a^b·ln a")
POWER_SCALAR = register("power", _power_scalar_forward, _power_scalar_vjp, "∂/∂a = g·p·a^(p−1)")
NEG = register("neg", np.negative, _neg_vjp, "∂/∂a = −g")
EXP = register("exp", np.exp, _exp_vjp, "∂/∂a = g·eᵃ")
LOG = register("log", np.log, _log_vjp, "∂/∂a = g/a")
SQRT = register("sqrt", np.sqrt, _sqrt_vjp, "∂/∂a = g/(2√a)")
ABS = register("abs", np.abs, _abs_vjp, "∂/∂a = g·sign(a)")
TANH = register("tanh", np.tanh, _tanh_vjp, "∂/∂a = g·(1 − tanh²a)")
SIGMOID = register("sigmoid", _sigmoid_forward, _sigmoid_vjp, "∂/∂a = g·σ(a)(1 − σ(a))")
RELU = register("relu", _relu_forward, _relu_vjp, "∂/∂a = g·[a > 0]")
LEAKY_RELU = register(
    "leaky_relu", _leaky_relu_forward, _leaky_relu_vjp, "∂/∂a = g if a > 0 else s·g"
)
ELU = register("elu", _elu_forward, _elu_vjp, "∂/∂a = g if a > 0 else g·(elu(a) + α)")
CLIP = register("clip", _clip_forward, _clip_vjp, "∂/∂a = g·[lo ≤ a ≤ hi]")
MAXIMUM = register("maximum", np.maximum, _maximum_vjp, "∂/∂a = g·[a > b] (ties split)")
MINIMUM = register("minimum", np.minimum, _minimum_vjp, "∂/∂a = g·[a < b] (ties split)")
WHERE = register("where", _where_forward, _where_vjp, "∂/∂a = g·[c],  ∂/∂b = g·[¬c]")
ASTYPE = register("astype", _astype_forward, _astype_vjp, "∂/∂a = g (cast back)")
