"""Piecewise ops: signs, rounding and remainders, one block per op. `g` is the gradient arriving
at the output; `t` the tangents of the inputs (None where none).

Conventions at the jumps and kinks follow PyTorch:
- sign, floor, ceil, round/around, rint, trunc are step functions: their gradient is exactly 0
  everywhere (zeros, not g·0, so a NaN or inf upstream does not leak through);
- fabs'(0) = 0 (as abs); copysign(a, b): ∂/∂a = g·sign(a)·sign(b) (0 at a = 0), ∂/∂b = 0;
- remainder/mod (the sign of b, numpy's and Python's %): ∂/∂a = g, ∂/∂b = −g·floor(a/b);
  fmod (the sign of a, C's fmod): ∂/∂a = g, ∂/∂b = −g·trunc(a/b).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .args import as_int, as_tensor
from .expose import binary, chain_rule, defop, parsed, unary
from .tangents import tangent_sum, zeros_like


def _zero_vjp(g, out, inputs, needs, xp, **params):
    return (zeros_like(g),)


def _zero_jvp(t, out, inputs, xp, **params):
    return zeros_like(out)


SIGN = defop(
    "sign", np.sign, _zero_vjp, jvp=_zero_jvp,
    math="sign(a) ∈ {−1, 0, 1};  ∂/∂a = 0",
    expose=[unary("sign")],
)

FLOOR = defop(
    "floor", np.floor, _zero_vjp, jvp=_zero_jvp,
    math="floor(a) = ⌊a⌋;  ∂/∂a = 0",
    expose=[unary("floor")],
)

CEIL = defop(
    "ceil", np.ceil, _zero_vjp, jvp=_zero_jvp,
    math="ceil(a) = ⌈a⌉;  ∂/∂a = 0",
    expose=[unary("ceil")],
)

TRUNC = defop(
    "trunc", np.trunc, _zero_vjp, jvp=_zero_jvp,
    math="trunc(a) (towards 0);  ∂/∂a = 0",
    expose=[unary("trunc")],
)

RINT = defop(
    "rint", np.rint, _zero_vjp, jvp=_zero_jvp,
    math="rint(a) (nearest integer, halves to even);  ∂/∂a = 0",
    expose=[unary("rint")],
)


def _round_parser(name: str):
    def parse(a: Any, decimals: int = 0) -> tuple:
        """round(a, decimals=0): halves go to the even neighbour, as numpy."""
        return (as_tensor(a, op=name),), {"decimals": as_int(decimals, name, "decimals")}

    return parse


ROUND = defop(
    "round", lambda a, *, decimals: np.round(a, decimals), _zero_vjp, jvp=_zero_jvp,
    math="round(a; decimals) (halves to even);  ∂/∂a = 0",
    expose=[parsed("round", _round_parser("round"), method=True, on_arrays=np.round),
            parsed("around", _round_parser("around"), on_arrays=np.round)],
)

# ---- remainders ---------------------------------------------------------------------------------


def _floor_quotient(inputs, xp):
    return np.floor_divide(xp.value(inputs[0]), xp.value(inputs[1]))  # numpy's % uses the same


def _trunc_quotient(inputs, xp):
    return np.trunc(np.true_divide(xp.value(inputs[0]), xp.value(inputs[1])))


def _remainder_vjp(g, out, inputs, needs, xp):
    return (g if needs[0] else None), (-(g * _floor_quotient(inputs, xp)) if needs[1] else None)


REMAINDER = defop(
    "remainder", np.remainder, _remainder_vjp,
    jvp=lambda t, out, inputs, xp: tangent_sum(out, xp, (t[0], None),
                                               (t[1], -_floor_quotient(inputs, xp))),
    math="remainder(a, b) = a − b·⌊a/b⌋ (sign of b);  ∂/∂a = g,  ∂/∂b = −g·⌊a/b⌋",
    expose=[binary("remainder", operators=["__mod__"], reflected=["__rmod__"]),
            binary("mod")],
)


def _fmod_vjp(g, out, inputs, needs, xp):
    return (g if needs[0] else None), (-(g * _trunc_quotient(inputs, xp)) if needs[1] else None)


FMOD = defop(
    "fmod", np.fmod, _fmod_vjp,
    jvp=lambda t, out, inputs, xp: tangent_sum(out, xp, (t[0], None),
                                               (t[1], -_trunc_quotient(inputs, xp))),
    math="fmod(a, b) = a − b·trunc(a/b) (sign of a);  ∂/∂a = g,  ∂/∂b = −g·trunc(a/b)",
    expose=[binary("fmod")],
)

# ---- signs --------------------------------------------------------------------------------------


def _sign_transfer(inputs, xp):
    """∂copysign(a, b)/∂a: ±1 as b's sign bit flips a's sign or not; 0 at a = 0 (PyTorch)."""
    a, b = xp.value(inputs[0]), xp.value(inputs[1])
    return np.sign(a) * np.copysign(np.ones((), dtype=a.dtype), b)


def _copysign_vjp(g, out, inputs, needs, xp):
    ga = g * _sign_transfer(inputs, xp) if needs[0] else None
    return ga, (zeros_like(inputs[1]) if needs[1] else None)


def _copysign_jvp(t, out, inputs, xp):
    if t[0] is None:
        return None if t[1] is None else zeros_like(out)
    return tangent_sum(out, xp, (t[0], _sign_transfer(inputs, xp)))


COPYSIGN = defop(
    "copysign", np.copysign, _copysign_vjp, jvp=_copysign_jvp,
    math="copysign(a, b) = |a| with b's sign;  ∂/∂a = g·sign(a)·sign(b),  ∂/∂b = 0",
    expose=[binary("copysign")],
)

FABS = defop(
    "fabs", np.fabs,
    **chain_rule(lambda out, a, xp: np.sign(xp.value(a))),
    math="fabs(a) = |a|;  ∂/∂a = g·sign(a)  (0 at a = 0)",
    expose=[unary("fabs")],
)
