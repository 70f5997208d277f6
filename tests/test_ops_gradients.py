"""Gradients of every op in the table: finite differences, second derivatives, float32,
broadcasting on both sides, 0-d/1-d inputs, Python scalars and arrays as operands, and the
documented conventions at kinks and ties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import OPS, OPS_BY_NAME, call, op_ids, per_row, tensors

import autograd_mini as am
from autograd_mini import testing as amt

BROADCASTING = [op for op in OPS if op.broadcasts]


def small_shapes(op, max_dims=3, max_side=3):
    return amt.shapes(min_dims=op.min_dims, max_dims=max(max_dims, op.min_dims), max_side=max_side)


def as_fn(op, case):
    return lambda *xs: call(op, list(xs), case)


def grads_of(op, case, xs, grad_output):
    out = call(op, xs, case)
    out.backward(grad_output)
    return [x.grad.data for x in xs]


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@per_row
@given(data=st.data())
def test_gradient_matches_finite_differences(op, data):
    case = data.draw(op.draw(small_shapes(op)))
    xs = tensors(case)
    result = am.gradcheck(as_fn(op, case), xs, **op.gradcheck)
    assert result.ok
    for x, original in zip(xs, case.arrays):  # the check (and the op) left the inputs alone
        np.testing.assert_array_equal(x.data, original)


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@settings(max_examples=6)
@given(data=st.data())
def test_second_derivative_gradgradcheck(op, data):
    # Piecewise ops (relu, abs, clip, max, ...) are drawn away from their kinks and ties, so
    # their second derivative exists there (and is usually zero): the check applies to all.
    case = data.draw(op.draw(small_shapes(op, max_dims=2)))
    assert am.gradgradcheck(as_fn(op, case), tensors(case), **op.gradcheck).ok


@pytest.mark.parametrize("op", [op for op in OPS if op.smooth], ids=op_ids)
@settings(max_examples=4)
@given(data=st.data())
def test_second_derivative_of_smooth_ops_on_larger_inputs(op, data):
    # Smooth ops have no kinks for a random direction to cross, so a few random projections
    # check the second derivative cheaply on inputs too large for the full Jacobian.
    case = data.draw(op.draw(small_shapes(op, max_dims=4, max_side=4)))
    assert am.gradgradcheck(as_fn(op, case), tensors(case), mode="projection",
                            **op.gradcheck).ok


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@per_row
@given(data=st.data())
def test_float32_gradients_stay_float32(op, data):
    case = data.draw(op.draw(small_shapes(op)))
    out_dtype = np.dtype(op.out_dtype or np.float32)
    shape = call(op, tensors(case, requires_grad=False), case).shape
    g = np.random.default_rng(0).standard_normal(shape)
    grads32 = grads_of(op, case, tensors(case, np.float32), g.astype(out_dtype))
    grads64 = grads_of(op, case, tensors(case, np.float64), g)
    for g32, g64 in zip(grads32, grads64):
        assert g32.dtype == np.float32
        assert g32.shape == g64.shape
        scale = max(1.0, float(np.max(np.abs(g64), initial=0.0)))
        np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-4 * scale)


@pytest.mark.parametrize("op", [op for op in OPS if op.min_dims == 0], ids=op_ids)
@per_row
@given(data=st.data())
def test_gradient_for_0d_and_1d_inputs(op, data):
    case = data.draw(op.draw(st.sampled_from([(), (1,), (3,)])))
    xs = tensors(case)
    assert am.gradcheck(as_fn(op, case), xs, **op.gradcheck).ok
    out = call(op, xs, case)
    out.backward(np.ones(out.shape))
    assert all(x.grad.shape == x.shape for x in xs)


# ---- broadcasting ---------------------------------------------------------------------------
def explicit_broadcast_grads(op, case, grad_output):
    """Gradients with both operands materialised at the output shape, then summed by numpy
    over the broadcast axes: an independent account of what the engine's reduction must do."""
    out_shape = np.broadcast_shapes(*(a.shape for a in case.arrays))
    if op.name == "where":
        out_shape = np.broadcast_shapes(out_shape, case.params["condition"].shape)
    full = [am.tensor(np.broadcast_to(a, out_shape).copy(), requires_grad=True)
            for a in case.arrays]
    call(op, full, case).backward(grad_output)
    reduced = []
    for a, f in zip(case.arrays, full):
        g = f.grad
        g = g.sum(axis=tuple(range(g.ndim - a.ndim)))
        g = g.sum(axis=tuple(i for i, n in enumerate(a.shape) if n == 1), keepdims=True)
        reduced.append(g.reshape(a.shape))
    return reduced


