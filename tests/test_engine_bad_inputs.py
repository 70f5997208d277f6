"""Every public op fed what a careless user would feed it (catalogue: tests/HARDENING.md).

Each case asserts the precise outcome: the correct result (compared with the float64 answer),
or an error of the library's type that names the op and the offending shape, dtype or value.
Engine misuse (backward, grad) is in test_engine_errors.py; random programs over the op table
in test_engine_graph.py; bad inputs to `nn` in test_nn_bad_inputs.py.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import OPS, op_ids, tensors

import autograd_mini as am
from autograd_mini import testing as amt

RNG = np.random.default_rng(7)
LABELS = np.array([2, 0])
COND = np.array([True, False, True])


# ---- one valid call per public op: the table every bad input is substituted into -----------
@dataclass(frozen=True)
class Call:
    """`fn(*arrays)` is a valid call of op `name` on arrays of `shapes`."""

    name: str
    fn: Callable[..., am.Tensor]
    shapes: tuple[tuple[int, ...], ...]

    def __repr__(self) -> str:
        return self.name


def _unary(name: str, fn: Callable[..., am.Tensor] | None = None,
           shape: tuple[int, ...] = (2, 3)) -> Call:
    return Call(name, fn or getattr(am, name), (shape,))


# Ops whose valid call needs more than one (2, 3) tensor and is not a broadcasting binary
# op: every public op with a one-input row in the op table gets `_unary(name)` below, and
# every one with a broadcasting two-input row `name((2, 3), (3,))`, so such a new op needs no
# row here — only its op-table row.
_SPECIAL_CALLS = [
    *[Call(n, getattr(am, n), ((2, 3), (3,))) for n in ("remainder", "mod", "fmod", "append")],
    Call("where", lambda a, b: am.where(COND, a, b), ((2, 3), (3,))),
    _unary("clip", lambda x: am.clip(x, 0.0, 1.5)),
    _unary("astype", lambda x: am.astype(x, np.float32)),
    _unary("reshape", lambda x: am.reshape(x, (3, 2))),
    _unary("swapaxes", lambda x: am.swapaxes(x, 0, 1)),
    _unary("expand_dims", lambda x: am.expand_dims(x, 1)),
    _unary("broadcast_to", lambda x: am.broadcast_to(x, (4, 2, 3))),
    _unary("getitem", lambda x: am.getitem(x, (slice(None), np.array([2, 0, 2])))),
    _unary("cross_entropy", lambda z: am.cross_entropy(z, LABELS)),
    Call("concatenate", lambda a, b: am.concatenate([a, b], axis=1), ((2, 3), (2, 1))),
    Call("stack", lambda a, b: am.stack([a, b], axis=-1), ((2, 3), (2, 3))),
    Call("matmul", am.matmul, ((2, 3), (3, 4))),
    Call("linear", am.linear, ((2, 3), (3, 4), (4,))),
    # products and linear algebra (tuple results reduced to their differentiable part; square
    # matrices are 1 × 1 so the integer and boolean substitutes stay invertible)
    *[Call(n, getattr(am, n), ((2, 3), (3, 2))) for n in ("dot", "vdot")],
    Call("tensordot", lambda a, b: am.tensordot(a, b, 1), ((2, 3), (3, 2))),
    *[Call(n, getattr(am, n), ((2, 3), (4, 3))) for n in ("inner", "outer", "kron")],
    Call("einsum", lambda a, b: am.einsum("ij,kj->ik", a, b), ((2, 3), (4, 3))),
    *[_unary(n, shape=(1, 1)) for n in ("inv", "det", "cholesky", "eigvalsh")],
    _unary("slogdet", lambda a: am.slogdet(a).logabsdet, (1, 1)),
    _unary("eigh", lambda a: am.eigh(a).eigenvalues, (1, 1)),
    _unary("svd", lambda a: am.svd(a, compute_uv=False), (3, 2)),
    _unary("qr", lambda a: am.qr(a).R, (3, 2)),
    _unary("pinv", shape=(3, 2)),
    Call("solve", am.solve, ((1, 1), (1,))),
    Call("lstsq", lambda a, b: am.lstsq(a, b)[0], ((3, 2), (3,))),
    # shape and indexing ops (issue 13) whose valid call needs parameters or several inputs
    _unary("roll", lambda x: am.roll(x, 1, axis=1)),
    _unary("moveaxis", lambda x: am.moveaxis(x, 0, -1)),
    _unary("tile", lambda x: am.tile(x, (2, 1))),
    _unary("repeat", lambda x: am.repeat(x, 2, axis=1)),
    _unary("pad", lambda x: am.pad(x, 1, mode="reflect")),
    _unary("take", lambda x: am.take(x, [0, 0, 5])),
    _unary("take_along_axis", lambda x: am.take_along_axis(x, np.array([[0, 2], [1, 1]]), 1)),
    _unary("atleast_3d"),
    _unary("split", lambda x: am.split(x, 3, axis=1)[1]),
    _unary("array_split", lambda x: am.array_split(x, 2, axis=1)[0]),
    Call("hstack", lambda a, b: am.hstack([a, b]), ((2, 3), (2, 1))),
    Call("vstack", lambda a, b: am.vstack([a, b]), ((2, 3), (3,))),
    Call("column_stack", lambda a, b: am.column_stack([a, b]), ((2, 3), (2,))),
    Call("dstack", lambda a, b: am.dstack([a, b]), ((2, 3), (2, 3))),
    Call("broadcast_arrays", lambda a, b: am.stack(am.broadcast_arrays(a, b)), ((2, 3), (3,))),
    # convolution and pooling (batch, channels, *spatial)
    Call("conv", lambda x, w: am.conv(x, w, padding=1), ((2, 3, 4, 4), (2, 3, 3, 3))),
    Call("conv_transpose", lambda g, w: am.conv_transpose(g, w, stride=2),
         ((2, 3, 3, 3), (3, 2, 3, 3))),
    _unary("max_pool", lambda x: am.max_pool(x, 2), (2, 3, 4, 4)),
    _unary("avg_pool", lambda x: am.avg_pool(x, 2), (2, 3, 4, 4)),
    _unary("quantile", lambda x: am.quantile(x, [0.25, 0.5], axis=1)),
    _unary("norm", lambda x: am.norm(x, axis=1)),
    # numpy's names from the HIPS autograd test suite (ops/arrange.py, conveniences.py,
    # sorting.py)
    _unary("partition", lambda x: am.partition(x, 1, axis=1)),
    _unary("rot90", lambda x: am.rot90(x, 1)),
    _unary("rollaxis", lambda x: am.rollaxis(x, 1)),
    _unary("hsplit", lambda x: am.hsplit(x, 3)[1]),
    _unary("vsplit", lambda x: am.vsplit(x, 2)[0]),
    _unary("dsplit", lambda x: am.dsplit(x, 1)[0], (2, 3, 1)),
    Call("row_stack", lambda a, b: am.row_stack([a, b]), ((2, 3), (3,))),
    Call("select", lambda a, b: am.select([COND, ~COND], [a, b]), ((2, 3), (3,))),
    # finite differences, quadrature, cross product, average, convolution (issue 13)
    _unary("trapezoid"),
    _unary("gradient", lambda f: am.gradient(f, axis=1)),
    Call("cross", am.cross, ((2, 3), (3,))),
    Call("average", lambda a, w: am.average(a, axis=1, weights=w), ((2, 3), (3,))),
    Call("convolve", am.convolve, ((5,), (3,))),
]
# integer-valued, without a graph: tests/test_ops_reduction_edges.py checks them
_NOT_DIFFERENTIABLE = {"argmax", "argmin", "argsort"}
_SPECIAL = {c.name for c in _SPECIAL_CALLS}
CALLS = _SPECIAL_CALLS + [
    Call(op.name, getattr(am, op.name), ((2, 3), (3,))) for op in OPS
    if op.arity == 2 and op.broadcasts and op.name in am.functional.__all__
    and op.name not in _SPECIAL] + [
    _unary(op.name) for op in OPS if op.arity == 1 and op.name in am.functional.__all__
    and op.name not in _SPECIAL]
POSITIONS = [(call, i) for call in CALLS for i in range(len(call.shapes))]
POSITION_IDS = [f"{call.name}[{i}]" for call, i in POSITIONS]


def _values(shape: tuple[int, ...]) -> np.ndarray:
    """Positive, distinct, away from every kink: valid for log, sqrt, pow and the rest."""
    return RNG.uniform(0.55, 1.45, size=shape)


def _leaves(call: Call) -> list[am.Tensor]:
    return [am.tensor(_values(s), requires_grad=True) for s in call.shapes]


def _seeded_backward(out: am.Tensor) -> None:
    """Backward from a fixed pseudo-random upstream gradient of the output's shape."""
    upstream = np.linspace(-1.0, 2.0, out.size).reshape(out.shape)
    out.backward(upstream.astype(out.dtype))


