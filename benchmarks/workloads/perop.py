"""Workload 2: per-op overhead — a chain of tiny elementwise ops, forward + backward.

y = x; then `length` ops alternating y = y·a and y = y + b, with x, a, b leaves of shape (4,)
float32 that require grad; then y.sum() and backward, so a and b also accumulate `length/2`
gradients each. Reported in µs per op: the whole call divided by `length + 1` (the sum).
micrograd works on scalars: its leaves are single Values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..harness import time_per_call
from .case import Case

TITLE = "2. Per-op overhead: (4,) float32 elementwise chain, forward + backward"
UNIT = "µs/op"
FRAMEWORKS = ("autograd_mini", "torch", "micrograd", "autograd", "mygrad")


def cases(quick: bool) -> list[Case]:
    length = 20 if quick else 200
    budget = 0.05 if quick else 1.0
    return [Case(f"chain of {length}", {"length": length}, FRAMEWORKS, budget)]


def display(seconds: float, params: dict[str, Any]) -> float:
    return seconds * 1e6


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    length = params["length"]
    rng = np.random.default_rng(0)
    x, a, b = (rng.uniform(0.9, 1.1, 4).astype(np.float32) for _ in range(3))
    fn = BUILDERS[framework](x, a, b, length)
    timing = time_per_call(fn, budget_s=budget_s, warmup=3)
    ops = length + 1
    return {**timing, "seconds": timing["seconds"] / ops, "min_seconds":
            timing["min_seconds"] / ops, "ops_per_call": ops}


def chain(y: Any, a: Any, b: Any, length: int) -> Any:
    """The workload itself, the same code for every framework: `length` ops y·a, y + b, ..."""
    for _ in range(length // 2):
        y = y * a
        y = y + b
    return y


def _autograd_mini(x: np.ndarray, a: np.ndarray, b: np.ndarray, length: int) -> Callable:
    import autograd_mini as am

    tx, ta, tb = (am.tensor(v, requires_grad=True) for v in (x, a, b))

    def run() -> None:
        tx.grad = ta.grad = tb.grad = None
        chain(tx, ta, tb, length).sum().backward()

    return run


def _torch(x: np.ndarray, a: np.ndarray, b: np.ndarray, length: int) -> Callable:
    import torch

    tx, ta, tb = (torch.tensor(v, requires_grad=True) for v in (x, a, b))

    def run() -> None:
        tx.grad = ta.grad = tb.grad = None
        chain(tx, ta, tb, length).sum().backward()

    return run


def _mygrad(x: np.ndarray, a: np.ndarray, b: np.ndarray, length: int) -> Callable:
    import mygrad as mg

    tx, ta, tb = (mg.tensor(v) for v in (x, a, b))

    def run() -> None:
        chain(tx, ta, tb, length).sum().backward()

    return run


def _hips_autograd(x: np.ndarray, a: np.ndarray, b: np.ndarray, length: int) -> Callable:
    import autograd.numpy as anp
    from autograd import grad

    def loss(leaves: tuple[Any, Any, Any]) -> Any:
        return anp.sum(chain(*leaves, length))

    gradient = grad(loss)
    leaves = (x, a, b)

    def run() -> None:
        gradient(leaves)

    return run


def _micrograd(x: np.ndarray, a: np.ndarray, b: np.ndarray, length: int) -> Callable:
    from micrograd.engine import Value

    vx, va, vb = (Value(float(v[0])) for v in (x, a, b))

    def run() -> None:
        vx.grad = va.grad = vb.grad = 0
        (chain(vx, va, vb, length) + 0.0).backward()  # one op standing in for the tensors' sum

    return run


BUILDERS: dict[str, Callable[..., Callable[[], None]]] = {
    "autograd_mini": _autograd_mini,
    "torch": _torch,
    "mygrad": _mygrad,
    "autograd": _hips_autograd,
    "micrograd": _micrograd,
}
