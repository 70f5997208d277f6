"""autograd_mini.func: grad, value_and_grad, elementwise_grad, jacobians, hessian, hvp, vjp,
jvp — nesting, containers, argnums, has_aux, result kinds and the classic mistakes."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.numpy as anp
from autograd_mini.func import (
    elementwise_grad,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    make_jvp,
    make_vjp,
    value_and_grad,
    vjp,
)


def f(x):
    return am.sin(x) * x ** 3


def df(x):
    return np.cos(x) * x ** 3 + 3 * x ** 2 * np.sin(x)


def d2f(x):
    return -np.sin(x) * x ** 3 + 6 * x ** 2 * np.cos(x) + 6 * x * np.sin(x)


def d3f(x):
    return (-np.cos(x) * x ** 3 - 9 * x ** 2 * np.sin(x) + 18 * x * np.cos(x)
            + 6 * np.sin(x))


def test_grad_nests_to_depth_three():
    x = 1.3
    assert grad(f)(x) == pytest.approx(df(x), rel=1e-12)
    assert grad(grad(f))(x) == pytest.approx(d2f(x), rel=1e-12)
    assert grad(grad(grad(f)))(x) == pytest.approx(d3f(x), rel=1e-12)


def test_elementwise_grad_nests_on_arrays():
    x = np.linspace(-1.0, 2.0, 7)
    np.testing.assert_allclose(elementwise_grad(f)(x), df(x), rtol=1e-12)
    np.testing.assert_allclose(elementwise_grad(elementwise_grad(f))(x), d2f(x), rtol=1e-12)
    np.testing.assert_allclose(elementwise_grad(elementwise_grad(elementwise_grad(f)))(x),
                               d3f(x), rtol=1e-11)


def test_results_have_the_kind_of_the_input():
    assert isinstance(grad(f)(1.3), float)
    assert isinstance(grad(f)(np.array(1.3)), np.ndarray)
    assert isinstance(elementwise_grad(f)(np.ones(3)), np.ndarray)
    t = am.tensor([0.5, 1.0])
    out = elementwise_grad(f)(t)
    assert isinstance(out, am.Tensor)
    np.testing.assert_allclose(out.data, df(t.data))


def test_grad_equals_am_grad():
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=(3, 2)), rng.normal(size=(4, 3))

    def cost(w, x):
        return (am.tanh(x @ w) ** 2).mean()

    wt = am.tensor(w, requires_grad=True)
    (expected,) = am.grad(cost(wt, am.tensor(x)), wt)
    np.testing.assert_allclose(grad(cost)(w, x), expected.data, rtol=1e-14)
    gw, gx = grad(cost, argnums=(0, 1))(w, x)
    xt = am.tensor(x, requires_grad=True)
    (expected_x,) = am.grad(cost(am.tensor(w), xt), xt)
    np.testing.assert_allclose(gw, expected.data, rtol=1e-14)
    np.testing.assert_allclose(gx, expected_x.data, rtol=1e-14)


def test_argnum_spelled_as_hips_and_argnums_tuple():
    def g(a, b):
        return a * b ** 2

    assert grad(g, 1)(2.0, 3.0) == pytest.approx(12.0)
    assert grad(g, argnum=1)(2.0, 3.0) == pytest.approx(12.0)
    assert grad(g, argnums=(0, 1))(2.0, 3.0) == pytest.approx((9.0, 12.0))


def test_container_arguments_keep_their_structure():
    rng = np.random.default_rng(1)
    P = [rng.normal(size=(1, 4)), rng.normal(size=(4, 1))]
    x = np.linspace(0, 1, 5).reshape(5, 1)

    def net(P, x):
        return am.tanh(x @ P[0]) @ P[1]

    def cost(P, x):
        return (net(P, x) ** 2).sum()

    grads = grad(cost, 0)(P, x)
    assert isinstance(grads, list) and [g.shape for g in grads] == [(1, 4), (4, 1)]
    ts = [am.tensor(p, requires_grad=True) for p in P]
    expected = am.grad(cost(ts, am.tensor(x)), ts)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e.data, rtol=1e-13)
    as_dict = grad(lambda d: cost([d["W1"], d["W2"]], x))({"W1": P[0], "W2": P[1]})
    assert set(as_dict) == {"W1", "W2"}
    np.testing.assert_allclose(as_dict["W2"], grads[1], rtol=1e-14)
    as_tuple = grad(lambda p: cost(list(p), x))(tuple(P))
    assert isinstance(as_tuple, tuple)


def test_has_aux_returns_the_auxiliary_value_untouched():
    def g(x):
        y = x ** 2
        return y, {"y": 7}

    d, aux = grad(g, has_aux=True)(3.0)
    assert d == pytest.approx(6.0) and aux == {"y": 7}
    (value, aux2), d2 = value_and_grad(g, has_aux=True)(3.0)
    assert value == pytest.approx(9.0) and d2 == pytest.approx(6.0) and aux2 == {"y": 7}


def test_value_and_grad():
    value, d = value_and_grad(f)(0.7)
    assert value == pytest.approx(np.sin(0.7) * 0.7 ** 3)
    assert d == pytest.approx(df(0.7))


def test_grad_of_a_cost_that_contains_derivatives_of_a_network():
    """The course's ODE pattern: the cost uses d(trial)/dx, and is differentiated by P."""
    rng = np.random.default_rng(2)
    P = [rng.normal(size=(2, 5)) * 0.5, rng.normal(size=(6, 1)) * 0.5]
    x = np.linspace(0, 1, 6).reshape(6, 1)

    def net(P, x):
        h = am.tanh(am.concatenate([np.ones((x.shape[0], 1)), x], axis=1) @ P[0])
        return am.concatenate([np.ones((x.shape[0], 1)), h], axis=1) @ P[1]

    def trial(x, P):
        return 10.0 + x * net(P, x)

    def cost(P, x):
        d_trial = elementwise_grad(trial, 0)(x, P)
        return ((d_trial + 2.0 * trial(x, P)) ** 2).mean()

    grads = grad(cost, 0)(P, x)
    # Against finite differences on one weight of each layer.
    eps = 1e-6
    for layer, index in ((0, (1, 2)), (1, (3, 0))):
        up = [p.copy() for p in P]
        down = [p.copy() for p in P]
        up[layer][index] += eps
        down[layer][index] -= eps
        numeric = (cost(up, x).item() - cost(down, x).item()) / (2 * eps)
        assert grads[layer][index] == pytest.approx(numeric, rel=1e-6)


