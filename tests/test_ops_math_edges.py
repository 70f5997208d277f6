"""The elementwise math of issue 13 at its edges: JVPs against VJPs, numerical stability, the
conventions at kinks and jumps (PyTorch's), inf/NaN, empty and 0-d inputs, numpy's promotion,
and the boolean comparisons. Values and gradients on ordinary inputs are the op table's job
(tests/op_rows_math.py)."""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import OPS_BY_NAME

import autograd_mini as am
from autograd_mini import testing as amt
from autograd_mini.engine import NUMPY_MODE, TENSOR_MODE
from autograd_mini.registry import ARRAY_FUNCTIONS, REGISTRY

# op_table imports the family rows itself (importing op_rows_math first would be circular)
ROWS = [OPS_BY_NAME[row.name] for row in importlib.import_module("op_rows_math").ROWS]
PRIMITIVE_OF_ROW = {"mod": "remainder", "around": "round"}  # rows calling another name
UNARY = [row.name for row in ROWS if row.arity == 1]
BINARY = [row.name for row in ROWS if row.arity == 2]


def row_ids(row):
    return row.name


def grad_of(fn, *values, dtype=np.float64, grad_output=None):
    xs = [am.tensor(np.asarray(v, dtype=dtype), requires_grad=True) for v in values]
    out = fn(*xs)
    out.backward(np.ones(out.shape, dtype=out.dtype) if grad_output is None else grad_output)
    return [np.asarray(x.grad) for x in xs]


# ---- JVP against VJP: ⟨u, J v⟩ = ⟨Jᵀu, v⟩ ---------------------------------------------------
@pytest.mark.parametrize("row", ROWS, ids=row_ids)
@settings(max_examples=5)
@given(data=st.data())
def test_jvp_is_the_transpose_of_the_vjp(row, data):
    prim = REGISTRY[PRIMITIVE_OF_ROW.get(row.name, row.name)]
    case = data.draw(row.draw(amt.shapes(max_dims=3, max_side=3)))
    inputs, params = case.arrays, case.params
    out = np.asarray(prim.forward(*inputs, **params))
    rng = np.random.default_rng(5)
    u = rng.standard_normal(out.shape)
    vs = [rng.standard_normal(a.shape) for a in inputs]
    grads = prim.vjp(u, out, inputs, (True,) * len(inputs), NUMPY_MODE, **params)
    grads = [am.sum_to_shape(np.asarray(g), a.shape) for g, a in zip(grads, inputs)]
    for i in range(len(inputs)):  # one input's tangent at a time: the others are None
        tangents = tuple(v if j == i else None for j, v in enumerate(vs))
        jv = np.asarray(prim.jvp(tangents, out, inputs, NUMPY_MODE, **params))
        assert jv.shape == out.shape
        np.testing.assert_allclose(np.sum(u * jv), np.sum(grads[i] * vs[i]), rtol=1e-10,
                                   atol=1e-10)
    if len(inputs) == 2:  # no tangent in, no tangent out (a unary JVP runs only with one)
        assert prim.jvp((None, None), out, inputs, NUMPY_MODE, **params) is None


@pytest.mark.parametrize("row", ROWS, ids=row_ids)
@settings(max_examples=3)
@given(data=st.data())
def test_jvp_on_tensors_equals_jvp_on_arrays(row, data):
    # The same rule runs on Tensors (forward-over-reverse) and gives the same tangent.
    prim = REGISTRY[PRIMITIVE_OF_ROW.get(row.name, row.name)]
    case = data.draw(row.draw(amt.shapes(max_dims=2, max_side=3)))
    inputs, params = case.arrays, case.params
    out = np.asarray(prim.forward(*inputs, **params))
    vs = tuple(np.random.default_rng(7).standard_normal(a.shape) for a in inputs)
    on_arrays = prim.jvp(vs, out, inputs, NUMPY_MODE, **params)
    on_tensors = prim.jvp(tuple(am.tensor(v) for v in vs), am.tensor(out),
                          tuple(am.tensor(a) for a in inputs), TENSOR_MODE, **params)
    assert isinstance(on_tensors, am.Tensor)
    np.testing.assert_allclose(on_tensors.data, on_arrays, rtol=1e-12, atol=1e-15)


