"""The op table: every public op once, with its numpy reference, input domain and flags.

A row's `draw(base)` is a hypothesis strategy for a `Case`: float64 input arrays drawn from the
op's domain (away from kinks, above zero, without ties, as the op needs) plus the op's
non-differentiable parameters (axis, index, target, ...). `base` is a strategy for the shape
the row builds its inputs around, so a test chooses how large (or how 0-d) the inputs are.
Property tests in test_ops_*.py iterate over OPS.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_mini as am
from autograd_mini import testing as amt
from autograd_mini.registry import TENSOR_FUNCTIONS

# Examples per row for the per-row property tests (forward, gradient, torch, float32, ...):
# 192 rows x several tests dominate the suite's time, so the derandomized ci profile draws 6
# per row and test (every other property draws 12); HYPOTHESIS_PROFILE=dev draws 40.
ROW_EXAMPLES = 40 if os.environ.get("HYPOTHESIS_PROFILE") == "dev" else 6
per_row = settings(max_examples=ROW_EXAMPLES)

Shape = tuple[int, ...]
ShapeStrategy = st.SearchStrategy[Shape]


@dataclass(frozen=True)
class Case:
    """Input arrays (float64) and the op's non-differentiable parameters."""

    arrays: tuple[np.ndarray, ...]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
class Op:
    """One row of the table."""

    name: str
    fn: Callable[..., am.Tensor]  # (*tensors, **params) -> Tensor
    ref: Callable[..., np.ndarray]  # (*float64 arrays, **params) -> array, plain numpy maths
    arity: int
    draw: Callable[[ShapeStrategy], st.SearchStrategy[Case]]
    smooth: bool = True  # C² everywhere; False: piecewise, and the domain keeps off the kinks
    broadcasts: bool = False  # binary op whose operands broadcast against each other
    torch: Callable[..., Any] | None = None  # (*torch tensors, **params) -> torch tensor
    min_dims: int = 0  # smallest base rank the row accepts (0: 0-d inputs allowed)
    out_dtype: Any = None  # fixed output dtype (astype); None: the inputs' dtype
    gradcheck: dict[str, Any] = field(default_factory=dict)  # eps/atol overrides

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


# ---- input builders ------------------------------------------------------------------------
def _domain(name: str, **kw: Any) -> Callable[[Shape], st.SearchStrategy[np.ndarray]]:
    return lambda shape: amt.arrays(shape, domain=name, **kw)


REAL = _domain("real")
POSITIVE = _domain("positive", margin=0.5)
AWAY = _domain("away_from_zero", margin=1e-3)
DIVISOR = _domain("away_from_zero", margin=0.5)


def unary(domain=REAL, params: Callable[[Shape], st.SearchStrategy[dict]] | None = None):
    """x drawn from `domain` over the base shape; params may depend on the shape."""

    @st.composite
    def case(draw, base: ShapeStrategy) -> Case:
        shape = draw(base)
        kw = draw(params(shape)) if params else {}
        return Case((draw(domain(shape)),), kw)

    return case


def binary(domain_a=REAL, domain_b=REAL):
    """a and b of shapes that broadcast to the base shape (either side may be smaller)."""

    @st.composite
    def case(draw, base: ShapeStrategy) -> Case:
        result = draw(base)
        sa, sb = draw(amt.broadcast_operand(result)), draw(amt.broadcast_operand(result))
        return Case((draw(domain_a(sa)), draw(domain_b(sb))))

    return case


@st.composite
def _distinct_pair(draw, base: ShapeStrategy) -> Case:
    """Broadcasting a, b with no two values within 1e-2 of each other (no ties anywhere)."""
    result = draw(base)
    sa, sb = draw(amt.broadcast_operand(result)), draw(amt.broadcast_operand(result))
    na = int(np.prod(sa, dtype=np.int64))
    values = draw(amt.distinct_values((na + int(np.prod(sb, dtype=np.int64)),)))
    return Case((values[:na].reshape(sa), values[na:].reshape(sb)))


def _reduce_params(shape: Shape) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"axis": amt.valid_axes(shape), "keepdims": st.booleans()})


def _var_params(shape: Shape) -> st.SearchStrategy[dict]:
    def with_ddof(kw: dict) -> st.SearchStrategy[dict]:
        axes = kw["axis"]
        axes = range(len(shape)) if axes is None else np.atleast_1d(axes)
        n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
        return st.sampled_from([0, 1] if n > 1 else [0]).map(lambda d: {**kw, "ddof": d})

    return _reduce_params(shape).flatmap(with_ddof)