def test_top_level_input_derivative_of_a_network_stays_differentiable_in_its_weights():
    """elementwise_grad of a function that uses parameters requiring grad returns a Tensor on
    the graph, so a PINN-style loss trains them (an array here would silently cut the graph)."""
    w = am.tensor([[0.3, -0.7]], requires_grad=True)
    x = np.linspace(0, 1, 4).reshape(4, 1)
    u_x = elementwise_grad(lambda x: am.tanh(x @ w).sum(axis=1, keepdims=True))(x)
    assert isinstance(u_x, am.Tensor) and u_x.requires_grad
    (u_x ** 2).sum().backward()
    wd = w.data
    eps = 1e-6

    def loss(wv):
        z = x @ wv
        return float(((1 - np.tanh(z) ** 2) @ wv.T) .__pow__(2).sum())

    for j in range(2):
        e = np.zeros_like(wd)
        e[0, j] = eps
        assert np.asarray(w.grad)[0, j] == pytest.approx(
            (loss(wd + e) - loss(wd - e)) / (2 * eps), rel=1e-6)


def test_jacobians_forward_and_reverse_agree_with_the_formula():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(3, 4))
    x = rng.normal(size=4)

    def g(x):
        return am.tanh(A @ x)

    expected = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    np.testing.assert_allclose(jacobian(g)(x), expected, rtol=1e-13)
    np.testing.assert_allclose(jacrev(g)(x), expected, rtol=1e-13)
    np.testing.assert_allclose(jacfwd(g)(x), expected, rtol=1e-13)


def test_hessian_is_forward_over_reverse_and_matches_reverse_over_reverse():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=3)

    def h(x):
        return (am.tanh(A @ x) ** 2).sum() + am.exp(x).sum()

    H = hessian(h)(x)
    np.testing.assert_allclose(H, jacrev(jacrev(h))(x), atol=1e-13)
    np.testing.assert_allclose(H, jacfwd(jacfwd(h))(x), atol=1e-13)
    np.testing.assert_allclose(H, H.T, atol=1e-13)
    v = rng.normal(size=3)
    np.testing.assert_allclose(hvp(h)(x, v), H @ v, atol=1e-13)


def test_jvp_and_vjp():
    x = np.array([0.2, 0.4])
    out, tangent = jvp(f, (x,), (np.array([1.0, 2.0]),))
    np.testing.assert_allclose(out, np.sin(x) * x ** 3)
    np.testing.assert_allclose(tangent, df(x) * [1.0, 2.0])
    out, pullback = vjp(f, x)
    (g,) = pullback(np.array([3.0, 1.0]))
    np.testing.assert_allclose(g, df(x) * [3.0, 1.0])
    (g2,) = pullback(np.ones(2))  # callable again
    np.testing.assert_allclose(g2, df(x))