# ---- numerical stability ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logaddexp_does_not_overflow(dtype):
    for value in (1000.0, -1000.0):
        a = am.tensor(np.array(value, dtype), requires_grad=True)
        b = am.tensor(np.array(value, dtype), requires_grad=True)
        out = am.logaddexp(a, b)
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, value + np.log(2.0), rtol=1e-6)
        out.backward()
        np.testing.assert_allclose([a.grad, b.grad], [0.5, 0.5], rtol=1e-6)
    ga, gb = grad_of(am.logaddexp2, 1000.0, 1000.0)
    assert am.logaddexp2(1000.0, 1000.0).item() == 1001.0
    np.testing.assert_allclose([ga, gb], [0.5, 0.5])


@pytest.mark.parametrize("fn", [am.logaddexp, am.logaddexp2], ids=lambda f: f.__name__)
def test_logaddexp_second_derivative_at_equal_operands(fn):
    # ∂/∂a = σ(d) with d = c(a − b), so ∂²/∂a² = c·σ(d)σ(−d): ¼·c at a = b (c = 1 or ln 2).
    c = 1.0 if fn is am.logaddexp else np.log(2.0)
    a = am.tensor([0.0, 2.0], requires_grad=True)
    (ga,) = am.grad(fn(a, am.tensor([0.0, 2.0])).sum(), a, create_graph=True)
    np.testing.assert_allclose(ga.data, [0.5, 0.5])
    (gaa,) = am.grad(ga.sum(), a)
    np.testing.assert_allclose(gaa.data, [0.25 * c] * 2, rtol=1e-12)


def test_logaddexp_with_minus_infinity_is_the_other_operand():
    out = am.logaddexp(am.tensor(-np.inf), am.tensor(0.0))
    assert out.item() == 0.0
    ga, gb = grad_of(am.logaddexp, -np.inf, 0.0)
    assert (ga, gb) == (0.0, 1.0)


def test_log1p_and_expm1_keep_tiny_values():
    assert am.log1p(am.tensor(1e-20)).item() == 1e-20
    assert am.expm1(am.tensor(1e-20)).item() == 1e-20
    (g,) = grad_of(am.log1p, 1e-20)
    assert g == 1.0
    # expm1' = eᵃ: in the tail expm1(a) + 1 would round to 0 (expm1(−40) = −1 + 4e−18)
    (g,) = grad_of(am.expm1, -40.0)
    np.testing.assert_allclose(g, np.exp(-40.0), rtol=1e-14)


def test_hypot_does_not_overflow():
    out = am.hypot(am.tensor(1e200), am.tensor(1e200))
    np.testing.assert_allclose(out.data, np.sqrt(2.0) * 1e200, rtol=1e-15)
    ga, gb = grad_of(am.hypot, 1e200, 1e200)
    np.testing.assert_allclose([ga, gb], [2 ** -0.5] * 2, rtol=1e-15)
    np.testing.assert_allclose(grad_of(am.hypot, 3.0, 4.0), [0.6, 0.8], rtol=1e-15)


def test_inverse_functions_near_their_domain_edges_keep_precision():
    a = 1.0 - 1e-12  # 1 − a² computed as (1 − a)(1 + a): no cancellation
    (g,) = grad_of(am.arctanh, a)
    np.testing.assert_allclose(g, 1.0 / ((1.0 - a) * (1.0 + a)), rtol=1e-12)
    (g,) = grad_of(am.arccosh, 1.0 + 1e-12)
    np.testing.assert_allclose(g, 1.0 / np.sqrt(1e-12 * (2.0 + 1e-12)), rtol=1e-3)


def test_domain_edges_give_inf_gradients_and_nan_outside():
    with np.errstate(divide="ignore", invalid="ignore"):
        assert grad_of(am.arcsin, 1.0)[0] == np.inf
        assert grad_of(am.arccos, -1.0)[0] == -np.inf
        assert grad_of(am.arccosh, 1.0)[0] == np.inf
        assert np.isnan(am.arcsin(am.tensor(2.0)).item())
        assert am.log1p(am.tensor(-1.0)).item() == -np.inf
        assert grad_of(am.cbrt, 0.0)[0] == np.inf


# ---- conventions at kinks and jumps -----------------------------------------------------------
STEPS = [am.sign, am.floor, am.ceil, am.trunc, am.rint, am.round, am.around]


