"""solve_triangular, the triangular solve inside cholesky's and qr's VJPs and JVPs.

It runs on scipy's LAPACK trtrs when the `scipy` extra is installed and on an LU solve of the
triangle without it; both paths give the same values and gradients (checked by switching the
scipy path off), read only A's triangle, keep float32, and differentiate again.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.engine import NUMPY_MODE
from autograd_mini.gradcheck import gradcheck, gradgradcheck
from autograd_mini.ops import decompositions
from autograd_mini.registry import REGISTRY, TENSOR_FUNCTIONS

solve_triangular = TENSOR_FUNCTIONS["solve_triangular"]


@pytest.fixture(params=["scipy", "numpy"])
def path(request, monkeypatch):
    if request.param == "scipy":
        pytest.importorskip("scipy")
    else:
        monkeypatch.setattr(decompositions, "_SCIPY_SOLVE_TRIANGULAR", None)
    return request.param


def _triangular(lower: bool, batch: tuple[int, ...] = (2,), n: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    full = rng.standard_normal(batch + (n, n)) + 3 * np.eye(n)  # junk in the other triangle
    tri = np.tril(full) if lower else np.triu(full)
    return full, tri, rng.standard_normal(batch + (n, 3))


@pytest.mark.parametrize("lower", [True, False])
def test_forward_reads_only_the_triangle(path, lower):
    full, tri, b = _triangular(lower)
    x = solve_triangular(am.tensor(full), am.tensor(b), lower=lower)
    np.testing.assert_allclose(x.data, np.linalg.solve(tri, b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lower", [True, False])
def test_gradients_match_finite_differences_to_second_order(path, lower):
    full, _, b = _triangular(lower, batch=(), n=3)
    a, tb = am.tensor(full, requires_grad=True), am.tensor(b, requires_grad=True)

    def f(a, b):
        return solve_triangular(a, b, lower=lower)

    assert gradcheck(f, [a, tb])
    assert gradgradcheck(f, [a, tb])
    # the other triangle gets exactly zero gradient: A is read as triangular
    (ga,) = am.grad(f(a, tb).sum(), [a])
    other = np.triu(ga.data, 1) if lower else np.tril(ga.data, -1)
    assert not np.any(other)


def test_jvp_is_the_vjp_transposed(path):
    full, _, b = _triangular(True)
    prim, rng = REGISTRY["solve_triangular"], np.random.default_rng(1)
    out = prim.forward(full, b, lower=True)
    u = rng.standard_normal(out.shape)
    va, vb = rng.standard_normal(full.shape), rng.standard_normal(b.shape)
    ga, gb = prim.vjp(u, out, (full, b), (True, True), NUMPY_MODE, lower=True)
    jv = prim.jvp((va, vb), out, (full, b), NUMPY_MODE, lower=True)
    np.testing.assert_allclose(np.sum(u * jv), np.sum(ga * va) + np.sum(gb * vb), rtol=1e-10)


def test_cholesky_and_qr_gradients_agree_across_paths(monkeypatch):
    pytest.importorskip("scipy")
    rng = np.random.default_rng(2)
    m = rng.standard_normal((2, 5, 5))
    spd, tall = m @ np.swapaxes(m, -1, -2) + 5 * np.eye(5), rng.standard_normal((2, 6, 4))

    def grads():
        a, t = am.tensor(spd, requires_grad=True), am.tensor(tall, requires_grad=True)
        loss = (am.cholesky(a) ** 2).sum() + (am.qr(t)[0] * am.qr(t)[1].sum()).sum()
        return [g.data for g in am.grad(loss, [a, t])]

    with_scipy = grads()
    monkeypatch.setattr(decompositions, "_SCIPY_SOLVE_TRIANGULAR", None)
    for fast, fallback in zip(with_scipy, grads()):
        np.testing.assert_allclose(fast, fallback, rtol=1e-10, atol=1e-12)


def test_cholesky_backward_keeps_float32(path):
    rng = np.random.default_rng(3)
    m = rng.standard_normal((4, 4))
    a = am.tensor((m @ m.T + 4 * np.eye(4)).astype(np.float32), requires_grad=True)
    am.cholesky(a).sum().backward()
    assert a.grad.dtype == np.float32
