"""Input derivatives of a network at N collocation points cost a fixed number of passes:
the number of recorded ops does not grow with N (no Python loop over the points)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import engine
from autograd_mini.func import elementwise_grad, jvp, laplacian


def _network(seed=0, inputs=2):
    rng = np.random.default_rng(seed)
    w1, b1 = rng.normal(size=(inputs, 8)), rng.normal(size=8)
    w2, b2 = rng.normal(size=(8, 8)), rng.normal(size=8)
    w3 = rng.normal(size=(8, 1))

    def u(x):  # (N, inputs) -> (N, 1), row by row
        h = am.tanh(x @ w1 + b1)
        h = am.tanh(h @ w2 + b2)
        return h @ w3

    return u


def _ops_run(fn, monkeypatch) -> int:
    """How many ops (primal and tangent) the engine ran during fn()."""
    calls = [0]
    real = engine.record

    def counting(*args):
        calls[0] += 1
        return real(*args)

    monkeypatch.setattr(engine, "record", counting)
    fn()
    monkeypatch.setattr(engine, "record", real)
    return calls[0]


@pytest.mark.parametrize("transform", ["elementwise_grad", "jvp", "laplacian"])
def test_cost_does_not_grow_with_the_number_of_points(transform, monkeypatch):
    u = _network()

    def run(n):
        x = np.random.default_rng(n).uniform(size=(n, 2))
        if transform == "elementwise_grad":
            return lambda: elementwise_grad(u)(x)
        if transform == "jvp":
            return lambda: jvp(u, (x,), (np.ones_like(x),))
        return lambda: laplacian(u)(x)

    small, large = _ops_run(run(10), monkeypatch), _ops_run(run(1000), monkeypatch)
    assert small == large > 0


def test_laplacian_matches_finite_differences():
    u = _network(seed=1)
    x = np.random.default_rng(2).uniform(size=(5, 2))
    lap = laplacian(u)(x)
    h = 1e-4
    numeric = np.zeros(5)
    for i in range(2):
        e = np.zeros_like(x)
        e[:, i] = h
        numeric += ((u(x + e) - 2 * u(x) + u(x - e)).data[:, 0]) / h ** 2
    np.testing.assert_allclose(lap, numeric, rtol=1e-5, atol=1e-6)


def test_elementwise_grad_of_rowwise_network_is_its_per_point_derivative():
    u = _network(seed=3, inputs=1)
    x = np.linspace(0, 1, 7).reshape(7, 1)
    h = 1e-6
    numeric = (u(x + h).data - u(x - h).data) / (2 * h)
    np.testing.assert_allclose(elementwise_grad(u)(x), numeric, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(jvp(u, (x,), (np.ones_like(x),))[1], numeric, rtol=1e-7,
                               atol=1e-9)


# ---- jacfwd: one forward pass per input, all of its basis vectors as a batch of tangents -------
@pytest.mark.parametrize("transform", ["jacfwd", "hessian"])
def test_jacfwd_and_hessian_cost_does_not_grow_with_the_input_size(transform, monkeypatch):
    from autograd_mini.func import hessian, jacfwd

    def run(n):
        rng = np.random.default_rng(n)
        w = rng.normal(size=(n, 3))

        def f(x):  # (n,) -> (3,), or a scalar for the Hessian
            y = am.tanh(x @ w)
            return y if transform == "jacfwd" else (y * y).sum()

        x = rng.normal(size=n)
        return lambda: (jacfwd if transform == "jacfwd" else hessian)(f)(x)

    small, large = _ops_run(run(4), monkeypatch), _ops_run(run(40), monkeypatch)
    assert small == large > 0


@pytest.mark.parametrize("op, shape_a, shape_b", [
    ("elementwise", (3,), (2, 3)), ("elementwise", (1, 3), (2, 1)),
    ("matmul", (2, 3), (3,)), ("matmul", (3,), (2, 1, 3, 4)), ("matmul", (2, 1, 3, 4), (4,)),
    ("matmul", (5, 3), (2, 3, 4)), ("matmul", (2, 5, 3), (3, 4)), ("matmul", (3,), (3,)),
])
def test_jacfwd_batches_tangents_of_broadcast_and_stacked_operands(op, shape_a, shape_b):
    # a tangent of the smaller operand must line up with the output's trailing axes, not
    # with the batch axis: elementwise ops pad it, matmul lines up its stack axes
    from autograd_mini.func import jacfwd, jacrev

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)

    def f(a, b):
        return a @ b if op == "matmul" else am.tanh(a * b) + b

    forward = jacfwd(f, (0, 1))(a, b)
    reverse = jacrev(f, (0, 1))(a, b)
    for jf, jr in zip(forward, reverse):
        np.testing.assert_allclose(jf, jr, rtol=1e-12, atol=1e-14)