# Boolean results without a graph (tests/test_ops_math_edges.py checks their bad inputs).
NOT_DIFFERENTIABLE = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
                      "isclose", "isfinite", "isnan", "isinf"}


def test_call_table_covers_every_public_op():
    functional_ops = set(am.functional.__all__) - NOT_DIFFERENTIABLE - _NOT_DIFFERENTIABLE
    assert functional_ops == {call.name for call in CALLS}
    for call in CALLS:  # every template is itself a valid call
        assert isinstance(call.fn(*_leaves(call)), am.Tensor)


# ---- wrong dtypes ------------------------------------------------------------------------------
def _bad(kind: str, shape: tuple[int, ...]) -> Any:
    base = _values(shape)
    return {
        "complex": base + 1j,
        "object": base.astype(object),
        "str": base.astype(str),
        "bytes": base.astype("S8"),
        "datetime": np.zeros(shape, dtype="datetime64[s]"),
        "None": None,
    }[kind]


BAD_KINDS = ["complex", "object", "str", "bytes", "datetime", "None"]
BAD_DTYPE_CASES = [pytest.param(call, i, kind, id=f"{call.name}[{i}]-{kind}")
                   for call, i in POSITIONS for kind in BAD_KINDS
                   if not (call.name == "linear" and i == 2 and kind == "None")  # no bias
                   and not (call.name == "average" and i == 1 and kind == "None")]  # unweighted