def test_jvp_and_vjp_of_a_function_returning_a_container():
    """vjp and jvp (and HIPS's make_vjp/make_jvp on them) take a function returning a nested
    list/tuple/dict: the value, the tangent and the cotangent have its structure, shapes and
    dtypes, as JAX's do (was: TypeError "the function returned a tuple"). HIPS's own
    check_grads builds such functions at second order for a tuple argnum."""
    x = np.array([0.3, -1.2])

    def fun(x):
        return (anp.sin(x), {"p": x[0] * x[1], "q": [x ** 2]})

    value, tangent = jvp(fun, (x,), (np.array([1.0, 0.5]),))
    assert type(value) is tuple and type(value[1]) is dict and type(value[1]["q"]) is list
    np.testing.assert_allclose(value[0], np.sin(x))
    np.testing.assert_allclose(tangent[0], np.cos(x) * [1.0, 0.5])
    np.testing.assert_allclose(tangent[1]["p"], 0.5 * x[0] + x[1])
    np.testing.assert_allclose(tangent[1]["q"][0], 2 * x * [1.0, 0.5])
    assert tangent[1]["p"].shape == ()
    value2, pullback = vjp(fun, x)
    np.testing.assert_allclose(value2[1]["q"][0], x ** 2)
    (g,) = pullback((np.array([1.0, 2.0]), {"p": 3.0, "q": [np.array([-1.0, 1.0])]}))
    np.testing.assert_allclose(g, np.cos(x) * [1.0, 2.0] + 3.0 * x[::-1] + 2 * x * [-1.0, 1.0])
    # float32 leaves stay float32, a float64 leaf next to them stays float64
    x32 = x.astype(np.float32)
    value, tangent = jvp(lambda x: [x * 2.0, anp.sum(x.astype(np.float64))], (x32,),
                         (np.ones(2, np.float32),))
    assert [v.dtype for v in value] == [np.float32, np.float64]
    assert [t.dtype for t in tangent] == [np.float32, np.float64]
    # second order: the cotangent itself is differentiated (HIPS's check_grads does this)
    def second(x, u):
        return vjp(lambda y: (y * y, anp.sum(y)), x)[1]((u, 1.0))[0]

    np.testing.assert_allclose(jacfwd(second, 1)(x, np.ones(2)), np.diag(2 * x))
    np.testing.assert_allclose(jacrev(second, 0)(x, np.ones(2) * 3.0), np.eye(2) * 6.0)
    # HIPS's names on top: make_vjp's pullback gives the one argument's gradient
    vjp_fn, value = make_vjp(fun)(x)
    np.testing.assert_allclose(vjp_fn((np.zeros(2), {"p": 1.0, "q": [np.zeros(2)]})), x[::-1])
    np.testing.assert_allclose(make_jvp(fun)(x)(np.ones(2))[1][1]["p"], x.sum())


@pytest.mark.hardening("engine/transform-container-output")
def test_a_container_output_with_nothing_in_it_or_a_mismatched_cotangent_is_refused():
    with pytest.raises(TypeError, match=r"^jvp: the function returned an empty tuple"):
        jvp(lambda x: (), (np.ones(2),), (np.ones(2),))
    with pytest.raises(TypeError, match=r"^vjp: the function returned an empty dict"):
        vjp(lambda x: {}, np.ones(2))
    _, pullback = vjp(lambda x: (x, x[0]), np.ones(2))
    with pytest.raises(ValueError, match=r"^vjp: the cotangent's leaves have shapes \[\(2,\)\]; "
                                         r"the output's are \[\(2,\), \(\)\]"):
        pullback((np.ones(2),))
    with pytest.raises(TypeError, match=r"^jvp: .*bool"):
        jvp(lambda x: (x, x > 0.0), (np.ones(2),), (np.ones(2),))


def test_no_perturbation_confusion():
    """d/dx [x · d/dy (x·y)] = d/dx x² = 2x: the inner derivative is taken w.r.t. y only."""
    def outer(x):
        return x * grad(lambda y: x * y)(x)

    assert grad(outer)(3.0) == pytest.approx(6.0)

    def outer_fwd(x):
        return x * jvp(lambda y: x * y, (x,), (1.0,))[1]

    assert grad(outer_fwd)(3.0) == pytest.approx(6.0)


def test_grad_of_a_non_scalar_function_says_what_to_use():
    with pytest.raises(am.AutogradError, match="elementwise_grad.*jacobian"):
        grad(f)(np.ones(3))


