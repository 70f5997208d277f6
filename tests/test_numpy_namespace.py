"""`import autograd_mini.numpy as np` runs numpy-style code written for HIPS autograd unchanged;
gradients (am.grad) agree with central differences of the same code run on plain arrays."""

from __future__ import annotations

import re
from pathlib import Path

import numpy
import pytest

import autograd_mini as am
import autograd_mini.numpy as np
from autograd_mini.registry import TENSOR_FUNCTIONS


# ---- numpy-style code, as written for `import autograd.numpy as np` ------------------------
def logistic_cost(w, X, y):
    """The HIPS autograd README's logistic regression: negative log-likelihood."""
    preds = 0.5 * (np.tanh(X @ w / 2.0) + 1.0)
    label_probabilities = preds * y + (1 - preds) * (1 - y)
    return -np.sum(np.log(label_probabilities))


def lorenz(state, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    """An ODE right-hand side built with np.array from its components."""
    x, y, z = state[0], state[1], state[2]
    return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def euler_final_state(state, steps=20, dt=0.01):
    for _ in range(steps):
        state = state + dt * lorenz(state)
    return np.sum(state ** 2)


def pendulum_energy(theta, omega, g=9.81, length=1.0):
    return np.sum(0.5 * length ** 2 * omega ** 2 + g * length * (1.0 - np.cos(theta)))


def ridge_cost(beta, X, y, lam=0.1):
    """OLS plus an L2 penalty, as the course writes it."""
    residual = y - np.matmul(X, beta)
    return np.mean(residual ** 2) + lam * np.sum(beta ** 2)


def ridge_gradient_closed_form(beta, X, y, lam=0.1):
    return -2.0 / len(y) * X.T @ (y - X @ beta) + 2.0 * lam * beta


# ---- helpers ------------------------------------------------------------------------------
def central_differences(f, x, eps=1e-6):
    """∂f/∂x on plain arrays: the namespace runs numpy there, as HIPS autograd does."""
    grad = numpy.zeros_like(x)
    for i in numpy.ndindex(x.shape):
        step = numpy.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def autograd_gradient(f, x):
    t = am.tensor(x, requires_grad=True)
    out = f(t)
    assert isinstance(out, am.Tensor) and out.requires_grad  # the graph was kept
    (g,) = am.grad(out, t)
    return g.data


rng = numpy.random.default_rng(0)
X = rng.normal(size=(12, 3))
Y_BINARY = (rng.random(12) > 0.5).astype(float)
Y = X @ numpy.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=12)


def test_plain_inputs_give_numpy_results() -> None:
    w = numpy.array([0.1, -0.2, 0.3])
    cost = logistic_cost(w, X, Y_BINARY)
    assert isinstance(cost, numpy.floating)
    preds = 0.5 * (numpy.tanh(X @ w / 2) + 1)
    expected = -numpy.sum(numpy.log(preds * Y_BINARY + (1 - preds) * (1 - Y_BINARY)))
    assert cost == pytest.approx(expected, rel=1e-14)
    assert isinstance(np.array([1.0, 2.0]), numpy.ndarray)


def test_logistic_cost_gradient() -> None:
    w = numpy.array([0.1, -0.2, 0.3])
    numeric = central_differences(lambda v: logistic_cost(v, X, Y_BINARY), w)
    numpy.testing.assert_allclose(autograd_gradient(lambda v: logistic_cost(v, X, Y_BINARY), w),
                                  numeric, rtol=1e-6, atol=1e-8)


def test_ode_right_hand_side_and_its_integration() -> None:
    state = numpy.array([1.0, 1.5, 20.0])
    rhs = lorenz(am.tensor(state, requires_grad=True))
    assert isinstance(rhs, am.Tensor) and rhs.shape == (3,)
    numpy.testing.assert_allclose(rhs.detach().data, lorenz(state))
    numeric = central_differences(euler_final_state, state)
    numpy.testing.assert_allclose(autograd_gradient(euler_final_state, state), numeric,
                                  rtol=1e-6)


