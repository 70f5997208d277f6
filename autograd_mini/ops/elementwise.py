"""Elementwise primitives: one block per op. `g` is the gradient arriving at the output.

Conventions at kinks follow PyTorch: relu'(0) = 0, |x|'(0) = 0, clip passes the gradient at
its bounds, ties in maximum/minimum split the gradient equally.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import apply
from ..errors import ShapeError
from ..tensor import Tensor
from .args import as_tensor, operand, real, tensor_pair
from .expose import Exposure, binary, defop, parsed, publish, unary


def plus(a: Any, b: Any) -> Any:
    """a + b where either may be None (a zero tangent): the JVP rules' sum of terms."""
    if a is None:
        return b
    return a if b is None else a + b


# ---- arithmetic -------------------------------------------------------------------------------
ADD = defop(
    "add", np.add, lambda g, out, inputs, needs, xp: (g, g),
    jvp=lambda t, out, inputs, xp: plus(t[0], t[1]),
    batch="elementwise",
    math="add(a, b) = a + b;  ∂/∂a = g,  ∂/∂b = g",
    expose=[binary("add", operators=["__add__"], reflected=["__radd__"])],
)

SUB = defop(
    "sub", np.subtract, lambda g, out, inputs, needs, xp: (g, -g if needs[1] else None),
    jvp=lambda t, out, inputs, xp: t[0] if t[1] is None else plus(t[0], -t[1]),
    batch="elementwise",
    math="sub(a, b) = a − b;  ∂/∂a = g,  ∂/∂b = −g",
    expose=[binary("sub", operators=["__sub__"], reflected=["__rsub__"])],
)


def _mul_vjp(g, out, inputs, needs, xp):
    a, b = inputs
    return (g * b if needs[0] else None), (g * a if needs[1] else None)


def _mul_jvp(t, out, inputs, xp):
    a, b = inputs
    return plus(None if t[0] is None else t[0] * b, None if t[1] is None else a * t[1])


MUL = defop(
    "mul", np.multiply, _mul_vjp, jvp=_mul_jvp,
    batch="elementwise",
    math="mul(a, b) = a·b;  ∂/∂a = g·b,  ∂/∂b = g·a",
    expose=[binary("mul", operators=["__mul__"], reflected=["__rmul__"])],
)


def _div_vjp(g, out, inputs, needs, xp):
    a, b = inputs
    ga = g / b if needs[0] else None
    gb = -(g * a) / (b * b) if needs[1] else None
    return ga, gb


def _div_jvp(t, out, inputs, xp):
    # (ta − (a/b)·tb) / b
    numerator = plus(t[0], None if t[1] is None else -(out * t[1]))
    return numerator / inputs[1]


DIV = defop(
    "div", np.true_divide, _div_vjp, jvp=_div_jvp,
    batch="elementwise",
    math="div(a, b) = a / b;  ∂/∂a = g/b,  ∂/∂b = −g·a/b²",
    expose=[binary("div", operators=["__truediv__"], reflected=["__rtruediv__"])],
)