@pytest.mark.parametrize("fn", STEPS, ids=lambda f: f.__name__)
def test_step_functions_have_exactly_zero_gradient(fn):
    at_jumps = [-1.5, -1.0, 0.0, 0.5, 2.0, np.inf, np.nan]
    (g,) = grad_of(fn, at_jumps, grad_output=np.array([1.0, np.nan, np.inf, 2, 3, 4, 5]))
    np.testing.assert_array_equal(g, np.zeros(7))  # zeros, not g·0: the NaN stays out
    x = am.tensor([0.3, 1.7], requires_grad=True)
    (first,) = am.grad((fn(x) + x * x).sum(), x, create_graph=True)
    np.testing.assert_allclose(first.data, 2 * x.data)
    (second,) = am.grad(first.sum(), x)
    np.testing.assert_allclose(second.data, [2.0, 2.0])


def test_round_half_to_even_and_decimals_like_numpy():
    x = np.array([0.5, 1.5, 2.5, -0.5, 0.25, 1.2345, -7.0, 15.0])
    for decimals in (0, 1, 2, -1):
        np.testing.assert_array_equal(am.round(x, decimals).data, np.round(x, decimals))
        np.testing.assert_array_equal(am.tensor(x).round(decimals).data, np.round(x, decimals))
        np.testing.assert_array_equal(am.around(x, decimals=decimals).data, np.around(x, decimals))
    np.testing.assert_array_equal(am.rint(x).data, np.rint(x))


def test_fabs_and_copysign_at_zero():
    np.testing.assert_array_equal(grad_of(am.fabs, [-2.0, 0.0, 3.0])[0], [-1.0, 0.0, 1.0])
    a = [0.0, 2.0, -2.0, 2.0, -3.0]
    b = [-1.0, -0.0, -0.0, 0.0, np.inf]
    out = am.copysign(am.tensor(a), am.tensor(b))
    np.testing.assert_array_equal(out.data, np.copysign(a, b))
    ga, gb = grad_of(am.copysign, a, b)
    np.testing.assert_array_equal(ga, [0.0, -1.0, 1.0, 1.0, -1.0])
    np.testing.assert_array_equal(gb, np.zeros(5))


def test_remainder_and_fmod_follow_the_sign_conventions():
    a = np.array([-7.5, -7.5, 7.5, 7.5, 2.0])
    b = np.array([2.0, -2.0, 2.0, -2.0, 4.0])
    np.testing.assert_array_equal(am.remainder(a, b).data, np.remainder(a, b))  # b's sign
    np.testing.assert_array_equal(am.mod(a, b).data, np.mod(a, b))
    np.testing.assert_array_equal(am.fmod(a, b).data, np.fmod(a, b))  # a's sign
    ga, gb = grad_of(am.remainder, a, b)
    np.testing.assert_array_equal(ga, np.ones(5))
    np.testing.assert_array_equal(gb, -np.floor(a / b))
    ga, gb = grad_of(am.fmod, a, b)
    np.testing.assert_array_equal(ga, np.ones(5))
    np.testing.assert_array_equal(gb, -np.trunc(a / b))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_percent_operator_is_remainder_on_either_side(dtype):
    x = am.tensor(np.array([-2.5, 0.75, 3.25], dtype), requires_grad=True)
    out = x % 2
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, np.array([-2.5, 0.75, 3.25], dtype) % 2)
    left = 5.0 % x
    assert left.dtype == dtype
    np.testing.assert_allclose(left.data, 5.0 % x.data, rtol=1e-6)
    (out.sum() + left.sum()).backward()
    np.testing.assert_allclose(x.grad, 1.0 - np.floor(5.0 / x.data), rtol=1e-6)
    right = np.array([1.0, 2.0, 3.0]) % x  # numpy defers to Tensor.__rmod__
    assert isinstance(right, am.Tensor)


SHAPE_PAIRS = [((3, 1), (1, 4)), ((), (2, 3)), ((2, 3), ()), ((4,), (2, 3, 4)), ((2, 1, 3), (4, 1))]


@pytest.mark.parametrize("fn", [am.remainder, am.fmod, am.mod], ids=lambda f: f.__name__)
@pytest.mark.parametrize(("shape_a", "shape_b"), SHAPE_PAIRS)
def test_remainders_broadcast_both_directions(fn, shape_a, shape_b):
    rng = np.random.default_rng(6)
    a = rng.integers(-3, 3, shape_a) + rng.uniform(0.2, 0.8, shape_a)  # a/b off the integers
    b = rng.choice([-2.0, -1.0, 1.0, 2.0], shape_b)
    xa, xb = am.tensor(a, requires_grad=True), am.tensor(b, requires_grad=True)
    assert am.gradcheck(fn, [xa, xb]).ok
    fn(xa, xb).sum().backward()
    assert xa.grad.shape == shape_a and xb.grad.shape == shape_b


