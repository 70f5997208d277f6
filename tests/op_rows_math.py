"""Op-table rows for the elementwise math of issue 13: trigonometric and hyperbolic functions,
exponentials and logarithms, powers, rounding, remainders and signs (autograd_mini/ops/trig.py,
explog.py, rounding.py). Each domain keeps off poles, domain edges, branch cuts and jumps by a
margin far larger than a finite-difference step."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from op_table import (
    AWAY,
    DIVISOR,
    POSITIVE,
    REAL,
    Case,
    Op,
    Shape,
    ShapeStrategy,
    _distinct_pair,
    binary,
    unary,
)

import autograd_mini as am
from autograd_mini import testing as amt


def _between(low: float, high: float):
    return lambda shape: amt.away_from_kinks(shape, kinks=(), low=low, high=high)


OPEN_UNIT = _between(-0.9, 0.9)  # arcsin, arccos, arctanh: inside (−1, 1)
ABOVE_ONE = _between(1.1, 4.0)  # arccosh
BELOW_POLES = _between(-1.2, 1.2)  # tan: off its poles at ±π/2
ABOVE_MINUS_ONE = _between(-0.5, 3.0)  # log1p
# Step functions jump at integers (floor, ceil, trunc), halves (rint, round) or tenths' halves
# (round with decimals=1); every multiple of 0.05 covers them all.
OFF_GRID = lambda shape: amt.away_from_kinks(  # noqa: E731
    shape, kinks=tuple(np.arange(-60, 61) * 0.05), margin=0.01)


def _decimals(shape: Shape) -> st.SearchStrategy[dict]:
    return st.sampled_from([0, 1, -1]).map(lambda d: {"decimals": d})


# a = n + f with f in [0.2, 0.8] and |b| within 1% of 1 or 2: a/b stays at least 0.08 from an
# integer, where remainder and fmod jump.
_DIVIDENDS = st.tuples(st.integers(-3, 2), st.floats(0.2, 0.8)).map(lambda p: p[0] + p[1])
_DIVISORS = st.tuples(st.sampled_from([-2.0, -1.0, 1.0, 2.0]), st.floats(0.0, 0.01)).map(
    lambda p: p[0] * (1.0 + p[1]))


@st.composite
def _remainder_case(draw: Any, base: ShapeStrategy) -> Case:
    result = draw(base)
    sa, sb = draw(amt.broadcast_operand(result)), draw(amt.broadcast_operand(result))
    a = draw(hnp.arrays(np.float64, sa, elements=_DIVIDENDS))
    return Case((a, draw(hnp.arrays(np.float64, sb, elements=_DIVISORS))))


def _t(name: str):
    def call(*args: Any, **kwargs: Any) -> Any:
        import torch

        return getattr(torch, name)(*args, **kwargs)

    return call


def _t_cbrt(x: Any) -> Any:  # torch has no cbrt: sign(x)·|x|^⅓, differentiable off 0
    import torch

    return torch.sign(x) * torch.abs(x) ** (1.0 / 3.0)


ROWS: list[Op] = [
    # trigonometric and hyperbolic (autograd_mini/ops/trig.py)
    Op("tan", am.tan, np.tan, 1, unary(BELOW_POLES)),
    Op("arcsin", am.arcsin, np.arcsin, 1, unary(OPEN_UNIT)),
    Op("arccos", am.arccos, np.arccos, 1, unary(OPEN_UNIT)),
    Op("arctan", am.arctan, np.arctan, 1, unary()),
    Op("arctan2", am.arctan2, np.arctan2, 2, binary(DIVISOR, DIVISOR), broadcasts=True),
    Op("hypot", am.hypot, lambda a, b: np.sqrt(a * a + b * b), 2, binary(DIVISOR, REAL),
       broadcasts=True),
    Op("sinh", am.sinh, np.sinh, 1, unary()),
    Op("cosh", am.cosh, np.cosh, 1, unary()),
    Op("arcsinh", am.arcsinh, np.arcsinh, 1, unary()),
    Op("arccosh", am.arccosh, np.arccosh, 1, unary(ABOVE_ONE)),
    Op("arctanh", am.arctanh, np.arctanh, 1, unary(OPEN_UNIT)),
    Op("deg2rad", am.deg2rad, lambda x: x * np.pi / 180, 1, unary()),
    Op("rad2deg", am.rad2deg, lambda x: x * 180 / np.pi, 1, unary()),
    # off 0, where torch's second derivative is 0 and ours −π²/3 (test_ops_numpy_names_edges.py)
    Op("sinc", am.sinc, lambda x: np.sin(np.pi * x) / (np.pi * x), 1, unary(AWAY)),
    # exponentials, logarithms, powers (autograd_mini/ops/explog.py)
    Op("exp2", am.exp2, lambda x: 2.0 ** x, 1, unary()),
    Op("expm1", am.expm1, np.expm1, 1, unary()),
    Op("log2", am.log2, np.log2, 1, unary(POSITIVE)),
    Op("log10", am.log10, np.log10, 1, unary(POSITIVE)),
    Op("log1p", am.log1p, np.log1p, 1, unary(ABOVE_MINUS_ONE)),
    Op("logaddexp", am.logaddexp, lambda a, b: np.log(np.exp(a) + np.exp(b)), 2, binary(),
       broadcasts=True),
    Op("logaddexp2", am.logaddexp2, lambda a, b: np.log2(2.0 ** a + 2.0 ** b), 2, binary(),
       broadcasts=True),
    Op("square", am.square, lambda x: x * x, 1, unary()),
    Op("cbrt", am.cbrt, np.cbrt, 1, unary(DIVISOR), torch=_t_cbrt),
    Op("reciprocal", am.reciprocal, lambda x: 1.0 / x, 1, unary(DIVISOR)),
    # rounding, remainders, signs (autograd_mini/ops/rounding.py): piecewise
    Op("sign", am.sign, np.sign, 1, unary(AWAY), smooth=False),
    Op("floor", am.floor, np.floor, 1, unary(OFF_GRID), smooth=False),
    Op("ceil", am.ceil, np.ceil, 1, unary(OFF_GRID), smooth=False),
    Op("trunc", am.trunc, np.trunc, 1, unary(OFF_GRID), smooth=False),
    Op("rint", am.rint, np.rint, 1, unary(OFF_GRID), smooth=False, torch=_t("round")),
    Op("round", am.round, np.round, 1, unary(OFF_GRID, _decimals), smooth=False),
    Op("around", am.around, np.round, 1, unary(OFF_GRID, _decimals), smooth=False,
       torch=_t("round")),
    # The remainders' operands still broadcast (the draw does it); broadcasts=True would add the
    # table's fixed grid of values, where a/b hits integers (1.1 % 0.55): see the edge tests.
    Op("remainder", am.remainder, np.remainder, 2, _remainder_case, smooth=False),
    Op("mod", lambda a, b: a % b, lambda a, b: a % b, 2, _remainder_case, smooth=False,
       torch=_t("remainder")),
    Op("fmod", am.fmod, np.fmod, 2, _remainder_case, smooth=False),
    Op("copysign", am.copysign, np.copysign, 2, binary(AWAY, AWAY), smooth=False,
       broadcasts=True),
    Op("fabs", am.fabs, np.abs, 1, unary(AWAY), smooth=False, torch=_t("abs")),
    # NaN-ignoring extrema and nan_to_num (autograd_mini/ops/elementwise.py); their NaN and
    # infinity cases are in test_ops_numpy_names_edges.py
    Op("fmax", am.fmax, np.maximum, 2, _distinct_pair, smooth=False, broadcasts=True),
    Op("fmin", am.fmin, np.minimum, 2, _distinct_pair, smooth=False, broadcasts=True),
    Op("nan_to_num", am.nan_to_num, lambda x: x, 1, unary()),
]