def test_integer_argument_is_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"grad: .*argument 0 is int.*1\.0 instead of 1"):
        grad(f)(1)
    with pytest.raises(TypeError, match="floating-point"):
        grad(f)(np.arange(3))


def test_output_that_does_not_depend_on_the_argument_gives_zeros():
    assert grad(lambda x: 3.0)(2.0) == 0.0
    np.testing.assert_array_equal(grad(lambda x, y: am.tensor(y) * 2.0, 0)(np.ones(3), 1.0),
                                  np.zeros(3))
    np.testing.assert_array_equal(jacfwd(lambda x: am.tensor([1.0, 2.0]))(np.ones(2)),
                                  np.zeros((2, 2)))


def test_transforms_work_under_no_grad():
    with am.no_grad():
        assert grad(f)(1.3) == pytest.approx(df(1.3))
        assert am.is_grad_enabled() is False


def test_hips_style_code_runs_with_only_the_import_lines_changed():
    anp = pytest.importorskip("autograd_mini.numpy")

    def sigmoid(z):
        return 1 / (1 + anp.exp(-z))

    def cost(P, x, y):
        return anp.sum((sigmoid(anp.dot(x, P[0])) @ P[1] - y) ** 2)

    rng = np.random.default_rng(5)
    P = [rng.normal(size=(2, 3)), rng.normal(size=(3, 1))]
    x, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    grads = grad(cost, 0)(P, x, y)
    assert [g.shape for g in grads] == [(2, 3), (3, 1)]


def test_a_list_of_outputs_is_refused_not_turned_into_constants():
    with pytest.raises(TypeError, match="jacrev: the function returned a list"):
        jacobian(lambda x: [x, x * 2.0])(np.ones(2))


def test_identity_and_negative_argnums():
    np.testing.assert_array_equal(jacrev(lambda x: x)(np.ones(2)), np.eye(2))
    np.testing.assert_array_equal(jacfwd(lambda x: x)(np.ones(2)), np.eye(2))
    np.testing.assert_array_equal(grad(lambda x, y: (x * y).sum(), -1)(np.ones(2), np.zeros(2)),
                                  np.ones(2))


def test_forward_mode_through_an_op_without_a_jvp_rule_names_the_op(monkeypatch):
    from autograd_mini.ops.elementwise import TANH

    monkeypatch.setattr(TANH, "jvp", None)
    with pytest.raises(am.AutogradError, match="'tanh' has no JVP rule.*reverse mode"):
        jvp(am.tanh, (np.ones(2),), (np.ones(2),))
    np.testing.assert_allclose(jacrev(am.tanh)(np.zeros(2)), np.eye(2))  # reverse still works


NON_FLOAT_OUTPUTS = {
    "python bool": (lambda x: True, "bool of dtype bool"),
    "numpy bool": (lambda x: np.bool_(False), "bool of dtype bool"),
    "python int": (lambda x: 3, "int of dtype int64"),
    "numpy int": (lambda x: np.int32(3), "int32 of dtype int32"),
    "comparison tensor": (lambda x: (x > 0.0).sum() > 0, "Tensor of dtype bool"),
    "integer tensor": (lambda x: am.argmax(x * 2.0), "Tensor of dtype int64"),
    "none": (lambda x: None, "NoneType of dtype object"),
}


@pytest.mark.hardening("engine/transform-output-dtype")
@pytest.mark.parametrize("case", NON_FLOAT_OUTPUTS)
def test_a_bool_or_integer_output_is_refused_not_differentiated_to_zeros(case):
    """Gave zeros (np.asarray(out, dtype=float) made True a constant 1.0); HIPS autograd raises
    a TypeError, and so does this, naming the transform and the output's type and dtype."""
    fun, what = NON_FLOAT_OUTPUTS[case]
    with pytest.raises(TypeError, match=rf"^grad: .*{what}"):
        grad(fun)(np.array([1.0, -2.0]))
    for transform, name in ((elementwise_grad, "elementwise_grad"), (jacobian, "jacrev"),
                            (jacfwd, "jacfwd")):
        with pytest.raises(TypeError, match=rf"^{name}: .*{what}"):
            transform(fun)(np.array([1.0, -2.0]))
    with pytest.raises(TypeError, match=rf"^jvp: .*{what}"):
        jvp(fun, (np.array([1.0, -2.0]),), (np.ones(2),))


def test_float_outputs_that_are_not_tensors_still_give_zeros():
    assert grad(lambda x: np.float32(2.0))(1.5) == 0.0
    np.testing.assert_array_equal(jacobian(lambda x: np.ones(2, dtype=np.float32))(np.ones(3)),
                                  np.zeros((2, 3)))