def _pow_vjp(g, out, inputs, needs, xp):
    a, b = inputs
    ga = gb = None
    if needs[0]:
        # a⁰ = 1 for every a, so ∂/∂a = 0 where b = 0; at a = 0 the formula would give 0·0⁻¹.
        zero_zero = (xp.value(a) == 0) & (xp.value(b) == 0)
        base = xp.where(zero_zero, 1.0, a) if zero_zero.any() else a
        ga = g * b * base ** (b - 1)
    if needs[1]:
        # PyTorch's rule: g·aᵇ·ln a, except 0 where a = 0 and b ≥ 0 (aᵇ is 0 or 1 there). So
        # a = 0, b < 0 gives ∞·ln 0 = −∞, and a < 0 gives NaN (ln of a negative number).
        flat = (xp.value(a) == 0) & (xp.value(b) >= 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            gb = g * out * xp.log(xp.where(flat, 1.0, a) if flat.any() else a)
    return ga, gb


def _pow_jvp(t, out, inputs, xp):
    ga, gb = _pow_vjp(1.0, out, inputs, (t[0] is not None, t[1] is not None), xp)
    return plus(None if ga is None else t[0] * ga, None if gb is None else t[1] * gb)


POW = defop(
    "pow", np.power, _pow_vjp, jvp=_pow_jvp,
    math="pow(a, b) = a^b;  ∂/∂a = g·b·a^(b−1),  ∂/∂b = g·a^b·ln a  (0 at a = 0 ≤ b)",
)


def _power_forward(a, *, exponent):
    return np.power(a, exponent, dtype=a.dtype) if a.dtype.kind == "f" else np.power(a, exponent)


def _power_vjp(g, out, inputs, needs, xp, *, exponent):
    (a,) = inputs
    if exponent == 0:  # a⁰ is constant; the general formula gives 0·a⁻¹ = NaN at a = 0
        return (g * 0.0,)
    if exponent == 2:
        return (g * (a * 2.0),)
    return (g * (a ** (exponent - 1) * exponent),)


POWER = defop(
    "power", _power_forward, _power_vjp,
    jvp=lambda t, out, inputs, xp, *, exponent: _power_vjp(
        t[0], out, inputs, (True,), xp, exponent=exponent)[0],
    batch="elementwise",
    math="power(a; p) = a^p for a constant p;  ∂/∂a = g·p·a^(p−1)",
)


def _is_python_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - numpy's name
    """a ** b; a constant Python exponent uses the cheaper `power` op."""
    if _is_python_number(b):
        return apply(POWER, (as_tensor(a, op="pow"),), {"exponent": b})
    return apply(POW, tensor_pair(a, b, "pow"), {})


def _pow_operator(self: Tensor, other: Any) -> Tensor:
    if _is_python_number(other):
        return apply(POWER, (self,), {"exponent": other})
    return apply(POW, (self, operand(other, self, "pow")), {})


def _rpow_operator(self: Tensor, other: Any) -> Tensor:
    return apply(POW, (operand(other, self, "pow"), self), {})


publish("pow", pow, np.power)
Tensor.__pow__ = _pow_operator  # type: ignore[method-assign]
Tensor.__rpow__ = _rpow_operator  # type: ignore[attr-defined]

NEG = defop(
    "neg", np.negative, lambda g, out, inputs, needs, xp: (-g,),
    jvp=lambda t, out, inputs, xp: -t[0],
    batch="elementwise",
    math="neg(a) = −a;  ∂/∂a = −g",
    expose=[unary("neg", method="__neg__")],
)
Tensor.__pos__ = lambda self: self  # type: ignore[attr-defined]


# ---- exponentials, logarithms, roots ------------------------------------------------------------
EXP = defop(
    "exp", np.exp, lambda g, out, inputs, needs, xp: (g * out,),
    jvp=lambda t, out, inputs, xp: t[0] * out,
    batch="elementwise",
    math="exp(a) = eᵃ;  ∂/∂a = g·eᵃ",
    expose=[unary("exp")],
)

LOG = defop(
    "log", np.log, lambda g, out, inputs, needs, xp: (g / inputs[0],),
    jvp=lambda t, out, inputs, xp: t[0] / inputs[0],
    batch="elementwise",
    math="log(a) = ln a;  ∂/∂a = g/a",
    expose=[unary("log")],
)

SQRT = defop(
    "sqrt", np.sqrt, lambda g, out, inputs, needs, xp: (g / (out * 2.0),),
    jvp=lambda t, out, inputs, xp: t[0] / (out * 2.0),
    batch="elementwise",
    math="sqrt(a) = √a;  ∂/∂a = g/(2√a)",
    expose=[unary("sqrt")],
)

ABS = defop(
    "abs", np.abs, lambda g, out, inputs, needs, xp: (g * np.sign(xp.value(inputs[0])),),
    jvp=lambda t, out, inputs, xp: t[0] * np.sign(xp.value(inputs[0])),
    batch="elementwise",
    math="abs(a) = |a|;  ∂/∂a = g·sign(a)  (0 at a = 0)",
    expose=[unary("abs")],
)
Tensor.__abs__ = Tensor.abs  # type: ignore[attr-defined]

# ---- activations ------------------------------------------------------------------------------
TANH = defop(
    "tanh", np.tanh, lambda g, out, inputs, needs, xp: (xp.tanh_backward(g, out),),
    jvp=lambda t, out, inputs, xp: xp.tanh_backward(t[0], out),
    batch="elementwise",
    math="tanh(a);  ∂/∂a = g·(1 − tanh²a)",
    expose=[unary("tanh")],
)


# tanh's derivative as one op, so a gradient recorded with create_graph (and a tangent) costs
# one node instead of three (y·y, 1 − ·, g·): the PDE training step records 116 ops, not 128.
def _tanh_backward(g, y):
    return g * (1.0 - y * y)


def _tanh_backward_vjp(gbar, out, inputs, needs, xp):
    g, y = inputs
    return (xp.tanh_backward(gbar, y) if needs[0] else None,
            (gbar * g) * (y * -2.0) if needs[1] else None)


def _tanh_backward_jvp(t, out, inputs, xp):
    g, y = inputs
    return plus(None if t[0] is None else xp.tanh_backward(t[0], y),
                None if t[1] is None else (g * t[1]) * (y * -2.0))


TANH_BACKWARD = defop(
    "tanh_backward", _tanh_backward, _tanh_backward_vjp, jvp=_tanh_backward_jvp,
    batch="elementwise",
    math="tanh_backward(g, y) = g·(1 − y²);  ∂/∂g = ḡ·(1 − y²),  ∂/∂y = −2·ḡ·g·y",
    expose=[Exposure("tanh_backward", arity=2, internal=True)],
)


def _sigmoid_forward(a):
    # σ(a) = 1/(1 + e⁻ᵃ) in four in-place passes over one new array (the exp(−|a|) and where
    # form took seven passes and six arrays: 38 → 16 µs on a (64, 256) float32 LSTM gate
    # slice). For a ≪ 0, e⁻ᵃ overflows to inf and 1/inf = 0, the right limit, so that overflow
    # is silenced; before it, 1 + e⁻ᵃ is e⁻ᵃ to full relative precision, so the tail keeps it
    # (σ(−30) is not rounded to 0). Only subnormal results (a < −87 in float32, −708 in
    # float64) flush to 0.
    out = np.negative(a, out=np.empty(np.shape(a), a.dtype))
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


SIGMOID = defop(
    "sigmoid", _sigmoid_forward, lambda g, out, inputs, needs, xp: (g * (out * (1.0 - out)),),
    jvp=lambda t, out, inputs, xp: t[0] * (out * (1.0 - out)),
    math="sigmoid(a) = 1/(1 + e⁻ᵃ);  ∂/∂a = g·σ(a)(1 − σ(a))",
    expose=[unary("sigmoid")],
)


def _softplus_forward(a):
    # ln(1 + eᵃ) = max(a, 0) + ln(1 + e^−|a|): no overflow for large |a|.
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))