def _axis_param(shape: Shape) -> st.SearchStrategy[dict]:
    return amt.valid_axes(shape, allow_none=False, allow_tuple=False).map(lambda a: {"axis": a})


def _reshape_params(shape: Shape) -> st.SearchStrategy[dict]:
    size = int(np.prod(shape, dtype=np.int64))
    targets = [(size,), (-1,), shape[::-1], (1,) + shape, shape + (1,), (size, 1)]
    if len(shape) >= 2:
        targets.append((-1, shape[-1]))
    return st.sampled_from(targets).map(lambda s: {"shape": s})


def _transpose_params(shape: Shape) -> st.SearchStrategy[dict]:
    axes = st.permutations(range(len(shape))).map(tuple)
    return st.one_of(st.none(), axes).map(lambda a: {"axes": a})


def _swapaxes_params(shape: Shape) -> st.SearchStrategy[dict]:
    axis = st.integers(-len(shape), len(shape) - 1)
    return st.fixed_dictionaries({"axis1": axis, "axis2": axis})


def _expand_dims_params(shape: Shape) -> st.SearchStrategy[dict]:
    return st.integers(-len(shape) - 1, len(shape)).map(lambda a: {"axis": a})


@st.composite
def _broadcast_to_case(draw, base: ShapeStrategy) -> Case:
    target = draw(base)
    source = draw(amt.broadcast_operand(target))
    return Case((draw(REAL(source)),), {"shape": target})


def _index_params(shape: Shape) -> st.SearchStrategy[dict]:
    return amt.index_arrays(shape).map(lambda i: {"index": i})


@st.composite
def _clip_case(draw, base: ShapeStrategy) -> Case:
    shape = draw(base)
    lo, hi = draw(st.sampled_from([(-1.0, 1.0), (-0.5, None), (None, 0.25)]))
    kinks = tuple(k for k in (lo, hi) if k is not None)
    x = draw(amt.away_from_kinks(shape, kinks=kinks, margin=1e-3))
    return Case((x,), {"min": lo, "max": hi})


@st.composite
def _where_case(draw, base: ShapeStrategy) -> Case:
    result = draw(base)
    shapes = [draw(amt.broadcast_operand(result)) for _ in range(3)]
    condition = draw(hnp.arrays(np.bool_, shapes[0]))
    return Case((draw(REAL(shapes[1])), draw(REAL(shapes[2]))), {"condition": condition})


@st.composite
def _concatenate_case(draw, base: ShapeStrategy) -> Case:
    shape = draw(base)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    arrays = []
    for _ in range(3):
        s = list(shape)
        s[axis] = draw(st.integers(1, 3))
        arrays.append(draw(REAL(tuple(s))))
    return Case(tuple(arrays), {"axis": axis})


@st.composite
def _stack_case(draw, base: ShapeStrategy) -> Case:
    shape = draw(base)
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    return Case(tuple(draw(REAL(shape)) for _ in range(3)), {"axis": axis})


def _matmul_case(kind: str):
    """Shapes for one matmul form; sides come from the base shape (padded with 2s)."""

    @st.composite
    def case(draw, base: ShapeStrategy) -> Case:
        sides = list(draw(base)) + [2, 3, 2, 2]
        m, n, k = sides[0], sides[1], sides[2]
        if kind == "1d@1d":
            shapes = (n,), (n,)
        elif kind == "1d@2d":
            shapes = (n,), (n, k)
        elif kind == "2d@1d":
            shapes = (m, n), (n,)
        elif kind == "2d@2d":
            shapes = (m, n), (n, k)
        else:  # batched: batch axes broadcast, either operand may be 1-d or unbatched
            batch = draw(amt.broadcastable_shapes(min_dims=0, max_dims=2, max_side=3))
            ba, bb = batch
            left = draw(st.sampled_from([ba + (m, n), (n,)]))
            right = draw(st.sampled_from([bb + (n, k), (n,)] if len(left) > 1 else [bb + (n, k)]))
            shapes = left, right
        return Case((draw(REAL(shapes[0])), draw(REAL(shapes[1]))))

    return case


def _linear_case(bias: bool, batched: bool = False):
    @st.composite
    def case(draw, base: ShapeStrategy) -> Case:
        sides = list(draw(base)) + [2, 3, 2]
        batch, n_in, n_out = sides[0], sides[1], sides[2]
        x_shape = (2, batch, n_in) if batched else (batch, n_in)
        arrays = [draw(REAL(x_shape)), draw(REAL((n_in, n_out)))]
        if bias:
            arrays.append(draw(REAL((n_out,))))
        return Case(tuple(arrays))

    return case


