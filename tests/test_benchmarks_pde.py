"""The diffusion-equation benchmark computes the same gradient in every framework."""

from __future__ import annotations

import os

import numpy as np
import pytest

from benchmarks.workloads import pde


def _points(n: int = 12) -> np.ndarray:
    return np.random.default_rng(1).uniform(0.05, 0.95, size=(n, 2))


def test_autograd_mini_step_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    X, weights = _points(), pde.init_weights()
    ours = pde.BUILDERS["autograd_mini"](X, weights)()
    P = [torch.tensor(w, requires_grad=True) for w in weights]
    Xt = torch.tensor(X, requires_grad=True)
    g = pde.trial(Xt, P, torch.tanh, torch.sin)
    (first,) = torch.autograd.grad(g.sum(), Xt, create_graph=True)
    (second,) = torch.autograd.grad(first[:, 0].sum(), Xt, create_graph=True)
    ((first[:, 1] - second[:, 0]) ** 2).mean().backward()
    for mine, p in zip(ours, P):
        np.testing.assert_allclose(mine, p.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_autograd_mini_step_matches_hips_autograd() -> None:
    pytest.importorskip("autograd")
    X, weights = _points(), pde.init_weights()
    ours = pde.BUILDERS["autograd_mini"](X, weights)()
    theirs = pde.BUILDERS["autograd"](X, weights)()
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine, other, rtol=1e-10, atol=1e-12)


def test_quick_case_is_one_small_size() -> None:
    assert [c.params["points"] for c in pde.cases(quick=True)] == [10]
    assert [c.params["points"] for c in pde.cases(quick=False)] == [100, 1000]


@pytest.mark.parametrize("framework", [
    "torch.func",
    pytest.param("jax.nojit", marks=pytest.mark.skipif(
        bool(os.environ.get("CI")), reason="JAX import and tracing cost 5-12 s on CI")),
])
def test_vmap_style_peers_compute_the_same_step(framework):
    pytest.importorskip(framework.split(".")[0])
    X, weights = _points(4), pde.init_weights()
    ours = pde.BUILDERS["autograd_mini"](X, weights)()
    theirs = pde.BUILDERS[framework](X, weights)()
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine, np.asarray(other), rtol=1e-10, atol=1e-12)