def test_pendulum_energy_gradient_is_analytic() -> None:
    theta = numpy.array([0.3, -1.2, 2.0])
    omega = numpy.array([1.0, 0.5, -0.2])
    grad = autograd_gradient(lambda th: pendulum_energy(th, omega), theta)
    numpy.testing.assert_allclose(grad, 9.81 * numpy.sin(theta), rtol=1e-14)


def test_ridge_regression_gradient_and_descent() -> None:
    beta = numpy.zeros(3)
    grad = autograd_gradient(lambda b: ridge_cost(b, X, Y), beta + 0.3)
    numpy.testing.assert_allclose(grad, ridge_gradient_closed_form(beta + 0.3, X, Y),
                                  rtol=1e-12)
    numpy.testing.assert_allclose(grad, central_differences(lambda b: ridge_cost(b, X, Y),
                                                            beta + 0.3), rtol=1e-6)
    for _ in range(500):  # gradient descent reaches the closed-form Ridge solution
        beta = beta - 0.1 * autograd_gradient(lambda b: ridge_cost(b, X, Y), beta)
    exact = numpy.linalg.solve(X.T @ X / len(Y) + 0.1 * numpy.eye(3), X.T @ Y / len(Y))
    numpy.testing.assert_allclose(beta, exact, rtol=1e-6)


@pytest.mark.skipif("dot" not in TENSOR_FUNCTIONS, reason="np.dot comes with the products ops")
def test_dot_style_ridge() -> None:
    def cost(beta):
        return np.sum((Y - np.dot(X, beta)) ** 2) / len(Y) + 0.1 * np.dot(beta, beta)

    beta = numpy.array([0.2, 0.1, -0.4])
    numpy.testing.assert_allclose(autograd_gradient(cost, beta),
                                  ridge_gradient_closed_form(beta, X, Y), rtol=1e-12)


def test_array_of_tensors_is_differentiable() -> None:
    t = am.tensor([1.0, 2.0], requires_grad=True)
    m = np.array([[t[0], 2.0 * t[1]], [t[1] ** 2, 3.0]])
    assert isinstance(m, am.Tensor) and m.shape == (2, 2)
    (g,) = am.grad(np.sum(m), t)
    numpy.testing.assert_allclose(g.data, [1.0, 2.0 + 2 * 2.0])
    assert np.asarray(t) is t


def test_constants_dtypes_creation_and_random() -> None:
    assert np.pi == numpy.pi and np.e == numpy.e and np.inf == numpy.inf
    assert numpy.isnan(np.nan) and np.newaxis is None
    assert np.float32 is numpy.float32 and np.float64 is numpy.float64 and np.int64 is numpy.int64
    assert np.random is numpy.random
    import autograd_mini.numpy.random as random_module
    assert random_module is numpy.random
    numpy.testing.assert_array_equal(np.linspace(0, 1, 5), numpy.linspace(0, 1, 5))
    numpy.testing.assert_array_equal(np.eye(3), numpy.eye(3))
    t = am.tensor(numpy.ones((2, 3), dtype=numpy.float32), requires_grad=True)
    like = np.zeros_like(t)
    assert isinstance(like, numpy.ndarray) and like.shape == (2, 3) and like.dtype == numpy.float32
    for name in ("zeros", "ones", "full", "empty", "arange", "logspace", "identity",
                 "ones_like", "full_like", "empty_like", "meshgrid"):
        assert callable(getattr(np, name))


def test_meshgrid_of_tensors_is_differentiable() -> None:
    x = am.tensor([0.0, 1.0, 2.0], requires_grad=True)
    y = am.tensor([5.0, 6.0], requires_grad=True)
    gx, gy = np.meshgrid(x, y)
    ex, ey = numpy.meshgrid(x.detach().data, y.detach().data)
    numpy.testing.assert_array_equal(gx.detach().data, ex)
    numpy.testing.assert_array_equal(gy.detach().data, ey)
    dx, dy = am.grad(np.sum(gx * gy), [x, y])
    numpy.testing.assert_allclose(dx.data, numpy.full(3, 11.0))
    numpy.testing.assert_allclose(dy.data, numpy.full(2, 3.0))