SOFTPLUS = defop(
    "softplus", _softplus_forward,
    lambda g, out, inputs, needs, xp: (g * xp.sigmoid(inputs[0]),),
    jvp=lambda t, out, inputs, xp: t[0] * xp.sigmoid(inputs[0]),
    math="softplus(a) = ln(1 + eᵃ);  ∂/∂a = g·σ(a)",
    expose=[unary("softplus")],
)


def _relu_vjp(g, out, inputs, needs, xp):
    if type(g) is np.ndarray and g.dtype.kind == "f":  # first order (g has a's shape)
        # The mask is written as 0/1 in g's dtype and multiplied in place: numpy's
        # float × bool loop casts every element (b1024 × 256: 154 → 116 µs).
        mask = np.greater(inputs[0], 0, out=np.empty(g.shape, dtype=g.dtype))
        return (np.multiply(mask, g, out=mask),)
    return (g * (xp.value(inputs[0]) > 0),)


RELU = defop(
    "relu", lambda a: np.maximum(a, 0), _relu_vjp,
    jvp=lambda t, out, inputs, xp: t[0] * (xp.value(inputs[0]) > 0),
    math="relu(a) = max(a, 0);  ∂/∂a = g·[a > 0]",
    expose=[unary("relu")],
)


def _slope_parse(x: Any, negative_slope: float = 0.01) -> tuple:
    return (as_tensor(x, op="leaky_relu"),), {
        "negative_slope": real(negative_slope, "leaky_relu", "negative_slope")}


LEAKY_RELU = defop(
    "leaky_relu",
    lambda a, *, negative_slope: np.where(a > 0, a, a * np.asarray(negative_slope, a.dtype)),
    lambda g, out, inputs, needs, xp, *, negative_slope: (
        xp.where(xp.value(inputs[0]) > 0, g, g * negative_slope),),
    jvp=lambda t, out, inputs, xp, *, negative_slope: xp.where(
        xp.value(inputs[0]) > 0, t[0], t[0] * negative_slope),
    math="leaky_relu(a; s) = a if a > 0 else s·a;  ∂/∂a = g if a > 0 else s·g",
    expose=[parsed("leaky_relu", _slope_parse, method=True)],
)


def _elu_forward(a, *, alpha):
    # expm1 only on the non-positive part, so large positive inputs never overflow.
    negative = np.minimum(a, 0)
    return np.where(a > 0, a, np.expm1(negative) * np.asarray(alpha, dtype=a.dtype))