@pytest.mark.hardening("engine/non-numeric")
@pytest.mark.parametrize(("call", "position", "kind"), BAD_DTYPE_CASES)
def test_non_numeric_input_is_a_type_error_naming_op_and_dtype(call, position, kind):
    args: list[Any] = _leaves(call)
    bad = _bad(kind, call.shapes[position])
    args[position] = bad
    dtype = "object" if bad is None else str(bad.dtype)
    with pytest.raises(TypeError, match=re.escape(dtype)) as info:
        call.fn(*args)
    assert call.name in str(info.value) or "cannot combine" in str(info.value)


@pytest.mark.hardening("engine/integer-bool")
@pytest.mark.parametrize("kind", ["int64", "int8", "uint8", "bool"])
@pytest.mark.parametrize(("call", "position"), POSITIONS, ids=POSITION_IDS)
def test_integer_and_bool_input_computes_like_float64(call, position, kind):
    """An integer or boolean array is data, not a parameter: it becomes float64 (or the other
    operand's floating dtype) and gives exactly the float result and gradients."""
    shape = call.shapes[position]
    raw = np.ones(shape, dtype=bool) if kind == "bool" else \
        (np.arange(int(np.prod(shape))).reshape(shape) % 3 + 1).astype(kind)
    leaves = _leaves(call)
    args: list[Any] = list(leaves)
    args[position] = raw
    out = call.fn(*args)
    as_float = [leaf.detach() for leaf in leaves]
    as_float[position] = am.tensor(raw.astype(np.float64))
    expected = call.fn(*as_float)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected.data)
    assert out.requires_grad == (len(leaves) > 1)  # only the float operands want gradients
    if not out.requires_grad:
        return
    _seeded_backward(out)
    reference_leaves = [am.tensor(a.data, requires_grad=i != position)
                        for i, a in enumerate(as_float)]
    _seeded_backward(call.fn(*reference_leaves))
    for i, (leaf, ref) in enumerate(zip(leaves, reference_leaves)):
        if i == position:
            assert leaf.grad is None  # the raw integer array was never a leaf of the graph
        else:
            np.testing.assert_array_equal(leaf.grad, ref.grad)


@pytest.mark.hardening("engine/requires-grad-dtype")
@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.complex128, object, "U3"])
def test_requires_grad_on_non_float_data_names_the_dtype(dtype):
    data = np.ones(3, dtype=dtype)
    keep = np.dtype(dtype).kind in "bu"  # these can be kept with dtype=; the others never
    with pytest.raises(TypeError, match=re.escape(str(np.dtype(dtype)))):
        am.tensor(data, dtype=dtype if keep else None, requires_grad=True)


# ---- wrong shapes (the cases tests/test_engine_errors.py does not already try) -------------
def _t(*shape: int) -> am.Tensor:
    return am.tensor(_values(shape), requires_grad=True)