def test_creation_refuses_a_tensor_that_requires_grad() -> None:
    t = am.tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match="full: fill_value is a Tensor that requires grad"):
        np.full((2,), t)


def test_ops_declared_later_appear() -> None:
    from autograd_mini.ops.expose import publish

    def double(x):
        return 2.0 * x

    publish("npns_test_double", double, lambda x: 2.0 * x, internal=False)
    try:
        assert np.npns_test_double(am.tensor([1.0])).data.tolist() == [2.0]
    finally:
        from autograd_mini import registry
        del registry.TENSOR_FUNCTIONS["npns_test_double"]
        del registry.ARRAY_FUNCTIONS["npns_test_double"]
        registry.PUBLIC.remove("npns_test_double")
        vars(np).pop("npns_test_double", None)


def test_uncovered_names_raise_attribute_error() -> None:
    for name in ("fft", "vectorize", "polyfit", "interp"):
        with pytest.raises(AttributeError, match=f"numpy.{name} is not covered"):
            getattr(np, name)
    with pytest.raises(AttributeError, match="numpy.linalg.eig is not covered"):
        np.linalg.eig  # noqa: B018
    assert not hasattr(np, "no_such_numpy_name")


def test_non_differentiable_helpers_run_on_values() -> None:
    t = am.tensor([3.0, 1.0, 2.0], requires_grad=True)
    assert np.shape(t) == (3,) and np.ndim(t) == 1 and np.argmax(t) == 0
    assert np.allclose(t, [3.0, 1.0, 2.0])
    mask = np.isnan(t)
    assert isinstance(mask, am.Tensor) and not mask.requires_grad


def test_linalg_compositions_match_numpy_and_differentiate() -> None:
    a = numpy.array([[2.0, 0.5], [0.3, 1.5]])
    t = am.tensor(a, requires_grad=True)
    for n in (0, 1, 3, -2):
        numpy.testing.assert_allclose(np.linalg.matrix_power(a, n),
                                      numpy.linalg.matrix_power(a, n))
        if n >= 0:
            out = np.linalg.matrix_power(t, n)
            numpy.testing.assert_allclose(out.detach().data, numpy.linalg.matrix_power(a, n))
    cube = np.linalg.matrix_power(t, 3)
    (g,) = am.grad(np.sum(cube), t)
    numeric = central_differences(lambda m: numpy.sum(numpy.linalg.matrix_power(m, 3)), a)
    numpy.testing.assert_allclose(g.data, numeric, rtol=1e-6)
    chain = np.linalg.multi_dot([t, a, t])
    numpy.testing.assert_allclose(chain.detach().data, a @ a @ a)
    assert np.linalg.matrix_rank(t) == 2
    assert np.linalg.LinAlgError is numpy.linalg.LinAlgError


