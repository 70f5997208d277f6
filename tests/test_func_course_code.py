"""The course's HIPS autograd code paths, run as written with only the import lines changed:
`grad(cost, 0)(P, x)` with P = [W1, W2] a list, `elementwise_grad(g_trial, 0)(x, P)`, the
keyword `argnum=`, and a cost that sums `jacobian` and `hessian` of a network with respect
to its input point in a loop (`cost_sum += err_sqr`), differentiated with respect to P
(three nested transforms). Checked against finite differences, and against HIPS autograd."""

from __future__ import annotations

import numpy
import pytest

import autograd_mini.numpy as np
from autograd_mini.func import elementwise_grad, grad, hessian, jacobian


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---- the ODE example: g' = −γ g with a trial solution g0 + x·N(x, P) --------------------------
def neural_network(params, x):
    w_hidden, w_output = params[0], params[1]
    num_values = np.size(x)
    x = x.reshape(-1, num_values)
    x_input = np.concatenate((np.ones((1, num_values)), x), axis=0)
    x_hidden = sigmoid(np.matmul(w_hidden, x_input))
    x_hidden = np.concatenate((np.ones((1, num_values)), x_hidden), axis=0)
    return np.matmul(w_output, x_hidden)


def g_trial(x, params, g0=10):
    return g0 + x * neural_network(params, x)


def ode_cost(P, x):
    d_g_t = elementwise_grad(g_trial, 0)(x, P)
    err_sqr = (d_g_t + 2 * g_trial(x, P)) ** 2
    return np.sum(err_sqr) / np.size(err_sqr)


def ode_cost_x_first(x, P):
    return ode_cost(P, x)


# ---- the diffusion example: a loop over points, jacobian and hessian of g_trial at each --------
def deep_neural_network(deep_params, x):
    num_coordinates = np.size(x, 0)
    x = x.reshape(num_coordinates, -1)
    num_points = np.size(x, 1)
    x_prev = x
    for w_hidden in deep_params[:-1]:
        x_prev = np.concatenate((np.ones((1, num_points)), x_prev), axis=0)
        x_prev = sigmoid(np.matmul(w_hidden, x_prev))
    x_prev = np.concatenate((np.ones((1, num_points)), x_prev), axis=0)
    return np.matmul(deep_params[-1], x_prev)[0][0]


def g_trial_pde(point, P):
    x, t = point
    return (1 - t) * np.sin(np.pi * x) + x * (1 - x) * t * deep_neural_network(P, point)


def pde_cost(P, x, t):
    cost_sum = 0
    g_t_jacobian_func = jacobian(g_trial_pde)
    g_t_hessian_func = hessian(g_trial_pde)
    for x_ in x:
        for t_ in t:
            point = np.array([x_, t_])
            g_t_dt = g_t_jacobian_func(point, P)[1]
            g_t_d2x = g_t_hessian_func(point, P)[0][0]
            err_sqr = (g_t_dt - g_t_d2x) ** 2
            cost_sum += err_sqr  # a recorded value updated in place, as the course writes it
    return cost_sum / (np.size(x) * np.size(t))


def _weights():
    rs = numpy.random.RandomState(0)
    ode_P = [rs.randn(4, 2), rs.randn(1, 5)]
    pde_P = [rs.randn(3, 3), rs.randn(1, 4)]
    return ode_P, pde_P


X = numpy.linspace(0, 1, 5)
XS, TS = numpy.array([0.2, 0.7]), numpy.array([0.3, 0.6])


def _finite_difference(cost, P, args, layer, index, eps=1e-6):
    up = [p.copy() for p in P]
    down = [p.copy() for p in P]
    up[layer][index] += eps
    down[layer][index] -= eps
    return (float(cost(up, *args)) - float(cost(down, *args))) / (2 * eps)


def test_grad_of_the_ode_cost_with_respect_to_a_list_of_weights():
    P, _ = _weights()
    grads = grad(ode_cost, 0)(P, X)
    assert isinstance(grads, list) and [g.shape for g in grads] == [(4, 2), (1, 5)]
    for layer, index in ((0, (1, 1)), (1, (0, 3))):
        assert grads[layer][index] == pytest.approx(
            _finite_difference(ode_cost, P, (X,), layer, index), rel=1e-6)
    for second in (grad(ode_cost_x_first, 1)(X, P), grad(ode_cost_x_first, argnum=1)(X, P)):
        assert isinstance(second, list)
        for a, b in zip(second, grads):
            numpy.testing.assert_array_equal(a, b)


def test_grad_of_a_cost_summing_jacobian_and_hessian_over_points_in_a_loop():
    """Three transforms deep; failed before `+=` on a recorded value was recorded (the loop
    raised 'in-place change of a tensor that requires grad')."""
    _, P = _weights()
    grads = grad(pde_cost, 0)(P, XS, TS)
    assert [g.shape for g in grads] == [(3, 3), (1, 4)]
    for layer, index in ((0, (2, 1)), (1, (0, 2))):
        assert grads[layer][index] == pytest.approx(
            _finite_difference(pde_cost, P, (XS, TS), layer, index), rel=1e-5)


def test_the_same_numbers_as_hips_autograd():
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    global np, elementwise_grad, jacobian, hessian
    ours = (np, elementwise_grad, jacobian, hessian)
    ode_P, pde_P = _weights()
    mine = grad(ode_cost, 0)(ode_P, X), grad(pde_cost, 0)(pde_P, XS, TS)
    np, elementwise_grad, jacobian, hessian = (anp, autograd.elementwise_grad,
                                               autograd.jacobian, autograd.hessian)
    try:
        theirs = (autograd.grad(ode_cost, 0)(ode_P, X),
                  autograd.grad(pde_cost, 0)(pde_P, XS, TS))
    finally:
        np, elementwise_grad, jacobian, hessian = ours
    for a_list, b_list in zip(mine, theirs):
        for a, b in zip(a_list, b_list):
            numpy.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