def _cross_entropy_case(target_kind: str):
    @st.composite
    def case(draw, base: ShapeStrategy) -> Case:
        sides = list(draw(base)) + [3, 4]
        n, classes = sides[0], max(sides[1], 2)
        logits = draw(REAL((n, classes)))
        if target_kind == "labels":
            target = np.array(draw(st.lists(st.integers(0, classes - 1), min_size=n,
                                            max_size=n)), dtype=np.int64)
        else:
            target = draw(amt.arrays((n, classes), domain="probability"))
            if draw(st.booleans()):  # rows summing to 1; otherwise soft weights (as torch)
                target = target / target.sum(axis=1, keepdims=True)
        reduction = draw(st.sampled_from(["mean", "sum", "none"]))
        return Case((logits,), {"target": target, "reduction": reduction})

    return case


# ---- numpy references (plain formulas, float64) --------------------------------------------
def _logsumexp_ref(x, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def _softmax_ref(x, axis):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def _cross_entropy_ref(z, target, reduction):
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    if target.ndim == 1:
        target = np.eye(z.shape[1])[target]
    losses = -(target * log_probs).sum(axis=1)
    return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]


def _transpose_ref(x, axes):
    return np.transpose(x, axes)


def _clip_ref(x, min, max):  # noqa: A002
    return np.clip(x, -np.inf if min is None else min, np.inf if max is None else max)


# ---- torch adapters (imported lazily: torch is optional) -----------------------------------
def _tf():
    import torch.nn.functional as tf

    return tf


def _dims(x, axis):
    return tuple(range(x.ndim)) if axis is None else axis


def _t_getitem(x, index):
    import torch

    flat = np.arange(x.numel()).reshape(tuple(x.shape))[index]  # numpy decides the semantics
    return x.reshape(-1)[torch.from_numpy(np.array(flat))]


def _t_cross_entropy(z, target, reduction):
    import torch

    t = torch.from_numpy(target)
    return _tf().cross_entropy(z, t if target.ndim == 2 else t.long(), reduction=reduction)


def _t(name: str) -> Callable[..., Any]:
    """torch.<name>, resolved at call time."""

    def call(*args, **kwargs):
        import torch

        return getattr(torch, name)(*args, **kwargs)

    return call


T_ADAPTERS: dict[str, Callable[..., Any]] = {}


def _torch_ops() -> dict[str, Callable[..., Any]]:
    import torch

    tf = _tf()
    return {
        "power": lambda x, exponent: x ** exponent,
        "sum": lambda x, axis, keepdims: torch.sum(x, dim=_dims(x, axis), keepdim=keepdims),
        "mean": lambda x, axis, keepdims: torch.mean(x, dim=_dims(x, axis), keepdim=keepdims),
        "var": lambda x, axis, keepdims, ddof: torch.var(
            x, dim=_dims(x, axis), keepdim=keepdims, correction=ddof),
        "max": lambda x, axis, keepdims: torch.amax(x, dim=_dims(x, axis), keepdim=keepdims),
        "min": lambda x, axis, keepdims: torch.amin(x, dim=_dims(x, axis), keepdim=keepdims),
        "logsumexp": lambda x, axis, keepdims: torch.logsumexp(
            x, dim=_dims(x, axis), keepdim=keepdims),
        "leaky_relu": lambda x, negative_slope: tf.leaky_relu(x, negative_slope),
        "elu": lambda x, alpha: tf.elu(x, alpha),
        "softplus": tf.softplus,
        "clip": lambda x, min, max: torch.clamp(x, min, max),  # noqa: A006
        "where": lambda a, b, condition: torch.where(torch.from_numpy(condition), a, b),
        "transpose": lambda x, axes: x.permute(
            tuple(reversed(range(x.ndim))) if axes is None else axes),
        "T": lambda x: x.permute(tuple(reversed(range(x.ndim)))),
        "expand_dims": lambda x, axis: torch.unsqueeze(x, axis),
        "getitem": _t_getitem,
        "concatenate": lambda a, b, c, axis: torch.cat([a, b, c], dim=axis),
        "stack": lambda a, b, c, axis: torch.stack([a, b, c], dim=axis),
        "linear": lambda x, w, b=None: x @ w if b is None else x @ w + b,
        "cross_entropy": _t_cross_entropy,
        "astype[float32]": lambda x: x.to(torch.float32),
        "astype[float64]": lambda x: x.to(torch.float64),
        "reshape": lambda x, shape: x.reshape(shape),
        "swapaxes": lambda x, axis1, axis2: torch.swapaxes(x, axis1, axis2),
        "broadcast_to": lambda x, shape: torch.broadcast_to(x, shape),
        "softmax": lambda x, axis: torch.softmax(x, dim=axis),
        "log_softmax": lambda x, axis: torch.log_softmax(x, dim=axis),
    }