KINK_CASES = {  # name: (our function, torch's name, operands at the kinks and jumps)
    "sign": (am.sign, "sign", ([-1.0, 0.0, 2.0],)),
    "floor": (am.floor, "floor", ([-1.0, 0.0, 2.5],)),
    "ceil": (am.ceil, "ceil", ([-1.0, 0.0, 2.5],)),
    "trunc": (am.trunc, "trunc", ([-1.0, 0.0, 2.5],)),
    "round": (am.round, "round", ([-0.5, 0.5, 1.5],)),
    "fabs": (am.fabs, "abs", ([-1.0, 0.0, 2.0],)),
    "copysign": (am.copysign, "copysign", ([0.0, 2.0, -2.0, 1.0], [-1.0, -0.0, 0.0, 3.0])),
    "remainder": (am.remainder, "remainder", ([-7.5, 7.5, 4.0, -3.0], [2.0, -2.0, 2.0, 1.5])),
    "fmod": (am.fmod, "fmod", ([-7.5, 7.5, 4.0, -3.0], [2.0, -2.0, 2.0, 1.5])),
    "hypot": (am.hypot, "hypot", ([0.0, 3.0], [0.0, -4.0])),
    "arctan2": (am.arctan2, "atan2", ([0.0, 1.0, 0.0], [0.0, 0.0, -1.0])),
    "logaddexp": (am.logaddexp, "logaddexp", ([-np.inf, 1000.0], [0.0, 1000.0])),
    "arcsin": (am.arcsin, "asin", ([-1.0, 1.0, 0.5],)),
}


@pytest.mark.parametrize("name", list(KINK_CASES))
def test_gradients_at_kinks_and_edges_match_torch(name):
    torch = pytest.importorskip("torch")
    fn, torch_name, operands = KINK_CASES[name]
    with np.errstate(all="ignore"):
        ours = grad_of(fn, *operands)
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in operands]
    getattr(torch, torch_name)(*ts).sum().backward()
    for g, t in zip(ours, ts):
        np.testing.assert_array_equal(g, t.grad.numpy())


# ---- dtypes, promotion, empty and special values ----------------------------------------------
@pytest.mark.hardening("engine/empty")
@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_on_empty_arrays(name):
    fn = getattr(am, name)
    for shape in [(0,), (2, 0)]:
        x = am.tensor(np.zeros(shape), requires_grad=True)
        out = fn(x)
        assert out.shape == shape
        out.sum().backward()
        assert np.asarray(x.grad).shape == shape


@pytest.mark.parametrize("name", BINARY)
def test_binary_ops_follow_numpy_promotion(name):
    fn, ref = getattr(am, name), getattr(np, name)
    with np.errstate(all="ignore"):
        out = fn(3, 2)  # Python ints: float64, as numpy's result for these functions
        assert out.dtype == np.float64
        np.testing.assert_allclose(out.data, ref(3.0, 2.0))
        x32 = am.tensor(np.array([1.5, -2.5], np.float32), requires_grad=True)
        for result in (fn(x32, 2), fn(2.0, x32), fn(x32, np.array([1, 3]))):
            assert result.dtype == np.float32  # numbers and integer arrays take x32's dtype
        fn(x32, 2).sum().backward()
        assert x32.grad.dtype == np.float32
        out = fn(am.tensor(np.zeros((0, 2))), am.tensor(np.ones(2)))
    assert out.shape == (0, 2)


def test_integer_inputs_become_float64_as_in_numpy():
    for name in ["tan", "arcsinh", "exp2", "log2", "cbrt", "sign", "floor", "square"]:
        out = getattr(am, name)([1, 2, 4])
        assert out.dtype == np.float64
        np.testing.assert_allclose(out.data, getattr(np, name)(np.array([1.0, 2.0, 4.0])))


def test_infinities_and_nans_pass_through_like_numpy():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0])
    with np.errstate(all="ignore"):
        for name in ["tan", "arctan", "sinh", "cosh", "arcsinh", "exp2", "expm1", "log1p",
                     "square", "cbrt", "reciprocal", "sign", "floor", "ceil", "rint", "trunc",
                     "fabs", "deg2rad", "rad2deg"]:
            np.testing.assert_array_equal(getattr(am, name)(x).data, getattr(np, name)(x),
                                          err_msg=name)