# ---- more of the course's idioms, run by the same code on both libraries ------------------------
def _course_snippets(np, grad, elementwise_grad, jacobian, hessian):
    """Warm-up functions, the 1-D Poisson equation (a second elementwise_grad inside the cost),
    the network's derivative with respect to its second argument, a grid of the trained trial
    solution written into np.zeros, and Jacobians of vector functions, as the course writes
    them with `import autograd.numpy as np`. Returns {name: result} for comparison."""
    results = {}

    def f2(x1, x2):
        return 3 * x1 ** 3 + x2 * (x1 - 5) + 1

    def f6_for(x):
        val = 0
        for i in range(10):
            val = val + x ** i
        return val

    def f7(x):
        if x >= 0:
            return x
        else:
            return x * x

    def f_sum(x):
        s = 0
        for i in range(3):
            s += x * i
        return s

    results["warm_up"] = [grad(f2)(1.5, 2.5), grad(f2, 1)(1.5, 2.5), grad(f6_for)(0.5),
                          grad(f7)(2.0), grad(f7)(-3.0), grad(f_sum)(1.7)]

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def deep_network(deep_params, x):
        num_values = np.size(x)
        x = x.reshape(-1, num_values)
        x_prev = x
        for w_hidden in deep_params[:-1]:
            x_prev = np.concatenate((np.ones((1, num_values)), x_prev), axis=0)
            x_prev = sigmoid(np.matmul(w_hidden, x_prev))
        x_prev = np.concatenate((np.ones((1, num_values)), x_prev), axis=0)
        return np.matmul(deep_params[-1], x_prev)

    def g_trial_deep(x, P):
        return x * (1 - x) * deep_network(P, x)

    def cost_function_deep(P, x):
        d2_g_t = elementwise_grad(elementwise_grad(g_trial_deep, 0))(x, P)
        err_sqr = (-d2_g_t - (3 * x + x ** 2) * np.exp(x)) ** 2
        cost_sum = np.sum(err_sqr)
        return cost_sum / np.size(err_sqr)

    rs = numpy.random.RandomState(15)
    P = [rs.randn(5, 2), rs.randn(4, 6), rs.randn(1, 5)]
    x = np.linspace(0, 1, 8)
    results["network_dx"] = elementwise_grad(deep_network, 1)(P, x)
    cost_grad_func = grad(cost_function_deep, 0)
    for _ in range(3):
        cost_grad = cost_grad_func(P, x)
        for layer in range(len(P)):
            P[layer] = P[layer] - 0.001 * cost_grad[layer]
    results["poisson_P"] = P
    results["poisson_cost"] = "%g" % cost_function_deep(P, x)  # noqa: UP031 (the course)
    grid = np.zeros((3, 2))
    for i, x_ in enumerate(np.linspace(0, 1, 3)):
        for j, s in enumerate((0.5, 2.0)):
            grid[i, j] = s * g_trial_deep(x_, P)[0][0]
    results["grid"] = grid

    def F(x):
        return np.array([x[0] ** 2 * x[1], 5 * x[0] + np.sin(x[1]), x[1] * np.exp(x[2])])

    def vec_net(x, W):
        return np.tanh(np.dot(W, x))

    W = numpy.random.RandomState(5).randn(4, 3)
    point = np.array([0.1, 0.2, 0.3])
    results["jacobians"] = [jacobian(F)(np.array([1.0, 2.0, 0.5])), jacobian(vec_net)(point, W),
                            jacobian(vec_net, 1)(point, W),
                            hessian(lambda x: np.sum(vec_net(x, W) ** 2))(point)]
    return results


def _mine():
    return _course_snippets(np, grad, elementwise_grad, jacobian, hessian)


def test_course_idioms_give_arrays_and_floats_with_the_analytic_values():
    r = _mine()
    assert r["warm_up"] == pytest.approx([9 * 1.5 ** 2 + 2.5, 1.5 - 5,
                                          sum(i * 0.5 ** (i - 1) for i in range(1, 10)),
                                          1.0, -6.0, 3.0], rel=1e-14)
    assert all(isinstance(v, float) for v in r["warm_up"])
    jac_F, jac_x, jac_W, hess = r["jacobians"]
    numpy.testing.assert_allclose(jac_F, [[4.0, 1.0, 0.0], [5.0, numpy.cos(2.0), 0.0],
                                          [0.0, numpy.exp(0.5), 2.0 * numpy.exp(0.5)]],
                                  rtol=1e-14)
    assert [type(j) for j in r["jacobians"]] == [numpy.ndarray] * 4
    assert [j.shape for j in r["jacobians"]] == [(3, 3), (4, 3), (4, 4, 3), (3, 3)]
    assert isinstance(r["grid"], numpy.ndarray) and isinstance(r["poisson_cost"], str)
    assert all(type(p) is numpy.ndarray for p in r["poisson_P"])


def test_course_idioms_match_hips_autograd():
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    mine = _mine()
    theirs = _course_snippets(anp, autograd.grad, autograd.elementwise_grad, autograd.jacobian,
                              autograd.hessian)
    assert mine["warm_up"] == pytest.approx([float(v) for v in theirs["warm_up"]], rel=1e-14)
    assert mine["poisson_cost"] == theirs["poisson_cost"]
    for key in ("network_dx", "grid"):
        numpy.testing.assert_allclose(mine[key], theirs[key], rtol=1e-12, atol=1e-14)
    for key in ("poisson_P", "jacobians"):
        for a, b in zip(mine[key], theirs[key]):
            numpy.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
