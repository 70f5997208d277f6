"""Workload 6: a physics-informed training step — the diffusion equation u_t = u_xx.

The trial solution g(x, t) = (1 − t)·sin(πx) + x(1 − x)·t·N(x, t), N a 2-32-32-1 tanh
network (float64), at N collocation points; the cost mean (g_t − g_xx)², then its gradient with
respect to the network's six weight arrays. Every framework computes the same numbers:

* autograd_mini: `func.elementwise_grad` for (g_x, g_t), `func.jvp` of it along x for g_xx
  (forward-over-reverse), `func.grad` of the cost (examples/20_diffusion_equation.py);
* PyTorch: `torch.autograd.grad(..., create_graph=True)` twice, then `backward`;
* torch.func: per point, `jvp` along x of `grad` of the trial (forward-over-reverse), `vmap`
  over the points, `grad` of the cost with respect to the weights;
* HIPS autograd: `elementwise_grad` twice (reverse-over-reverse), then `grad`, as the course
  writes it;
* JAX: the torch.func program with `jax.jvp`, `jax.grad` and `jax.vmap`, jitted ("JAX jit")
  and op by op ("JAX no jit"), float64.

Reported in ms per step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..harness import time_per_call
from .case import Case

TITLE = "6. Diffusion equation step: ∂/∂t and ∂²/∂x² of a 2-32-32-1 tanh trial, then ∇ weights"
UNIT = "ms/step"
FRAMEWORKS = ("autograd_mini", "torch", "torch.func", "autograd", "jax", "jax.nojit")
HIDDEN = 32


def cases(quick: bool) -> list[Case]:
    sizes = (10,) if quick else (100, 1000)
    budget = 0.05 if quick else 2.0
    return [Case(f"N = {n} points", {"points": n}, FRAMEWORKS, budget) for n in sizes]


def display(seconds: float, params: dict[str, Any]) -> float:
    return seconds * 1e3


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    X = rng.uniform(0.05, 0.95, size=(params["points"], 2))  # (points, 2): columns x, t
    weights = init_weights()
    step = BUILDERS[framework](X, weights)
    return time_per_call(step, budget_s=budget_s, warmup=2)


def init_weights(seed: int = 0) -> list[np.ndarray]:
    """[W1 (2, h), b1, W2 (h, h), b2, W3 (h, 1), b3], Glorot-scaled normal, zero biases."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    for n_in, n_out in ((2, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, 1)):
        out.append(rng.normal(size=(n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out)))
        out.append(np.zeros(n_out))
    return out


def trial(X: Any, P: list[Any], tanh: Callable, sin: Callable) -> Any:
    """g(x, t) for (points, 2) inputs -> (points, 1); the same code for every framework."""
    h = tanh(X @ P[0] + P[1])
    h = tanh(h @ P[2] + P[3])
    x, t = X[:, 0:1], X[:, 1:2]
    return (1.0 - t) * sin(np.pi * x) + x * (1.0 - x) * t * (h @ P[4] + P[5])


def _autograd_mini(X: np.ndarray, weights: list[np.ndarray]) -> Callable[[], Any]:
    import autograd_mini as am
    from autograd_mini.func import elementwise_grad, grad, jvp

    along_x = np.zeros_like(X)
    along_x[:, 0] = 1.0

    def cost(P: list[Any]) -> Any:
        def gradient(X: Any) -> Any:  # (points, 2): g_x, g_t
            return elementwise_grad(lambda X: trial(X, P, am.tanh, am.sin))(X)

        first, second = jvp(gradient, (X,), (along_x,))
        return ((first[:, 1:2] - second[:, 0:1]) ** 2).mean()

    d_cost = grad(cost)
    return lambda: d_cost(weights)


def _torch(X: np.ndarray, weights: list[np.ndarray]) -> Callable[[], Any]:
    import torch

    P = [torch.tensor(w, requires_grad=True) for w in weights]
    points = torch.tensor(X)

    def step() -> None:
        for p in P:
            p.grad = None
        Xt = points.clone().requires_grad_(True)
        g = trial(Xt, P, torch.tanh, torch.sin)
        (first,) = torch.autograd.grad(g.sum(), Xt, create_graph=True)  # (points, 2)
        (second,) = torch.autograd.grad(first[:, 0].sum(), Xt, create_graph=True)
        ((first[:, 1] - second[:, 0]) ** 2).mean().backward()

    return step


def point_trial(xt: Any, P: list[Any], tanh: Callable, sin: Callable) -> Any:
    """g at one point xt = (x, t), shape (2,) -> a scalar: for vmap-style frameworks."""
    return trial(xt[None, :], P, tanh, sin)[0, 0]


def _torch_func(X: np.ndarray, weights: list[np.ndarray]) -> Callable[[], Any]:
    import torch
    from torch.func import grad, jvp, vmap

    P = [torch.tensor(w) for w in weights]
    points = torch.tensor(X)
    along_x = torch.tensor([1.0, 0.0], dtype=points.dtype)

    def residual(P: list[Any], xt: Any) -> Any:  # g_t − g_xx at one point
        gradient = grad(lambda xt: point_trial(xt, P, torch.tanh, torch.sin))
        first, second = jvp(gradient, (xt,), (along_x,))  # ∇g, ∂/∂x ∇g
        return first[1] - second[0]

    def cost(P: list[Any]) -> Any:
        return (vmap(residual, in_dims=(None, 0))(P, points) ** 2).mean()

    d_cost = grad(cost)
    return lambda: d_cost(P)


def _jax(X: np.ndarray, weights: list[np.ndarray], jit: bool = True) -> Callable[[], Any]:
    from .jacobian import jax_float64

    jax = jax_float64()
    import jax.numpy as jnp

    P = [jnp.asarray(w) for w in weights]
    points = jnp.asarray(X)
    along_x = jnp.asarray([1.0, 0.0])

    def residual(P: list[Any], xt: Any) -> Any:
        gradient = jax.grad(lambda xt: point_trial(xt, P, jnp.tanh, jnp.sin))
        first, second = jax.jvp(gradient, (xt,), (along_x,))
        return first[1] - second[0]

    def cost(P: list[Any]) -> Any:
        return jnp.mean(jax.vmap(residual, in_axes=(None, 0))(P, points) ** 2)

    d_cost = jax.grad(cost)
    if jit:
        d_cost = jax.jit(d_cost)
    return lambda: jax.block_until_ready(d_cost(P))


def _jax_nojit(X: np.ndarray, weights: list[np.ndarray]) -> Callable[[], Any]:
    return _jax(X, weights, jit=False)


def _hips_autograd(X: np.ndarray, weights: list[np.ndarray]) -> Callable[[], Any]:
    import autograd.numpy as anp
    from autograd import elementwise_grad, grad

    def cost(P: list[Any]) -> Any:
        def g(X: Any) -> Any:
            return trial(X, P, anp.tanh, anp.sin)

        first = elementwise_grad(g)(X)
        second = elementwise_grad(lambda X: elementwise_grad(g)(X)[:, 0])(X)
        return anp.mean((first[:, 1] - second[:, 0]) ** 2)

    d_cost = grad(cost)
    return lambda: d_cost(weights)


BUILDERS: dict[str, Callable[..., Callable[[], Any]]] = {
    "autograd_mini": _autograd_mini,
    "torch": _torch,
    "autograd": _hips_autograd,
    "torch.func": _torch_func,
    "jax": _jax,
    "jax.nojit": _jax_nojit,
}