def _elu_vjp(g, out, inputs, needs, xp, *, alpha):
    # α·eᵃ directly, not elu(a) + α: in the tail that sum cancels to 0 (float32 at a = −20
    # gave exactly 0 where α·eᵃ is 2e−9).
    a = inputs[0]
    negative = xp.where(xp.value(a) > 0, 0.0, a)
    return (xp.where(xp.value(a) > 0, g, g * (xp.exp(negative) * alpha)),)


def _alpha_parse(x: Any, alpha: float = 1.0) -> tuple:
    return (as_tensor(x, op="elu"),), {"alpha": real(alpha, "elu", "alpha")}


ELU = defop(
    "elu", _elu_forward, _elu_vjp,
    jvp=lambda t, out, inputs, xp, *, alpha: _elu_vjp(t[0], out, inputs, (True,), xp,
                                                      alpha=alpha)[0],
    math="elu(a; α) = a if a > 0 else α(eᵃ − 1);  ∂/∂a = g if a > 0 else g·α·eᵃ",
    expose=[parsed("elu", _alpha_parse, method=True)],
)


# ---- clipping, extrema, selection -------------------------------------------------------------
def _clip_vjp(g, out, inputs, needs, xp, *, min, max):  # noqa: A002 - numpy's names
    a = xp.value(inputs[0])
    inside = np.ones(a.shape, dtype=bool)
    if min is not None:
        inside &= a >= min
    if max is not None:
        inside &= a <= max
    return (g * inside,)


def _clip_parse(x: Any, min: float | None = None, max: float | None = None) -> tuple:  # noqa: A002
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    # Bounds are scalars: a NaN bound would silently turn every value into NaN.
    min = None if min is None else real(min, "clip", "min")
    max = None if max is None else real(max, "clip", "max")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clip: min ({min}) must not exceed max ({max})")
    return (as_tensor(x, op="clip"),), {"min": min, "max": max}


CLIP = defop(
    "clip", lambda a, *, min, max: np.clip(a, min, max), _clip_vjp,  # noqa: A006
    jvp=lambda t, out, inputs, xp, *, min, max: _clip_vjp(  # noqa: A006
        t[0], out, inputs, (True,), xp, min=min, max=max)[0],
    math="clip(a; lo, hi);  ∂/∂a = g·[lo ≤ a ≤ hi]",
    expose=[parsed("clip", _clip_parse, method=True)],
)


def _tie_split(a, b, like):
    """Weight of `a` in max(a, b): 1 where a wins, ½ at ties, 0 where b wins (g's dtype)."""
    w = (a > b) + 0.5 * (a == b)
    return w.astype(like.dtype, copy=False)


def _maximum_vjp(g, out, inputs, needs, xp):
    w = _tie_split(xp.value(inputs[0]), xp.value(inputs[1]), xp.value(g))
    return (g * w if needs[0] else None), (g * (1.0 - w) if needs[1] else None)


def _minimum_vjp(g, out, inputs, needs, xp):
    w = _tie_split(xp.value(inputs[1]), xp.value(inputs[0]), xp.value(g))
    return (g * w if needs[0] else None), (g * (1.0 - w) if needs[1] else None)


def _extremum_jvp(a_wins_first: bool):
    """ta·w + tb·(1 − w), w = a's weight in maximum (or minimum), ties split as in the VJP."""
    def jvp(t, out, inputs, xp):
        a, b = xp.value(inputs[0]), xp.value(inputs[1])
        w = _tie_split(a, b, xp.value(out)) if a_wins_first else _tie_split(b, a, xp.value(out))
        return plus(None if t[0] is None else t[0] * w, None if t[1] is None else t[1] * (1.0 - w))

    return jvp


MAXIMUM = defop(
    "maximum", np.maximum, _maximum_vjp, jvp=_extremum_jvp(True),
    math="maximum(a, b);  ∂/∂a = g·[a > b],  ∂/∂b = g·[b > a]  (ties split)",
    expose=[binary("maximum")],
)

MINIMUM = defop(
    "minimum", np.minimum, _minimum_vjp, jvp=_extremum_jvp(False),
    math="minimum(a, b);  ∂/∂a = g·[a < b],  ∂/∂b = g·[b < a]  (ties split)",
    expose=[binary("minimum")],
)


def _nan_aware_weight(a, b, like, a_wins):
    """Weight of `a` in fmax/fmin (PyTorch's rule): 1 where a wins or ties, or where b is NaN
    (numpy's fmax/fmin then return a); 0 where b is taken."""
    w = a_wins(a, b) | np.isnan(b)
    return w.astype(like.dtype, copy=False)