@pytest.mark.parametrize("op", BROADCASTING, ids=op_ids)
@per_row
@given(data=st.data())
def test_broadcast_gradients_sum_over_broadcast_axes(op, data):
    case = data.draw(op.draw(amt.shapes(max_dims=3, max_side=3)))
    xs = tensors(case)
    out = call(op, xs, case)
    g = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(g)
    for x, expected in zip(xs, explicit_broadcast_grads(op, case, g)):
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad, expected, rtol=1e-10, atol=1e-12)


SHAPE_PAIRS = [((3, 1), (1, 4)), ((), (2, 3)), ((2, 3), ()), ((4,), (2, 3, 4)),
               ((2, 3, 4), (4,)), ((1,), (3,)), ((2, 1, 3), (4, 1))]


@pytest.mark.parametrize("op", BROADCASTING, ids=op_ids)
@pytest.mark.parametrize(("shape_a", "shape_b"), SHAPE_PAIRS)
def test_broadcast_both_directions_gradcheck(op, shape_a, shape_b):
    rng = np.random.default_rng(2)
    # Positive (a valid pow base) and on offset grids, so a and b are never within 0.05: no
    # ties for maximum/minimum.
    a = rng.integers(5, 20, shape_a) * 0.1
    b = rng.integers(5, 20, shape_b) * 0.1 + 0.05
    params = {"condition": rng.random(np.broadcast_shapes(shape_a, shape_b)) > 0.5} \
        if op.name == "where" else {}
    xa, xb = am.tensor(a, requires_grad=True), am.tensor(b, requires_grad=True)
    assert am.gradcheck(lambda p, q: op.fn(p, q, **params), [xa, xb]).ok
    op.fn(xa, xb, **params).sum().backward()
    assert xa.grad.shape == shape_a and xb.grad.shape == shape_b


# ---- Python scalars and numpy arrays as operands --------------------------------------------
OPERATORS = {
    "+": lambda p, q: p + q,
    "-": lambda p, q: p - q,
    "*": lambda p, q: p * q,
    "/": lambda p, q: p / q,
    "**": lambda p, q: p ** q,
    "maximum": am.maximum,
    "minimum": am.minimum,
    "where": lambda p, q: am.where(np.array([True, False, True]), p, q),
}
NUMPY_OPERATORS = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
    "maximum": np.maximum, "minimum": np.minimum,
    "where": lambda p, q: np.where(np.array([True, False, True]), p, q),
}


@pytest.mark.parametrize("name", list(OPERATORS))
@pytest.mark.parametrize("constant", [1.75, 2, np.array([1.25, 0.75, 2.5]),
                                      np.array([2, 1, 3]), np.float64(1.5)],
                         ids=["float", "int", "array", "int-array", "np-scalar"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_constants_on_either_side(name, constant, side):
    op, ref = OPERATORS[name], NUMPY_OPERATORS[name]
    x_data = np.array([0.5, 1.6, 2.2])  # positive (pow base) and never equal to a constant
    x = am.tensor(x_data, requires_grad=True)

    def f(t):
        return op(t, constant) if side == "right" else op(constant, t)

    expected = ref(x_data, constant) if side == "right" else ref(constant, x_data)
    out = f(x)
    assert isinstance(out, am.Tensor)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert am.gradcheck(f, [x]).ok


@pytest.mark.parametrize("name", list(OPERATORS))
@pytest.mark.parametrize("constant", [2, 1.5, np.array([1, 2, 3])], ids=["int", "float", "ints"])
def test_constants_keep_float32(name, constant):
    x = am.tensor(np.array([0.5, 1.6, 2.2], dtype=np.float32), requires_grad=True)
    out = OPERATORS[name](x, constant)
    assert out.dtype == np.float32
    reversed_out = OPERATORS[name](constant, x)
    assert reversed_out.dtype == np.float32
    (out.sum() + reversed_out.sum()).backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("side", ["left", "right"])
def test_matmul_with_numpy_array_on_either_side(side):
    w = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 1.0]])  # (3, 2)
    x = am.tensor([[0.3, -0.2, 1.1]], requires_grad=True) if side == "left" else \
        am.tensor([[0.3], [-0.2]], requires_grad=True)
    out = x @ w if side == "left" else w @ x
    np.testing.assert_allclose(out.data, x.data @ w if side == "left" else w @ x.data)
    assert am.gradcheck(lambda t: t @ w if side == "left" else w @ t, [x]).ok


def test_scalar_base_power_uses_tensor_exponent():
    x = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (2.0 ** x).sum().backward()
    np.testing.assert_allclose(x.grad, np.log(2.0) * 2.0 ** x.data, rtol=1e-12)


# ---- documented conventions at kinks and ties -----------------------------------------------
def grad_of(fn, values, dtype=np.float64):
    x = am.tensor(np.array(values, dtype=dtype), requires_grad=True)
    fn(x).sum().backward()
    return x.grad


