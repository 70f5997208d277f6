"""Workload 4: a deep chain of n ops, forward + backward: time, peak memory, failures.

y = x, then n ops alternating y = y·0.5 and y = y + 0.5 (Python-number constants), then
y.sum() and backward; x is a (4,) float32 leaf (micrograd: one scalar Value). Each size runs
in its own process, so peak memory (max RSS growth over the process's size after import) is
the graph's. A RecursionError or any other failure is recorded as the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..harness import time_per_call
from .case import Case

TITLE = "4. Deep chain of n ops, forward + backward"
UNIT = "s"
FRAMEWORKS = ("autograd_mini", "torch", "micrograd", "autograd", "mygrad")


def cases(quick: bool) -> list[Case]:
    sizes = (10**3,) if quick else (10**3, 10**4, 10**5, 10**6)
    out = []
    for n in sizes:
        budget = 0.05 if quick else (0.5 if n <= 10**4 else 0.0)
        out.append(Case(f"n = {n:.0e}".replace("+0", ""), {"n": n}, FRAMEWORKS, budget,
                        timeout_s=600.0, max_reps=2 if n >= 10**6 else None))
    return out


def display(seconds: float, params: dict[str, Any]) -> float:
    return seconds


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    n = params["n"]
    x = np.random.default_rng(0).uniform(0.5, 1.5, 4).astype(np.float32)
    run = BUILDERS[framework](x, n)
    # Large chains: one timed call and no warm-up, so the process measures a single graph.
    small = n <= 10**4
    timing = time_per_call(run, budget_s=budget_s, warmup=1 if small else 0,
                           min_samples=3 if small else 1)
    return {**timing, "n": n}


def chain(y: Any, n: int) -> Any:
    """The workload itself, the same code for every framework: n ops y·0.5, y + 0.5, ..."""
    for i in range(n):
        y = y * 0.5 if i % 2 == 0 else y + 0.5
    return y


def _autograd_mini(x: np.ndarray, n: int) -> Callable[[], None]:
    import autograd_mini as am

    leaf = am.tensor(x, requires_grad=True)

    def run() -> None:
        leaf.grad = None
        chain(leaf, n).sum().backward()

    return run


def _torch(x: np.ndarray, n: int) -> Callable[[], None]:
    import torch

    leaf = torch.tensor(x, requires_grad=True)

    def run() -> None:
        leaf.grad = None
        chain(leaf, n).sum().backward()

    return run


def _mygrad(x: np.ndarray, n: int) -> Callable[[], None]:
    import mygrad as mg

    leaf = mg.tensor(x)

    def run() -> None:
        chain(leaf, n).sum().backward()

    return run


def _hips_autograd(x: np.ndarray, n: int) -> Callable[[], None]:
    import autograd.numpy as anp
    from autograd import grad

    def loss(y: Any) -> Any:
        return anp.sum(chain(y, n))

    gradient = grad(loss)
    return lambda: gradient(x)


def _micrograd(x: np.ndarray, n: int) -> Callable[[], None]:
    from micrograd.engine import Value

    leaf = Value(float(x[0]))

    def run() -> None:
        leaf.grad = 0
        (chain(leaf, n) + 0.0).backward()  # one op standing in for the sum

    return run


BUILDERS: dict[str, Callable[[np.ndarray, int], Callable[[], None]]] = {
    "autograd_mini": _autograd_mini,
    "torch": _torch,
    "mygrad": _mygrad,
    "autograd": _hips_autograd,
    "micrograd": _micrograd,
}