def test_readme_list_of_uncovered_functions_is_true() -> None:
    """Every name the README's "numpy code" section says is not covered raises (so the list
    cannot go stale when an op is added: the test then asks for the README to be updated)."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    bullet = text[text.index("- **Not covered**"):text.index("- **Real numpy on a Tensor**")]
    names = re.findall(r"`([\w.]+)`", bullet)
    assert len(names) > 20
    for name in names:
        if name == "t.detach()":
            continue
        namespace, attribute = (np.linalg, name.split(".")[-1]) if "." in name else (np, name)
        with pytest.raises(AttributeError, match="not covered"):
            getattr(namespace, attribute)


def test_numpy_keyword_names_are_accepted() -> None:
    t = am.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    clipped = np.clip(t, a_min=0.0, a_max=1.0)
    numpy.testing.assert_array_equal(clipped.detach().data, [0.0, 0.5, 1.0])
    assert isinstance(numpy.clip(t, a_min=0.0, a_max=1.0), am.Tensor)  # through the protocol
    chosen = np.where(numpy.array([True, False, True]), x=t, y=0.0)
    numpy.testing.assert_array_equal(chosen.detach().data, [-1.0, 0.0, 2.0])


def test_every_declared_numpy_name_is_the_declared_function() -> None:
    """Each public op whose name numpy also has is reachable as np.<name>, on Tensors."""
    from autograd_mini.registry import PUBLIC

    shared = [name for name in PUBLIC if hasattr(numpy, name)]
    assert {"sin", "exp", "sum", "mean", "matmul", "concatenate", "where"} <= set(shared)
    for name in shared:
        assert getattr(np, name).__wrapped__ is TENSOR_FUNCTIONS[name], name
    for numpy_name, ours in (("multiply", "mul"), ("subtract", "sub"), ("divide", "div"),
                             ("power", "pow"), ("negative", "neg"), ("absolute", "abs")):
        declared = TENSOR_FUNCTIONS.get(numpy_name, TENSOR_FUNCTIONS[ours])  # numpy's name wins
        assert getattr(np, numpy_name).__wrapped__ is declared


def test_star_import_gives_numpy_names_only() -> None:
    namespace: dict = {}
    exec("from autograd_mini.numpy import *", namespace)  # noqa: S102 - a fixed import line
    wanted = {"sin", "sum", "zeros", "linspace", "pi", "float32", "linalg", "random"}
    assert wanted <= set(namespace)
    assert not {"dual", "resolve", "sys", "Any", "numpy"} & set(namespace)
    assert namespace["sum"](am.tensor([1.0, 2.0])).item() == 3.0


# ---- names a numpy 2 user writes: array-API spellings, copies, index helpers -------------------
@pytest.mark.parametrize(("name", "shift"), [("acos", 0.0), ("asin", 0.0), ("atan", 0.0),
                                             ("acosh", 2.0), ("asinh", 0.0), ("atanh", 0.0)])
def test_numpy_2_spellings_of_the_inverse_functions(name, shift) -> None:
    # np.acos & co. (numpy ≥ 2) raised "not covered" while np.arccos worked
    x0 = numpy.array([0.1, -0.4, 0.7]) + shift
    f = lambda x: np.sum(getattr(np, name)(x) ** 2)  # noqa: E731
    numpy.testing.assert_allclose(autograd_gradient(f, x0), central_differences(f, x0),
                                  rtol=1e-6, atol=1e-8)
    assert isinstance(getattr(numpy, name)(am.tensor(x0, requires_grad=True)), am.Tensor)


def test_concat_permute_dims_and_atan2_are_numpys_array_api_names() -> None:
    a = rng.normal(size=(2, 3))
    def f(x):
        both = np.concat([x, np.permute_dims(x, (1, 0)).reshape(2, 3)], axis=1)  # (2, 6)
        return np.sum(both * np.atan2(both, 1.5 + both ** 2))
    numpy.testing.assert_allclose(autograd_gradient(f, a), central_differences(f, a),
                                  rtol=1e-6, atol=1e-8)
    t = am.tensor(a, requires_grad=True)
    numpy.testing.assert_array_equal(np.permute_dims(t, axes=(1, 0)).detach().data, a.T)
    assert numpy.concat([t, t]).requires_grad  # real numpy's concat keeps the graph too


def test_copy_of_a_tensor_is_a_new_array_with_the_gradient_passing_through() -> None:
    # np.copy(t) raised "not covered" (real numpy: "numpy.copy was called on ... Tensor")
    x0 = numpy.array([-0.0, 1.5, -2.0])
    t = am.tensor(x0, requires_grad=True)
    for c in (np.copy(t), numpy.copy(t)):
        assert c.requires_grad and not numpy.shares_memory(c.data, t.data)
        assert numpy.signbit(c.data[0])  # −0.0 kept
    f = lambda x: np.sum(np.copy(x) ** 3)  # noqa: E731
    numpy.testing.assert_allclose(autograd_gradient(f, x0), 3 * x0 ** 2)
    assert type(np.copy([1.0, 2.0])) is numpy.ndarray
    assert np.asanyarray(t) is t and np.ascontiguousarray(t) is t
    assert np.ascontiguousarray(numpy.ones((2, 3)).T).flags.c_contiguous


def test_index_helpers_and_isin_are_numpys() -> None:
    assert np.mgrid[0:2, 0:3].shape == (2, 2, 3)
    assert len(np.ogrid[0:2, 0:3]) == 2
    assert np.s_[1:3] == slice(1, 3) and np.index_exp[1] == (1,)
    rows, cols = np.ix_([0, 1], [2])
    t = am.tensor(numpy.arange(6.0).reshape(2, 3), requires_grad=True)
    numpy.testing.assert_array_equal(t[rows, cols].detach().data, [[2.0], [5.0]])
    assert np.isin(t, [1.0, 4.0]).data.tolist() == [[False, True, False], [False, True, False]]


# ---- a physicist's snippets, unchanged numpy, checked against central differences --------------
def harmonic_chain_energy(q, k=1.3):
    """A periodic chain of springs with a quartic on-site term."""
    return 0.5 * k * np.sum((np.roll(q, -1) - q) ** 2) + 0.1 * np.sum(q ** 4)


def damped_gaussian_integral(a):
    x = np.linspace(0.0, 2.0, 41)
    return np.trapezoid(np.exp(-a[0] * x ** 2) * np.cos(a[1] * x), x)


def gaussian_log_likelihood(p):
    data = numpy.linspace(-1.0, 2.0, 9)
    mu, s = p[0], np.exp(p[1])
    return np.sum(-0.5 * ((data - mu) / s) ** 2 - np.log(s * np.sqrt(2 * np.pi)))


def batched_quadratic_forms(x):
    m = numpy.arange(9.0).reshape(3, 3) / 9.0
    stack = np.reshape(x, (2, 3, 3))
    return np.sum(np.einsum("...ij,jk,...ik->...", stack, m, stack)) + np.sum(
        np.einsum("...ii", stack))


def small_linear_system(p):
    a = np.array([[2.0 + p[0], 1.0], [1.0, 3.0 + p[1]]])
    b = np.array([1.0, p[0] * p[1]])
    x = np.linalg.solve(a, b)
    return np.dot(x, x)


def laplacian_residual(u):
    grid = u.reshape(4, 4)
    lap = (np.roll(grid, 1, axis=0) + np.roll(grid, -1, axis=0) + np.roll(grid, 1, axis=1)
           + np.roll(grid, -1, axis=1) - 4 * grid)
    return np.mean(lap ** 2)


def coulomb_energy(r):
    positions = r.reshape(4, 3)
    d = positions[:, None, :] - positions[None, :, :]
    dist = np.sqrt(np.sum(d ** 2, axis=-1) + np.eye(4))
    return np.sum(1.0 / dist[np.triu_indices(4, 1)])


def ground_state_energy(p):
    h = np.diag(np.array([0.0, 1.0, 2.0])) + p[0] * (np.eye(3, k=1) + np.eye(3, k=-1))
    return np.linalg.eigvalsh(h)[0]


SNIPPETS = {
    "harmonic chain (roll)": (harmonic_chain_energy, rng.normal(size=6)),
    "integral (trapezoid)": (damped_gaussian_integral, numpy.array([0.8, 1.5])),
    "Gaussian likelihood": (gaussian_log_likelihood, numpy.array([0.3, -0.2])),
    "einsum with ellipsis": (batched_quadratic_forms, rng.normal(size=18)),
    "linalg.solve": (small_linear_system, numpy.array([0.4, -0.3])),
    "2-d Laplacian (roll)": (laplacian_residual, rng.normal(size=16)),
    "Coulomb (triu_indices)": (coulomb_energy, 2.0 * rng.normal(size=12)),
    "ground state (eigvalsh)": (ground_state_energy, numpy.array([0.3])),
}


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_physics_snippets_match_central_differences(name) -> None:
    f, x0 = SNIPPETS[name]
    numpy.testing.assert_allclose(autograd_gradient(f, x0), central_differences(f, x0),
                                  rtol=1e-6, atol=1e-8)
    assert am.gradgradcheck(f, [am.tensor(x0, requires_grad=True)]).ok
    numpy.testing.assert_allclose(f(am.tensor(x0)).item(), f(x0), rtol=1e-12)  # numpy's value