WRONG_SHAPES = {
    **{f"{n}[(2, 3) vs (4,)]": (lambda n=n: getattr(am, n)(_t(2, 3), _t(4)),
                                rf"{n}: shapes \(2, 3\) and \(4,\) cannot be broadcast")
       for n in ("sub", "div", "pow", "maximum", "minimum")},
    "where[condition (3,) vs (2, 4)]": (lambda: am.where(COND, _t(2, 4), 0.0),
                                        r"where: condition \(3,\), a \(2, 4\) and b \(\)"),
    "matmul[0-d]": (lambda: am.matmul(_t(), _t(3)), r"matmul: .*at least 1 dim.*\(\) @ \(3,\)"),
    "matmul[1-d lengths]": (lambda: _t(3) @ _t(4), r"matmul: inner dimensions .*\(3,\) @ \(4,\)"),
    "matmul[batch axes]": (lambda: _t(2, 2, 3) @ _t(3, 3, 1),
                           r"matmul: shapes \(2, 2, 3\) and \(3, 3, 1\) cannot be broadcast"),
    "linear[in features]": (lambda: am.linear(_t(2, 5), _t(3, 4), _t(4)),
                            r"linear: x \(2, 5\), weight \(3, 4\), bias \(4,\); expected"),
    "linear[bias]": (lambda: am.linear(_t(2, 3), _t(3, 4), _t(3)),
                     r"linear: x \(2, 3\), weight \(3, 4\), bias \(3,\); expected"),
    "concatenate[ranks]": (lambda: am.concatenate([_t(2, 3), _t(3)]),
                           r"concatenate: all inputs need the same number of dims"),
    "concatenate[0-d]": (lambda: am.concatenate([_t(), _t()]), r"concatenate: zero-dim.*use stack"),
    "stack[shapes]": (lambda: am.stack([_t(2, 3), _t(3, 2)]),
                      r"stack: all shapes must be equal, got \[\(2, 3\), \(3, 2\)\]"),
    "swapaxes[axis]": (lambda: am.swapaxes(_t(2, 3), 0, 2),
                       r"swapaxes: axis 2 is out of range for a tensor with 2 dims"),
    "expand_dims[axis]": (lambda: am.expand_dims(_t(2, 3), 4),
                          r"expand_dims: axis 4 is out of range for a tensor with 3 dims"),
    "broadcast_to[incompatible]": (lambda: am.broadcast_to(_t(2, 3), (2, 4)),
                                   r"broadcast_to: cannot broadcast \(2, 3\) to \(2, 4\)"),
    "broadcast_to[fewer dims]": (lambda: am.broadcast_to(_t(2, 3), (3,)),
                                 r"broadcast_to: cannot broadcast \(2, 3\) to \(3,\)"),
    "reshape[two -1]": (lambda: _t(2, 3).reshape(-1, -1),
                        r"reshape: cannot reshape \(2, 3\) \(6 values\) to \(-1, -1\)"),
    "reshape[negative]": (lambda: _t(2, 3).reshape(-2, -3),
                          r"reshape: cannot reshape \(2, 3\) \(6 values\)"),
    "sum[repeated axis]": (lambda: _t(2, 3).sum(axis=(1, -1)), r"sum: repeated axis in \(1, -1\)"),
    "mean[axis]": (lambda: _t(2, 3).mean(axis=-3), r"mean: axis -3 is out of range .* 2 dims"),
    "var[axis]": (lambda: _t(2, 3).var(axis=2), r"var: axis 2 is out of range .* 2 dims"),
    "max[axis]": (lambda: am.max(_t(2, 3), axis=(0, 5)), r"max: axis 5 is out of range"),
    "logsumexp[axis]": (lambda: am.logsumexp(_t(2, 3), axis=2), r"logsumexp: axis 2 is out"),
    "softmax[axis]": (lambda: am.softmax(_t(2, 3), axis=2), r"softmax: axis 2 is out of range"),
    "log_softmax[axis]": (lambda: am.log_softmax(_t(3), axis=-2),
                          r"log_softmax: axis -2 is out of range for a tensor with 1 dims"),
    "cross_entropy[1-d logits]": (lambda: am.cross_entropy(_t(3), [0]),
                                  r"cross_entropy: logits must be \(batch, classes\), got \(3,\)"),
    "cross_entropy[2-d labels]": (lambda: am.cross_entropy(_t(2, 3), np.zeros((2, 1), int)),
                                  r"target of shape \(2, 1\) fits neither labels \(2,\) nor"),
    "cross_entropy[no classes]": (lambda: am.cross_entropy(_t(2, 0), [0, 0]),
                                  r"cross_entropy: logits of shape \(2, 0\) have no classes"),
}


@pytest.mark.hardening("engine/wrong-shapes")
@pytest.mark.parametrize("case", list(WRONG_SHAPES))
def test_wrong_shapes_raise_shape_error_naming_op_and_shapes(case):
    make, pattern = WRONG_SHAPES[case]
    with pytest.raises(am.ShapeError, match=pattern):
        make()


WRONG_INDEX = {
    "out of bounds": ((5, 0), r"getitem on shapes \(2, 3\): index 5 is out of bounds"),
    "too many indices": ((0, 0, 0), r"getitem on shapes \(2, 3\): too many indices"),
    "mask length": (np.array([True, False, True]), r"getitem on shapes \(2, 3\): boolean index"),
    "float array": (np.array([0.0]), r"getitem: index arrays must hold integers or booleans, "
                                     r"got dtype float64"),
    "float": (1.5, r"getitem on shapes \(2, 3\): only integers, slices"),
    "string": ("a", r"getitem on shapes \(2, 3\): only integers, slices"),
}


@pytest.mark.hardening("engine/bad-index")
@pytest.mark.parametrize("case", list(WRONG_INDEX))
def test_bad_index_is_an_index_error_naming_getitem_and_shape(case):
    index, pattern = WRONG_INDEX[case]
    with pytest.raises(IndexError, match=pattern):
        _t(2, 3)[index]


