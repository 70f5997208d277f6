"""Workload 7: the full Jacobian of a tanh network, by forward mode and by reverse mode.

f(x) = tanh(tanh(x W1 + b1) W2 + b2) W3 + b3 with 100 hidden units (float64), for
f: ℝ¹⁰⁰ → ℝ¹⁰⁰ (square) and f: ℝ¹⁰⁰⁰ → ℝ¹⁰ (wide input, few outputs). Forward mode costs one
pass per input, reverse mode one per output, so on the second network jacrev should win by
about 100x in pass count; how much of that each library turns into time is the point.

* autograd_mini: `func.jacfwd` (the basis as one batch of tangents: one pass) / `func.jacrev`;
* PyTorch: `torch.func.jacfwd` / `torch.func.jacrev` (vmap over the basis: one batched pass);
* HIPS autograd: `autograd.jacobian` (reverse mode; it has no forward-mode Jacobian), in the
  jacrev rows;
* JAX: `jax.jacfwd` / `jax.jacrev`, jitted ("JAX jit") and op by op ("JAX no jit").

Every framework returns the same (m, n) matrix (tests/test_benchmarks_jacobian.py). Reported
in ms per Jacobian.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..harness import time_per_call
from .case import Case

TITLE = ("7. Jacobian of a tanh MLP (hidden 100, float64) by forward and reverse mode; "
         "PyTorch = torch.func")
UNIT = "ms/jacobian"
HIDDEN = 100
FORWARD_PEERS = ("autograd_mini", "torch", "jax", "jax.nojit")
REVERSE_PEERS = ("autograd_mini", "torch", "autograd", "jax", "jax.nojit")


def cases(quick: bool) -> list[Case]:
    shapes = ((10, 10),) if quick else ((100, 100), (1000, 10))
    budget = 0.05 if quick else 1.0
    out = []
    for n, m in shapes:
        for mode, peers in (("jacfwd", FORWARD_PEERS), ("jacrev", REVERSE_PEERS)):
            out.append(Case(f"{n}→{m} {mode}", {"n": n, "m": m, "mode": mode}, peers, budget))
    return out


def display(seconds: float, params: dict[str, Any]) -> float:
    return seconds * 1e3


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    x, weights = problem(params["n"], params["m"])
    jac = BUILDERS[framework](params["mode"], x, weights)
    return time_per_call(jac, budget_s=budget_s, warmup=2)


def problem(n: int, m: int, seed: int = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    """The input point x (n,) and [W1 (n, h), b1, W2 (h, h), b2, W3 (h, m), b3], Glorot."""
    rng = np.random.default_rng(seed)
    weights: list[np.ndarray] = []
    for n_in, n_out in ((n, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, m)):
        weights.append(rng.normal(size=(n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out)))
        weights.append(rng.normal(size=n_out) * 0.1)
    return rng.normal(size=n), weights


def mlp(x: Any, P: list[Any], tanh: Callable) -> Any:
    """f(x): (n,) -> (m,); the same code for every framework."""
    h = tanh(x @ P[0] + P[1])  # (hidden,)
    h = tanh(h @ P[2] + P[3])  # (hidden,)
    return h @ P[4] + P[5]  # (m,)


def _autograd_mini(mode: str, x: np.ndarray, weights: list[np.ndarray]) -> Callable[[], Any]:
    import autograd_mini as am
    from autograd_mini import func

    jac = (func.jacfwd if mode == "jacfwd" else func.jacrev)(lambda x: mlp(x, weights, am.tanh))
    return lambda: jac(x)


def _torch_func(mode: str, x: np.ndarray, weights: list[np.ndarray]) -> Callable[[], Any]:
    import torch
    from torch.func import jacfwd, jacrev

    P = [torch.tensor(w) for w in weights]
    point = torch.tensor(x)
    jac = (jacfwd if mode == "jacfwd" else jacrev)(lambda x: mlp(x, P, torch.tanh))
    return lambda: jac(point)


def _hips_autograd(mode: str, x: np.ndarray, weights: list[np.ndarray]) -> Callable[[], Any]:
    import autograd.numpy as anp
    from autograd import jacobian

    if mode != "jacrev":
        raise ValueError("HIPS autograd's jacobian is reverse mode only")
    jac = jacobian(lambda x: mlp(x, weights, anp.tanh))
    return lambda: jac(x)


def jax_float64() -> Any:
    """jax, with float64 arrays enabled (its default is float32)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def _jax(mode: str, x: np.ndarray, weights: list[np.ndarray], jit: bool = True
         ) -> Callable[[], Any]:
    jax = jax_float64()
    import jax.numpy as jnp

    P = [jnp.asarray(w) for w in weights]
    point = jnp.asarray(x)
    jac = (jax.jacfwd if mode == "jacfwd" else jax.jacrev)(lambda x, P: mlp(x, P, jnp.tanh))
    if jit:
        jac = jax.jit(jac)
    return lambda: jac(point, P).block_until_ready()


def _jax_nojit(mode: str, x: np.ndarray, weights: list[np.ndarray]) -> Callable[[], Any]:
    return _jax(mode, x, weights, jit=False)


BUILDERS: dict[str, Callable[..., Callable[[], Any]]] = {
    "autograd_mini": _autograd_mini,
    "torch": _torch_func,
    "autograd": _hips_autograd,
    "jax": _jax,
    "jax.nojit": _jax_nojit,
}