def _nan_aware_extremum(a_wins):
    def vjp(g, out, inputs, needs, xp):
        w = _nan_aware_weight(xp.value(inputs[0]), xp.value(inputs[1]), xp.value(g), a_wins)
        return (g * w if needs[0] else None), (g * (1.0 - w) if needs[1] else None)

    def jvp(t, out, inputs, xp):
        w = _nan_aware_weight(xp.value(inputs[0]), xp.value(inputs[1]), xp.value(out), a_wins)
        return plus(None if t[0] is None else t[0] * w, None if t[1] is None else t[1] * (1.0 - w))

    return {"vjp": vjp, "jvp": jvp}


FMAX = defop(
    "fmax", np.fmax, **_nan_aware_extremum(np.greater_equal),
    math="fmax(a, b): maximum ignoring a NaN;  ∂/∂a = g·[a ≥ b or b is NaN],  ∂/∂b = the rest",
    expose=[binary("fmax")],
)

FMIN = defop(
    "fmin", np.fmin, **_nan_aware_extremum(np.less_equal),
    math="fmin(a, b): minimum ignoring a NaN;  ∂/∂a = g·[a ≤ b or b is NaN],  ∂/∂b = the rest",
    expose=[binary("fmin")],
)


def _nan_to_num_parse(x: Any, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
                      neginf: float | None = None) -> tuple:
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if value is not None and not isinstance(value, (int, float, np.number)):
            raise TypeError(f"nan_to_num: {name} must be a number or None, got {value!r}")
    return (as_tensor(x, op="nan_to_num"),), {"nan": nan, "posinf": posinf, "neginf": neginf}


def _finite_only(g, inputs, xp):
    """g where the input is finite; 0 where nan_to_num replaced it by a constant."""
    return xp.where(np.isfinite(xp.value(inputs[0])), g, 0.0)


NAN_TO_NUM = defop(
    "nan_to_num",
    lambda a, *, nan=0.0, posinf=None, neginf=None: np.nan_to_num(a, nan=nan, posinf=posinf,
                                                                   neginf=neginf),
    lambda g, out, inputs, needs, xp, **_: (_finite_only(g, inputs, xp),),
    jvp=lambda t, out, inputs, xp, **_: _finite_only(t[0], inputs, xp),
    math="nan_to_num(a): NaN/±inf replaced by constants;  ∂/∂a = g·[a finite]",
    expose=[parsed("nan_to_num", _nan_to_num_parse)],
)


def _where_parse(condition: Any, a: Any, b: Any) -> tuple:
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
    if cond.dtype != bool:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    ta, tb = tensor_pair(a, b, "where")
    try:
        np.broadcast_shapes(cond.shape, ta.shape, tb.shape)
    except ValueError:
        raise ShapeError(
            f"where: condition {cond.shape}, a {ta.shape} and b {tb.shape} cannot be broadcast "
            "together; expected equal trailing dimensions or 1"
        ) from None
    return (ta, tb), {"condition": cond}


def _where_vjp(g, out, inputs, needs, xp, *, condition):
    ga = xp.where(condition, g, 0.0) if needs[0] else None
    gb = xp.where(condition, 0.0, g) if needs[1] else None
    return ga, gb


def _where_jvp(t, out, inputs, xp, *, condition):
    ta = None if t[0] is None else xp.where(condition, t[0], 0.0)
    tb = None if t[1] is None else xp.where(condition, 0.0, t[1])
    return plus(ta, tb)


WHERE = defop(
    "where", lambda a, b, *, condition: np.where(condition, a, b), _where_vjp, jvp=_where_jvp,
    math="where(c, a, b);  ∂/∂a = g·[c],  ∂/∂b = g·[¬c]",
    expose=[parsed("where", _where_parse, on_arrays=np.where)],
)


def _astype_parse(x: Any, dtype: Any) -> tuple:
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"astype: only floating dtypes are differentiable, got {dtype}")
    return (as_tensor(x, op="astype"),), {"dtype": dtype}


ASTYPE = defop(
    "astype", lambda a, *, dtype: a.astype(dtype),
    lambda g, out, inputs, needs, xp, *, dtype: (xp.astype(g, inputs[0].dtype),),
    jvp=lambda t, out, inputs, xp, *, dtype: xp.astype(t[0], dtype),
    batch="elementwise",
    math="astype(a; dtype);  ∂/∂a = g cast back to a's dtype",
    expose=[parsed("astype", _astype_parse, method=True)],
)