# ---- bad parameters: never silently truncated, never NaN in, NaN out -----------------------
BAD_PARAMETERS = {
    "sum axis=1.0": (lambda x: x.sum(axis=1.0), TypeError, r"sum: axis must be None, an int"),
    "mean axis='0'": (lambda x: x.mean(axis="0"), TypeError, r"mean: axis must be None, an int"),
    "max axis=True": (lambda x: am.max(x, axis=True), TypeError, r"max: axis .* got True"),
    "var axis=(0, 1.0)": (lambda x: x.var(axis=(0, 1.0)), TypeError, r"var: each axis must be"),
    "softmax axis=None": (lambda x: am.softmax(x, axis=None), TypeError, r"softmax: axis must"),
    "softmax axis=1.0": (lambda x: am.softmax(x, axis=1.0), TypeError, r"softmax: axis must"),
    "reshape(3, 2.0)": (lambda x: x.reshape(3, 2.0), TypeError, r"reshape: each size must be"),
    "reshape(6.9)": (lambda x: x.reshape(6.9), TypeError, r"reshape: each size .* 6\.9"),
    "reshape('6')": (lambda x: x.reshape("6"), TypeError, r"reshape: each size must be an int"),
    "transpose(1.0, 0)": (lambda x: x.transpose(1.0, 0), TypeError, r"transpose: each axis"),
    "expand_dims(0.5)": (lambda x: am.expand_dims(x, 0.5), TypeError, r"expand_dims: axis must"),
    "swapaxes(0, '1')": (lambda x: am.swapaxes(x, 0, "1"), TypeError, r"swapaxes: axis must"),
    "broadcast_to (2, 3.0)": (lambda x: am.broadcast_to(x, (2, 3.0)), TypeError,
                              r"broadcast_to: each size must be an int"),
    "clip min=nan": (lambda x: am.clip(x, np.nan, 1.0), ValueError, r"clip: min is NaN"),
    "clip max=nan": (lambda x: am.clip(x, max=float("nan")), ValueError, r"clip: max is NaN"),
    "clip max='1'": (lambda x: am.clip(x, 0.0, "1"), TypeError, r"clip: max must be a real"),
    "clip min=array": (lambda x: am.clip(x, np.zeros(3)), TypeError, r"clip: min must be"),
    "clip min>max": (lambda x: am.clip(x, 2.0, 1.0), ValueError, r"clip: min .* must not"),
    "clip no bounds": (lambda x: am.clip(x), ValueError, r"clip: give at least one"),
    "leaky_relu slope='a'": (lambda x: am.leaky_relu(x, "a"), TypeError,
                             r"leaky_relu: negative_slope must be a real number"),
    "leaky_relu slope=nan": (lambda x: am.leaky_relu(x, np.nan), ValueError,
                             r"leaky_relu: negative_slope is NaN"),
    "elu alpha=None": (lambda x: am.elu(x, None), TypeError, r"elu: alpha must be a real"),
    "elu alpha=1j": (lambda x: am.elu(x, 1j), TypeError, r"elu: alpha must be a real"),
    "where condition int": (lambda x: am.where(np.ones(3, int), x, 0.0), TypeError,
                            r"where: condition must be boolean, got dtype int64"),
    "astype int32": (lambda x: am.astype(x, np.int32), TypeError,
                     r"astype: only floating dtypes are differentiable, got int32"),
    "astype 'banana'": (lambda x: am.astype(x, "banana"), TypeError, r"banana"),
    "var ddof=6": (lambda x: x.var(ddof=6), ValueError, r"var: 6 values with ddof=6"),
    "cross_entropy labels 0.5": (lambda x: am.cross_entropy(x, [0.5, 1.0]), ValueError,
                                 r"cross_entropy: labels must be whole numbers, got .*0\.5"),
    "cross_entropy labels nan": (lambda x: am.cross_entropy(x, [np.nan, 1.0]), ValueError,
                                 r"cross_entropy: labels must be whole numbers, got .*nan"),
    "cross_entropy labels bool": (lambda x: am.cross_entropy(x, [True, False]), TypeError,
                                  r"cross_entropy: labels must be integers, got dtype bool"),
    "cross_entropy labels str": (lambda x: am.cross_entropy(x, ["0", "1"]), TypeError,
                                 r"cross_entropy: target must hold integer labels"),
    "cross_entropy labels -1": (lambda x: am.cross_entropy(x, [-1, 0]), ValueError,
                                r"cross_entropy: labels must lie in \[0, 3\)"),
}


@pytest.mark.hardening("engine/bad-parameters")
@pytest.mark.parametrize("case", list(BAD_PARAMETERS))
def test_bad_parameters_raise_naming_op_and_value(case):
    fn, error, pattern = BAD_PARAMETERS[case]
    with pytest.raises(error, match=pattern):
        fn(_t(2, 3))