def torch_fn(op: Op) -> Callable[..., Any]:
    """The torch function for a row: its `torch` field, an adapter above, else torch.<op family
    name>."""
    if op.torch is not None:
        return op.torch
    if not T_ADAPTERS:
        T_ADAPTERS.update(_torch_ops())
    family = op.name.split("[")[0]
    return op.torch or T_ADAPTERS.get(op.name) or T_ADAPTERS.get(family) or _t(family)


# ---- the table -----------------------------------------------------------------------------
def _exponent_params(exponents):
    return lambda shape: st.sampled_from(exponents).map(lambda p: {"exponent": p})


def _slope(shape):
    return st.sampled_from([0.01, 0.2]).map(lambda s: {"negative_slope": s})


def _alpha(shape):
    return st.sampled_from([1.0, 0.5]).map(lambda a: {"alpha": a})


OPS: list[Op] = [
    # elementwise binary (broadcasting both ways)
    Op("add", am.add, np.add, 2, binary(), broadcasts=True),
    Op("sub", am.sub, np.subtract, 2, binary(), broadcasts=True),
    Op("mul", am.mul, np.multiply, 2, binary(), broadcasts=True),
    Op("div", am.div, np.divide, 2, binary(REAL, DIVISOR), broadcasts=True),
    Op("pow", am.pow, np.power, 2, binary(POSITIVE, REAL), broadcasts=True),
    Op("maximum", am.maximum, np.maximum, 2, _distinct_pair, smooth=False, broadcasts=True),
    Op("minimum", am.minimum, np.minimum, 2, _distinct_pair, smooth=False, broadcasts=True),
    Op("where", lambda a, b, condition: am.where(condition, a, b),
       lambda a, b, condition: np.where(condition, a, b), 2, _where_case, broadcasts=True),
    # tensor ** constant
    Op("power[int]", lambda x, exponent: x ** exponent, lambda x, exponent: x ** exponent, 1,
       unary(REAL, _exponent_params([0, 1, 2, 3]))),
    Op("power[real]", lambda x, exponent: am.pow(x, exponent),
       lambda x, exponent: np.power(x, exponent), 1,
       unary(POSITIVE, _exponent_params([0.5, 1.5, -1.0, -2.5, 2.0]))),
    # elementwise unary
    Op("neg", am.neg, np.negative, 1, unary()),
    Op("exp", am.exp, np.exp, 1, unary()),
    Op("log", am.log, np.log, 1, unary(POSITIVE)),
    Op("sqrt", am.sqrt, np.sqrt, 1, unary(POSITIVE)),
    Op("abs", am.abs, np.abs, 1, unary(AWAY), smooth=False),
    Op("tanh", am.tanh, np.tanh, 1, unary()),
    # tanh's derivative g·(1 − y²) as one op (internal: tanh's VJP and JVP use it)
    Op("tanh_backward", TENSOR_FUNCTIONS["tanh_backward"], lambda g, y: g * (1.0 - y * y), 2,
       binary(), broadcasts=True, torch=lambda g, y: g * (1.0 - y * y)),
    Op("sin", am.sin, np.sin, 1, unary()),
    Op("cos", am.cos, np.cos, 1, unary()),
    Op("sigmoid", am.sigmoid, lambda x: 1 / (1 + np.exp(-x)), 1, unary()),
    Op("relu", am.relu, lambda x: x * (x > 0), 1, unary(AWAY), smooth=False),
    Op("leaky_relu", am.leaky_relu,
       lambda x, negative_slope: np.where(x > 0, x, negative_slope * x), 1,
       unary(AWAY, _slope), smooth=False),
    Op("elu", am.elu, lambda x, alpha: np.where(x > 0, x, alpha * (np.exp(x) - 1)), 1,
       unary(AWAY, _alpha), smooth=False),
    Op("softplus", am.softplus, lambda x: np.log(1 + np.exp(x)), 1, unary()),
    Op("clip", am.clip, _clip_ref, 1, _clip_case, smooth=False),
    Op("astype[float32]", lambda x: am.astype(x, np.float32), lambda x: x.astype(np.float32),
       1, unary(), out_dtype=np.float32, gradcheck={"eps": 1e-3, "atol": 1e-4}),
    Op("astype[float64]", lambda x: am.astype(x, np.float64), lambda x: x.astype(np.float64),
       1, unary(), out_dtype=np.float64),
    # reductions
    Op("sum", am.sum, np.sum, 1, unary(REAL, _reduce_params)),
    Op("mean", am.mean, np.mean, 1, unary(REAL, _reduce_params)),
    Op("var", am.var, np.var, 1, unary(REAL, _var_params)),
    Op("max", am.max, np.max, 1, unary(amt.distinct_values, _reduce_params), smooth=False),
    Op("min", am.min, np.min, 1, unary(amt.distinct_values, _reduce_params), smooth=False),
    Op("logsumexp", am.logsumexp, _logsumexp_ref, 1, unary(REAL, _reduce_params)),
    Op("softmax", am.softmax, _softmax_ref, 1, unary(REAL, _axis_param), min_dims=1),
    Op("log_softmax", am.log_softmax, lambda x, axis: np.log(_softmax_ref(x, axis)), 1,
       unary(REAL, _axis_param), min_dims=1),
    # shape
    Op("reshape", lambda x, shape: x.reshape(*shape), lambda x, shape: np.reshape(x, shape), 1,
       unary(REAL, _reshape_params)),
    Op("transpose", lambda x, axes: am.transpose(x, *(axes or ())), _transpose_ref, 1,
       unary(REAL, _transpose_params)),
    Op("T", lambda x: x.T, np.transpose, 1, unary()),
    Op("swapaxes", am.swapaxes, np.swapaxes, 1, unary(REAL, _swapaxes_params), min_dims=1),
    Op("expand_dims", am.expand_dims, np.expand_dims, 1, unary(REAL, _expand_dims_params)),
    Op("broadcast_to", am.broadcast_to, np.broadcast_to, 1, _broadcast_to_case),
    Op("getitem", am.getitem, lambda x, index: x[index], 1, unary(REAL, _index_params)),
    Op("concatenate", lambda a, b, c, axis: am.concatenate([a, b, c], axis=axis),
       lambda a, b, c, axis: np.concatenate([a, b, c], axis=axis), 3, _concatenate_case,
       min_dims=1),
    Op("stack", lambda a, b, c, axis: am.stack([a, b, c], axis=axis),
       lambda a, b, c, axis: np.stack([a, b, c], axis=axis), 3, _stack_case),
    # linear algebra
    *[Op(f"matmul[{kind}]", am.matmul, np.matmul, 2, _matmul_case(kind))
      for kind in ("1d@1d", "1d@2d", "2d@1d", "2d@2d", "batched")],
    Op("linear", am.linear, lambda x, w, b: x @ w + b, 3, _linear_case(bias=True)),
    Op("linear[no bias]", am.linear, lambda x, w: x @ w, 2, _linear_case(bias=False)),
    Op("linear[batched x]", am.linear, lambda x, w, b: x @ w + b, 3,
       _linear_case(bias=True, batched=True)),
    # losses
    Op("cross_entropy[labels]", am.cross_entropy, _cross_entropy_ref, 1,
       _cross_entropy_case("labels")),
    Op("cross_entropy[probs]", am.cross_entropy, _cross_entropy_ref, 1,
       _cross_entropy_case("probs")),
]