def test_kink_conventions():
    at_kinks = [-1.0, 0.0, 1.0]
    np.testing.assert_array_equal(grad_of(am.relu, at_kinks), [0.0, 0.0, 1.0])  # relu'(0) = 0
    np.testing.assert_array_equal(grad_of(am.abs, at_kinks), [-1.0, 0.0, 1.0])  # sign(0) = 0
    np.testing.assert_allclose(grad_of(lambda t: am.leaky_relu(t, 0.1), at_kinks),
                               [0.1, 0.1, 1.0])
    # clip passes the gradient on the closed interval [min, max], boundaries included
    np.testing.assert_array_equal(grad_of(lambda t: am.clip(t, -1.0, 0.0), [-2.0, -1.0, 0.0,
                                                                              0.5]),
                                  [0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_min_ties_split_the_gradient_equally(dtype):
    x = [[3.0, 1.0, 3.0, 3.0], [2.0, 5.0, 0.0, 5.0]]
    np.testing.assert_allclose(grad_of(lambda t: t.max(axis=1), x, dtype),
                               [[1 / 3, 0, 1 / 3, 1 / 3], [0, 0.5, 0, 0.5]])
    np.testing.assert_allclose(grad_of(lambda t: t.min(), [[1.0, 2.0], [1.0, 1.0]], dtype),
                               [[1 / 3, 0], [1 / 3, 1 / 3]])
    assert grad_of(lambda t: t.max(axis=0), x, dtype).dtype == dtype


@pytest.mark.parametrize("fn", [am.maximum, am.minimum], ids=["maximum", "minimum"])
def test_maximum_minimum_ties_split_the_gradient_equally(fn):
    a = am.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = am.tensor([1.0, 0.0, 4.0], requires_grad=True)
    fn(a, b).sum().backward()
    wins = [0.5, 1.0, 0.0] if fn is am.maximum else [0.5, 0.0, 1.0]
    np.testing.assert_array_equal(a.grad, wins)
    np.testing.assert_array_equal(b.grad, 1.0 - np.array(wins))


def test_maximum_tie_with_broadcast_scalar_accumulates_halves():
    a = am.tensor([0.0, 0.0, 1.0], requires_grad=True)
    b = am.tensor(0.0, requires_grad=True)
    am.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.5, 1.0])
    assert b.grad.item() == pytest.approx(1.0)  # two halves from the two ties


def test_power_zero_has_zero_gradient_at_zero():
    x = am.tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_pow_mixed_second_derivative_at_zero_exponent():
    a = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor([0.0, 0.0], requires_grad=True)
    (ga,) = am.grad((a ** b).sum(), a, create_graph=True)
    (mixed,) = am.grad(ga.sum(), b)
    np.testing.assert_allclose(mixed.data, a.data ** -1.0)  # ∂²(a^b)/∂a∂b = a^(b−1) at b = 0
    assert am.gradgradcheck(lambda p, q: p ** q, [a, b]).ok


def test_pow_tensor_exponent_zero_at_zero_base_has_zero_gradient():
    a = am.tensor([0.0, 0.0, 2.0], requires_grad=True)
    b = am.tensor([0.0, 2.0, 0.0], requires_grad=True)
    with np.errstate(all="raise"):
        (a ** b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.0, 0.0])  # d(a⁰)/da = 0, d(a²)/da = 2a = 0
    np.testing.assert_allclose(b.grad, [0.0, 0.0, np.log(2.0)])  # ln a taken as 0 at a = 0


def test_cross_entropy_with_unnormalised_target_weights():
    z = am.tensor([[0.2, -1.0, 0.5], [1.0, 0.0, -0.3]], requires_grad=True)
    t = np.array([[0.2, 0.3, 0.1], [0.5, 0.5, 0.4]])  # rows sum to 0.6 and 1.4
    assert am.gradcheck(lambda q: am.cross_entropy(q, t, reduction="sum"), [z]).ok
    am.cross_entropy(z, t, reduction="sum").backward()
    p = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(z.grad, p * t.sum(axis=1, keepdims=True) - t, rtol=1e-12)


def test_duplicate_integer_indices_accumulate():
    x = am.tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[np.array([0, 0, 2, -3])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_boolean_mask_and_basic_index_gradients():
    x = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x[np.array([True, False])].sum() * 2 + x[..., None, 1:].sum() + x[1, -1]
    y.backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 3.0, 3.0], [0.0, 1.0, 2.0]])


def test_ops_table_covers_every_public_op():
    public = {"add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "tanh",
              "sigmoid", "relu", "leaky_relu", "elu", "softplus", "clip", "maximum", "minimum",
              "where", "sum", "mean", "var", "max", "min", "logsumexp", "softmax",
              "log_softmax", "reshape", "transpose", "swapaxes", "expand_dims", "broadcast_to",
              "getitem", "concatenate", "stack", "matmul", "linear", "cross_entropy", "astype"}
    families = {name.split("[")[0] for name in OPS_BY_NAME}
    assert public - families == set()
    assert all(hasattr(am, name) for name in public)