@pytest.mark.hardening("engine/accepted-spellings")
def test_integer_like_parameters_are_accepted():
    """numpy integers count as ints, an int is a shape (as in numpy), whole-number float
    labels are labels: the strictness above refuses only what would be silently wrong."""
    x = am.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(axis=np.int64(1)).data, [3.0, 12.0])
    assert x.reshape(np.int32(3), 2).shape == (3, 2)
    assert am.broadcast_to(am.tensor([1.0]), 4).shape == (4,)
    assert am.clip(x, np.float32(1), 4).data.max() == 4.0
    labels = am.cross_entropy(x, np.array([2.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(labels.data, am.cross_entropy(x, [2, 0], "none").data)


# ---- empty arrays --------------------------------------------------------------------------
EMPTY = {  # name: (function of a (0, 3) tensor, numpy reference)
    "add": (lambda a: a + np.ones(3), lambda a: a + 1),
    "exp": (am.exp, np.exp),
    "sum": (am.sum, np.sum),
    "sum[axis=0]": (lambda a: a.sum(axis=0), lambda a: a.sum(axis=0)),
    "mean[axis=1]": (lambda a: a.mean(axis=1), lambda a: a.mean(axis=1)),
    "var[axis=1]": (lambda a: a.var(axis=1), lambda a: a.var(axis=1)),
    "max[axis=1]": (lambda a: am.max(a, axis=1), lambda a: a.max(axis=1)),
    "min[axis=1]": (lambda a: am.min(a, axis=1), lambda a: a.min(axis=1)),
    "logsumexp": (am.logsumexp, lambda a: np.array(-np.inf)),  # ln Σ∅ = ln 0, as torch
    "logsumexp[axis=0]": (lambda a: am.logsumexp(a, axis=0), lambda a: np.full(3, -np.inf)),
    "logsumexp[axis=1]": (lambda a: am.logsumexp(a, axis=1), lambda a: np.zeros(0)),
    "softmax[axis=0]": (lambda a: am.softmax(a, axis=0), lambda a: a),
    "log_softmax[axis=0]": (lambda a: am.log_softmax(a, axis=0), lambda a: a),
    "softmax[axis=1]": (lambda a: am.softmax(a, axis=1), lambda a: a),
    "matmul": (lambda a: a @ np.ones((3, 4)), lambda a: a @ np.ones((3, 4))),
    "matmul[inner 0]": (lambda a: a.T @ np.ones((0, 2)), lambda a: np.zeros((3, 2))),
    "linear": (lambda a: am.linear(a, am.tensor(np.ones((3, 2))), am.tensor(np.ones(2))),
               lambda a: np.zeros((0, 2))),
    "cross_entropy[none]": (lambda a: am.cross_entropy(a, np.zeros(0, int), "none"),
                            lambda a: np.zeros(0)),
    "cross_entropy[sum]": (lambda a: am.cross_entropy(a, np.zeros(0, int), "sum"),
                           lambda a: np.array(0.0)),
    "getitem[empty index]": (lambda a: a.T[:, np.array([], dtype=int)], lambda a: a.T),
    "concatenate": (lambda a: am.concatenate([a, a, am.tensor(np.ones((1, 3)))]),
                    lambda a: np.ones((1, 3))),
    "stack": (lambda a: am.stack([a, a], axis=1), lambda a: np.zeros((0, 2, 3))),
    "reshape": (lambda a: a.reshape(3, 0, 5), lambda a: np.zeros((3, 0, 5))),
    "broadcast_to": (lambda a: am.broadcast_to(a, (2, 0, 3)), lambda a: np.zeros((2, 0, 3))),
    "where": (lambda a: am.where(COND, a, 0.0), lambda a: a),
    "clip": (lambda a: am.clip(a, 0.0, 1.0), lambda a: a),
}


@pytest.mark.hardening("engine/empty")
@pytest.mark.parametrize("case", list(EMPTY))
def test_empty_arrays_give_empty_or_identity_results_silently(case):
    fn, ref = EMPTY[case]
    x = am.tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fn(x)
        expected = ref(x.data)
        assert out.shape == expected.shape
        np.testing.assert_array_equal(out.data, expected)
        out.backward(np.ones(out.shape))
    assert x.grad.shape == (0, 3) and x.grad.dtype == np.float64


EMPTY_ERRORS = {
    "max": (am.max, am.ShapeError, r"max: cannot reduce an empty tensor of shape \(0, 3\)"),
    "min[axis=0]": (lambda a: am.min(a, axis=0), am.ShapeError, r"min: .*empty slice has no"),
    "var": (am.var, ValueError, r"var: 0 values with ddof=0 leave no degrees of freedom"),
    "var[axis=0]": (lambda a: am.var(a, axis=0), ValueError, r"var: 0 values"),
}


@pytest.mark.hardening("engine/empty-undefined")
@pytest.mark.parametrize("case", list(EMPTY_ERRORS))
def test_reductions_without_an_identity_refuse_empty_slices(case):
    fn, error, pattern = EMPTY_ERRORS[case]
    with pytest.raises(error, match=pattern):
        fn(am.tensor(np.zeros((0, 3)), requires_grad=True))


@pytest.mark.hardening("engine/mean-of-nothing")
@pytest.mark.parametrize("fn", [am.mean, lambda a: a.mean(axis=0),
                                lambda a: am.cross_entropy(a, np.zeros(0, int))],
                         ids=["mean", "mean[axis=0]", "cross_entropy[mean]"])
def test_mean_of_nothing_is_nan_with_numpy_warning(fn):
    """As numpy (and torch): the mean of an empty slice is NaN, and numpy says so."""
    x = am.tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(x)
    assert "Mean of empty slice" in {str(w.message) for w in caught}
    assert np.all(np.isnan(out.data))
    out.backward(np.ones(out.shape))
    assert x.grad.shape == (0, 3)


# ---- 0-d tensors ---------------------------------------------------------------------------
ZERO_D_ERRORS = {
    "sum axis=0": (lambda s: s.sum(axis=0), am.ShapeError,
                   r"sum: axis 0 is out of range for a tensor with 0 dims"),
    "logsumexp axis=-1": (lambda s: am.logsumexp(s, axis=-1), am.ShapeError, r"axis -1 is out"),
    "softmax": (am.softmax, am.ShapeError, r"softmax: axis -1 is out of range .* 0 dims"),
    "matmul": (lambda s: s @ s, am.ShapeError, r"matmul: operands must have at least 1 dim"),
    "getitem[0]": (lambda s: s[0], IndexError, r"getitem on shapes \(\): too many indices"),
    "expand_dims(1)": (lambda s: am.expand_dims(s, 1), am.ShapeError, r"expand_dims: axis 1"),
    "cross_entropy": (lambda s: am.cross_entropy(s, [0]), am.ShapeError, r"logits must be"),
    "swapaxes": (lambda s: am.swapaxes(s, 0, 0), am.ShapeError, r"swapaxes: axis 0 is out"),
}


@pytest.mark.hardening("engine/0d-axes")
@pytest.mark.parametrize("case", list(ZERO_D_ERRORS))
def test_axes_of_a_0d_tensor_do_not_exist(case):
    fn, error, pattern = ZERO_D_ERRORS[case]
    with pytest.raises(error, match=pattern):
        fn(am.tensor(2.0, requires_grad=True))


@pytest.mark.hardening("engine/0d-shape-ops")
def test_0d_tensors_through_shape_ops_keep_their_gradient():
    s = am.tensor(2.0, requires_grad=True)
    parts = [am.expand_dims(s, 0), am.expand_dims(s, -1), s.reshape(1, 1, 1).reshape(()),
             am.stack([s, s * 3.0]), s[()], s.T, am.broadcast_to(s, (2, 2)), s.sum(axis=())]
    shapes = [(1,), (1,), (), (2,), (), (), (2, 2), ()]
    assert [p.shape for p in parts] == shapes
    total = sum(p.sum() for p in parts)
    total.backward()
    assert s.grad.shape == () and s.grad == 1 + 1 + 1 + 4 + 1 + 1 + 4 + 1


# ---- NaN and Inf: propagate where they are, contaminate nothing else, anomaly mode catches --
ELEMENTWISE = ["neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "leaky_relu",
               "elu", "softplus"]


@pytest.mark.hardening("engine/nan")
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_nan_input_propagates_silently_and_leaves_other_elements_exact(name):
    fn = getattr(am, name)
    x = am.tensor([np.nan, 0.7, 1.3], requires_grad=True)
    clean = am.tensor([0.7, 1.3], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fn(x)
        out.backward(np.ones(3))
        fn(clean).backward(np.ones(2))
    assert np.isnan(out.data[0])
    np.testing.assert_array_equal(out.data[1:], fn(clean).data)
    np.testing.assert_array_equal(x.grad[1:], clean.grad)


@pytest.mark.hardening("engine/inf")
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_infinite_input_gives_the_limit_and_no_exception(name):
    fn = getattr(am, name)
    x = am.tensor([np.inf, -np.inf, 0.7], requires_grad=True)
    with np.errstate(all="ignore"):
        out = fn(x)
        out.backward(np.ones(3))
        expected = {"neg": [-np.inf, np.inf], "exp": [np.inf, 0.0], "log": [np.inf, np.nan],
                    "sqrt": [np.inf, np.nan], "abs": [np.inf, np.inf], "tanh": [1.0, -1.0],
                    "sigmoid": [1.0, 0.0], "relu": [np.inf, 0.0], "leaky_relu": [np.inf, -np.inf],
                    "elu": [np.inf, -1.0], "softplus": [np.inf, 0.0]}[name]
        np.testing.assert_array_equal(out.data[:2], expected)
        np.testing.assert_array_equal(out.data[2], fn(am.tensor(0.7)).data)
    assert np.isfinite(x.grad[2])


@pytest.mark.hardening("engine/nan-row")
def test_nan_in_one_row_leaves_the_other_rows_of_softmax_and_cross_entropy_exact():
    logits = np.array([[np.nan, 0.0, 1.0], [0.5, -0.5, 2.0]])
    z = am.tensor(logits, requires_grad=True)
    clean = am.tensor(logits[1:], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        am.cross_entropy(z, [2, 0], reduction="none").backward(np.ones(2))
        am.cross_entropy(clean, [0], reduction="none").backward(np.ones(1))
        soft = am.softmax(z)
    assert np.all(np.isnan(z.grad[0])) and np.all(np.isnan(soft.data[0]))
    np.testing.assert_array_equal(z.grad[1], clean.grad[0])
    np.testing.assert_array_equal(soft.data[1], am.softmax(clean).data[0])


# LAPACK's SVD refuses non-finite input (numpy and PyTorch raise): a LinAlgError naming the op,
# pinned in tests/test_ops_linalg_edges.py.
SVD_BASED = {"svd", "pinv", "lstsq"}
# Ops whose purpose is to take NaN out (tests/test_ops_numpy_names_edges.py pins their NaN results).
NAN_REMOVING = {"fmax", "fmin", "nan_to_num"}


@pytest.mark.hardening("engine/anomaly")
@pytest.mark.parametrize("call", [c for c in CALLS if c.name not in SVD_BASED | NAN_REMOVING],
                         ids=repr)
def test_detect_anomaly_names_the_op_fed_a_nan_and_the_users_line(call):
    leaves = _leaves(call)
    leaves[0].data[(0,) * leaves[0].ndim] = np.nan  # reaches the output of every op here
    with am.detect_anomaly(), pytest.raises(am.AnomalyError, match="produced NaN/Inf") as info:
        call.fn(*leaves)
    assert os.path.basename(__file__) in str(info.value)  # the line that called the op


# ---- non-contiguous and read-only inputs, mixed float32/float64, over the whole op table ----
def _strided_read_only(a: np.ndarray) -> np.ndarray:
    """The same values in a non-contiguous, read-only view (every other element of a buffer,
    axes reversed in memory)."""
    buffer = np.zeros(a.shape[::-1] + (2,))
    view = buffer[..., 0].T  # strided and transposed: neither C- nor F-contiguous for ndim ≥ 2
    view[...] = a
    view.flags.writeable = False
    return view


def _small(op):
    return amt.shapes(min_dims=op.min_dims, max_dims=max(3, op.min_dims), max_side=3)


@pytest.mark.hardening("engine/non-contiguous")
@pytest.mark.parametrize("op", OPS, ids=op_ids)
@settings(max_examples=6)
@given(data=st.data())
def test_non_contiguous_read_only_inputs_give_the_same_values_and_gradients(op, data):
    case = data.draw(op.draw(_small(op)))
    plain = tensors(case)
    out = op.fn(*plain, **case.params)
    upstream = np.cos(np.arange(out.size)).reshape(out.shape).astype(out.dtype)
    out.backward(upstream)
    views = [_strided_read_only(a) for a in case.arrays]
    assert all(v.size < 2 or not v.flags.c_contiguous for v in views)
    leaves = [am.tensor(v, requires_grad=True) for v in views]
    strided = op.fn(*leaves, **case.params)
    strided.backward(upstream)
    np.testing.assert_allclose(strided.data, out.data, rtol=1e-13, atol=1e-15)
    for leaf, reference_leaf, view, original in zip(leaves, plain, views, case.arrays):
        np.testing.assert_allclose(leaf.grad, reference_leaf.grad, rtol=1e-13, atol=1e-15)
        np.testing.assert_array_equal(view, original)  # inputs untouched
        assert leaf.grad.data.flags.writeable  # the gradient is the leaf's own array


MULTI_INPUT = [op for op in OPS if op.arity >= 2]


@pytest.mark.hardening("engine/mixed-float")
@pytest.mark.parametrize("op", MULTI_INPUT, ids=op_ids)
@settings(max_examples=6)
@given(data=st.data())
def test_mixed_float32_float64_promotes_like_numpy_and_keeps_gradient_dtypes(op, data):
    case = data.draw(op.draw(_small(op)))
    dtypes = [np.float32] + [np.float64] * (op.arity - 1)
    leaves = [am.tensor(a.astype(d), requires_grad=True) for a, d in zip(case.arrays, dtypes)]
    out = op.fn(*leaves, **case.params)
    assert out.dtype == np.float64
    rounded = [leaf.data.astype(np.float64) for leaf in leaves]
    np.testing.assert_allclose(out.data, op.ref(*rounded, **case.params), rtol=1e-12, atol=1e-14)
    upstream = np.cos(np.arange(out.size)).reshape(out.shape)
    out.backward(upstream)
    reference_leaves = [am.tensor(r, requires_grad=True) for r in rounded]
    op.fn(*reference_leaves, **case.params).backward(upstream)
    for leaf, ref in zip(leaves, reference_leaves):
        assert leaf.grad.dtype == leaf.dtype
        np.testing.assert_allclose(leaf.grad, ref.grad.astype(leaf.dtype), rtol=1e-6, atol=1e-6)


# ---- numpy scalars and Python bools on either side: the tensor's dtype wins ---------------
SCALAR_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b, "**": lambda a, b: a ** b, "maximum": am.maximum,
              "minimum": am.minimum}
NUMPY_OF = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
            "maximum": np.maximum, "minimum": np.minimum}
SCALARS = {"np.float32": np.float32(1.5), "np.float16": np.float16(0.5),
           "np.int64": np.int64(2), "np.uint8": np.uint8(3), "np.bool_": np.bool_(True),
           "bool": True, "0-d array": np.array(1.25), "0-d int array": np.array(2)}


@pytest.mark.hardening("engine/numpy-scalars")
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("scalar", list(SCALARS))
@pytest.mark.parametrize("name", list(SCALAR_OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_scalars_on_either_side(dtype, name, scalar, side):
    constant = SCALARS[scalar]
    data = np.array([0.5, 1.6, 2.2], dtype=dtype)
    x = am.tensor(data, requires_grad=True)
    op, ref = SCALAR_OPS[name], NUMPY_OF[name]
    out = op(x, constant) if side == "right" else op(constant, x)
    # Python numbers (np.float64 is one) and integers take the tensor's dtype; other floating
    # constants keep theirs and promote as in numpy (float32 tensor + float64 0-d array).
    kind = np.asarray(constant).dtype.kind
    weak = isinstance(constant, (int, float)) or kind in "biu"
    out_dtype = dtype if weak else np.result_type(dtype, np.asarray(constant).dtype)
    c = np.asarray(constant).astype(dtype if weak else np.asarray(constant).dtype)
    expected = ref(data, c) if side == "right" else ref(c, data)
    assert isinstance(out, am.Tensor) and out.dtype == out_dtype
    rtol = 1e-6 if out_dtype == np.float32 else 1e-15
    np.testing.assert_allclose(out.data, expected.astype(out_dtype), rtol=rtol)
    out.backward(np.ones(3, out_dtype))
    assert x.grad.dtype == dtype
    if dtype == np.float64:
        def f(t):
            return op(t, constant) if side == "right" else op(constant, t)
        assert am.gradcheck(f, [am.tensor(data, requires_grad=True)]).ok


@pytest.mark.hardening("engine/regressions")
def test_operator_with_a_complex_constant_names_the_op():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"add.*complex128"):
        x + 1j