def _family_rows() -> list[Op]:
    """Rows kept in tests/op_rows_<family>.py files (each defines ROWS), in name order."""
    import importlib
    from pathlib import Path

    rows: list[Op] = []
    for path in sorted(Path(__file__).parent.glob("op_rows_*.py")):
        rows.extend(importlib.import_module(path.stem).ROWS)
    return rows


OPS.extend(_family_rows())
OPS_BY_NAME = {op.name: op for op in OPS}
if len(OPS_BY_NAME) != len(OPS):
    raise ValueError("op table: two rows share a name")


def op_ids(op: Op) -> str:
    return op.name


def tensors(case: Case, dtype: Any = np.float64, requires_grad: bool = True) -> list[am.Tensor]:
    """Fresh leaves for a case's arrays, cast to `dtype`."""
    return [am.tensor(a.astype(dtype), requires_grad=requires_grad) for a in case.arrays]


def call(op: Op, xs: list[Any], case: Case) -> am.Tensor:
    return op.fn(*xs, **case.params)


def reference(op: Op, case: Case, dtype: Any = np.float64) -> np.ndarray:
    """The numpy reference in float64 on the case's arrays rounded to `dtype`."""
    arrays = [a.astype(dtype).astype(np.float64) for a in case.arrays]
    return np.asarray(op.ref(*arrays, **case.params))