def test_methods_where_numpy_or_torch_has_them():
    x = am.tensor([0.3, -0.75], requires_grad=True)
    for name in ["tan", "arctan", "sinh", "exp2", "log1p", "square", "sign", "floor", "fabs"]:
        np.testing.assert_array_equal(getattr(x, name)().data, getattr(am, name)(x).data)
    np.testing.assert_array_equal(x.round(1).data, np.round(x.data, 1))
    assert not hasattr(x, "around")  # numpy's ndarray has round() only


@pytest.mark.hardening("engine/bad-parameters")
def test_round_rejects_a_non_integer_decimals():
    with pytest.raises(TypeError, match=r"round: decimals must be an int, got 1\.5"):
        am.round(am.tensor([1.0]), 1.5)
    with pytest.raises(TypeError, match="around: decimals"):
        am.around([1.0], decimals="2")


# ---- comparisons: bool tensors, never recorded ----------------------------------------------
COMPARISONS = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]


@pytest.mark.parametrize("name", COMPARISONS)
def test_comparisons_are_boolean_and_not_recorded(name):
    a = am.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    b = np.array([[2.0], [1.0]])
    out = getattr(am, name)(a, b)
    assert out.dtype == np.bool_ and not out.requires_grad
    np.testing.assert_array_equal(out.data, getattr(np, name)(a.data, b))
    np.testing.assert_array_equal(getattr(am, name)(2.0, a).data, getattr(np, name)(2.0, a.data))
    assert ARRAY_FUNCTIONS[name] is getattr(np, name)
    with pytest.raises(am.ShapeError, match=rf"{name}: shapes \(1, 3\) and \(2,\)"):
        getattr(am, name)(a, [1.0, 2.0])
    with pytest.raises(TypeError, match=rf"{name}: expected real numbers"):
        getattr(am, name)(a, "x")


@pytest.mark.hardening("engine/non-numeric")
@pytest.mark.parametrize("name", [*COMPARISONS, "isclose", "isfinite", "isnan", "isinf"])
@pytest.mark.parametrize("bad", [np.ones(3) + 1j, np.ones(3).astype(object), np.array(["1"]),
                                 np.zeros(3, dtype="datetime64[s]"), None],
                         ids=["complex", "object", "str", "datetime", "None"])
def test_comparisons_refuse_non_real_input_naming_function_and_dtype(name, bad):
    fn = getattr(am, name)
    args = (bad,) if name.startswith("is") and name != "isclose" else (am.tensor([1.0]), bad)
    dtype = re.escape("object" if bad is None else str(bad.dtype))
    with pytest.raises(TypeError, match=rf"{name}: expected real numbers.*dtype {dtype}"):
        fn(*args)


def test_python_numbers_compare_in_the_tensors_dtype_like_numpy():
    x32 = np.array([0.1], np.float32)
    assert am.equal(am.tensor(x32), 0.1).data[0] == np.equal(x32, 0.1)[0]
    assert am.isclose(am.tensor(x32), 0.1, rtol=0, atol=0).data[0] == \
        np.isclose(x32, 0.1, rtol=0, atol=0)[0]


def test_isclose_isfinite_isnan_isinf():
    x = am.tensor([1.0, np.nan, np.inf, -np.inf, 1e-9], requires_grad=True)
    for name in ["isfinite", "isnan", "isinf"]:
        out = getattr(am, name)(x)
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.data, getattr(np, name)(x.data))
    np.testing.assert_array_equal(am.isnan(float("nan")).data, True)
    y = [1.0 + 1e-6, np.nan, np.inf, np.inf, 0.0]
    for equal_nan in (False, True):
        np.testing.assert_array_equal(am.isclose(x, y, equal_nan=equal_nan).data,
                                      np.isclose(x.data, y, equal_nan=equal_nan))
    np.testing.assert_array_equal(am.isclose(x, y, rtol=0.0, atol=1e-3).data,
                                  np.isclose(x.data, y, rtol=0.0, atol=1e-3))
    with pytest.raises(ValueError, match=r"isclose: rtol \(-1\.0\)"):
        am.isclose(x, y, rtol=-1)
    with pytest.raises(TypeError, match="isclose: atol must be a real number"):
        am.isclose(x, y, atol="0.1")
    mask = am.isfinite(x)
    np.testing.assert_array_equal(am.where(mask, x, 0.0).data, [1.0, 0.0, 0.0, 0.0, 1e-9])
