"""Workload 8: single ops on large arrays, forward + backward (issue 13's op set).

One case per (op, dtype): elementwise math, reductions along an axis, products and linear
algebra on (1000, 1000) float32 and float64 inputs that all require grad; the loss is the sum
of the op's output, then backward. The op is written once in numpy style (`OPS`) and run with
each framework's namespace: `autograd_mini.numpy`, HIPS `autograd.numpy`, and a thin adapter
for PyTorch (numpy's names and defaults: var with ddof 0, max returning values). On such sizes
an op should cost numpy's forward plus its VJP's numpy calls, no extra passes or copies.
Reported in ms per forward + backward.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..harness import time_per_call
from .case import Case

TITLE = "8. Single ops on (n, n) arrays: forward + backward of sum(op(...))"
UNIT = "ms"
FRAMEWORKS = ("autograd_mini", "torch", "autograd")

# name -> (inputs: which matrices it takes, the op in numpy style over namespace `ns`)
OPS: dict[str, tuple[tuple[str, ...], Callable[..., Any]]] = {
    "sin": (("x",), lambda ns, x: ns.sin(x)),
    "exp": (("x",), lambda ns, x: ns.exp(x)),
    "tanh": (("x",), lambda ns, x: ns.tanh(x)),
    "x*y+z": (("x", "y", "z"), lambda ns, x, y, z: x * y + z),
    "sin(x)*exp(y)+tanh(z)": (("x", "y", "z"),
                              lambda ns, x, y, z: ns.sin(x) * ns.exp(y) + ns.tanh(z)),
    "sum(axis=0)": (("x",), lambda ns, x: ns.sum(x, axis=0)),
    "mean(axis=1)": (("x",), lambda ns, x: ns.mean(x, axis=1)),
    "var(axis=0)": (("x",), lambda ns, x: ns.var(x, axis=0)),
    "max(axis=1)": (("x",), lambda ns, x: ns.max(x, axis=1)),
    "linalg.norm": (("x",), lambda ns, x: ns.linalg.norm(x)),
    "matmul": (("a", "b"), lambda ns, a, b: ns.matmul(a, b)),
    "einsum ij,jk->ik": (("a", "b"), lambda ns, a, b: ns.einsum("ij,jk->ik", a, b)),
    "einsum ij,ij->i": (("x", "y"), lambda ns, x, y: ns.einsum("ij,ij->i", x, y)),
    "linalg.solve": (("a", "b"), lambda ns, a, b: ns.linalg.solve(a, b)),
    "linalg.inv": (("a",), lambda ns, a: ns.linalg.inv(a)),
    "linalg.cholesky": (("spd",), lambda ns, s: ns.linalg.cholesky(s)),
    "linalg.det": (("a",), lambda ns, a: ns.linalg.det(a)),
    "linalg.slogdet": (("a",), lambda ns, a: ns.linalg.slogdet(a)[1]),
}
QUICK_OPS = ("sin", "x*y+z", "var(axis=0)", "linalg.solve", "linalg.cholesky")


def cases(quick: bool) -> list[Case]:
    n = 40 if quick else 1000
    budget = 0.02 if quick else 0.5
    names = QUICK_OPS if quick else tuple(OPS)
    dtypes = ("float32",) if quick else ("float32", "float64")
    return [Case(f"{name} {dtype}", {"op": name, "dtype": dtype, "n": n}, FRAMEWORKS, budget,
                 max_reps=None)
            for name in names for dtype in dtypes]


def display(seconds: float, params: dict[str, Any]) -> float:
    return seconds * 1e3


def inputs(n: int, dtype: str, seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded inputs: x, y, z in [−1, 1); a = I + 0.3·N/√n (well conditioned, |det| near 1);
    b normal; spd = M Mᵀ/n + I."""
    rng = np.random.default_rng(seed)
    x, y, z = (rng.uniform(-1.0, 1.0, (n, n)) for _ in range(3))
    a = np.eye(n) + 0.3 * rng.normal(size=(n, n)) / np.sqrt(n)
    m = rng.normal(size=(n, n))
    spd = m @ m.T / n + np.eye(n)
    out = {"x": x, "y": y, "z": z, "a": a, "b": rng.normal(size=(n, n)), "spd": spd}
    return {k: v.astype(dtype) for k, v in out.items()}


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    names, op = OPS[params["op"]]
    arrays = inputs(params["n"], params["dtype"])
    step = BUILDERS[framework](op, [arrays[k] for k in names])
    return time_per_call(step, budget_s=budget_s, warmup=1, min_samples=3)


def _autograd_mini(op: Callable, arrays: list[np.ndarray]) -> Callable[[], Any]:
    import autograd_mini as am
    import autograd_mini.numpy as anp

    leaves = [am.tensor(a, requires_grad=True) for a in arrays]

    def step() -> list[np.ndarray]:
        for leaf in leaves:
            leaf.grad = None
        anp.sum(op(anp, *leaves)).backward()
        return [leaf.grad.data for leaf in leaves]

    return step


def _torch_namespace() -> SimpleNamespace:
    """numpy's names (and defaults) over torch functions, for the ops in OPS."""
    import torch

    linalg = SimpleNamespace(norm=torch.linalg.norm, solve=torch.linalg.solve,
                             inv=torch.linalg.inv, cholesky=torch.linalg.cholesky,
                             det=torch.linalg.det, slogdet=torch.linalg.slogdet)
    return SimpleNamespace(
        sin=torch.sin, exp=torch.exp, tanh=torch.tanh, sum=torch.sum, einsum=torch.einsum,
        matmul=torch.matmul, linalg=linalg,
        mean=lambda x, axis: torch.mean(x, dim=axis),
        var=lambda x, axis: torch.var(x, dim=axis, correction=0),
        max=lambda x, axis: torch.amax(x, dim=axis),
    )


def _torch(op: Callable, arrays: list[np.ndarray]) -> Callable[[], Any]:
    import torch

    ns = _torch_namespace()
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays]

    def step() -> list[np.ndarray]:
        for leaf in leaves:
            leaf.grad = None
        ns.sum(op(ns, *leaves)).backward()
        return [leaf.grad.numpy() for leaf in leaves]

    return step


def _hips_autograd(op: Callable, arrays: list[np.ndarray]) -> Callable[[], Any]:
    import autograd.numpy as anp
    from autograd import grad

    gradient = grad(lambda leaves: anp.sum(op(anp, *leaves)))
    return lambda: gradient(list(arrays))


BUILDERS: dict[str, Callable[..., Callable[[], Any]]] = {
    "autograd_mini": _autograd_mini,
    "torch": _torch,
    "autograd": _hips_autograd,
}
