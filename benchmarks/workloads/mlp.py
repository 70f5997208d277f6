"""Workload 1: a 784-256-128-10 ReLU classifier's training step (float32), SGD and Adam.

Reported as samples per second. The `numpy` pseudo-framework times the step's matrix products
alone — the floor no numpy engine can beat: the forward's three products and the backward's
five (the first layer's input gradient is not needed). The same products are timed in PyTorch
(its MKL), so the table shows how much of any gap is the BLAS library rather than the engine.
micrograd is left out: one Python object per scalar makes a 784-wide layer take seconds per
step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..harness import time_per_call
from .case import Case
from .common import init_weights, synthetic_batches
from .models import am_style, build_classifier

TITLE = "1. MLP training step 784-256-128-10, ReLU, softmax CE, float32"
UNIT = "samples/s"
SIZES = (784, 256, 128, 10)
LEARNING_RATES = {"sgd": 0.01, "adam": 1e-3}
FRAMEWORKS = ("autograd_mini", "torch", "autograd", "mygrad")


def cases(quick: bool) -> list[Case]:
    batches = (32,) if quick else (32, 128, 1024)
    budget = 0.05 if quick else 1.0
    out = [
        Case(f"{opt} b{batch}", {"optimizer": opt, "batch": batch}, FRAMEWORKS, budget)
        for opt in ("sgd", "adam")
        for batch in batches
    ]
    out += [Case(f"floor b{batch}", {"floor": True, "batch": batch}, ("numpy", "torch"), budget)
            for batch in batches]
    return out


def display(seconds: float, params: dict[str, Any]) -> float:
    return params["batch"] / seconds


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    batch = params["batch"]
    data = synthetic_batches(batch, SIZES[0], SIZES[-1])
    weights = init_weights(SIZES)
    if params.get("floor"):
        products = _torch_matmul_floor if framework == "torch" else _matmul_floor
        return time_per_call(products(weights, data), budget_s=budget_s, warmup=3)
    optimizer = params["optimizer"]
    extra: dict[str, Any] = {}
    if framework == "autograd_mini":
        extra["am_style"], extra["am_style_reason"] = am_style(params.get("am_style", "auto"))
    model = build_classifier(framework, weights, optimizer, LEARNING_RATES[optimizer],
                             params.get("am_style", "auto"))
    counter = iter(range(10**12))

    def step() -> None:
        x, y = data[next(counter) % len(data)]
        model.step(x, y)

    timing = time_per_call(step, budget_s=budget_s, warmup=3)
    loss = model.step(*data[0])
    extra["final_loss"] = float(np.asarray(loss.item() if hasattr(loss, "item") else loss))
    return {**timing, **extra}


def _floor_operands(weights: list[np.ndarray], data: list[tuple[np.ndarray, np.ndarray]]
                    ) -> tuple[np.ndarray, ...]:
    """x, W1, W2, W3 and stand-ins for h1, h2 and the gradients g3, g2, g1 (float32)."""
    w1, _, w2, _, w3, _ = weights
    x = data[0][0]
    rng = np.random.default_rng(2)
    h1 = rng.random((len(x), w1.shape[1]), dtype=np.float32)  # (batch, 256)
    h2 = rng.random((len(x), w2.shape[1]), dtype=np.float32)  # (batch, 128)
    g3 = rng.random((len(x), w3.shape[1]), dtype=np.float32)  # (batch, 10) dL/dlogits
    return x, w1, w2, w3, h1, h2, g3, h2.copy(), h1.copy()  # g2, g1 stand in for dL/dz2, dz1


def _torch_matmul_floor(weights: list[np.ndarray],
                        data: list[tuple[np.ndarray, np.ndarray]]) -> Any:
    """The same eight products in PyTorch's BLAS: how much of the MLP gap is the library."""
    import torch

    x, w1, w2, w3, h1, h2, g3, g2, g1 = (torch.from_numpy(a) for a in
                                         _floor_operands(weights, data))

    def products() -> None:
        with torch.no_grad():
            _ = x @ w1, h1 @ w2, h2 @ w3
            _ = h2.T @ g3, g3 @ w3.T, h1.T @ g2, g2 @ w2.T, x.T @ g1

    return products


def _matmul_floor(weights: list[np.ndarray], data: list[tuple[np.ndarray, np.ndarray]]) -> Any:
    """The eight products of one step on arrays of the right shapes and dtype."""
    x, w1, w2, w3, h1, h2, g3, g2, g1 = _floor_operands(weights, data)

    def products() -> None:
        _ = x @ w1, h1 @ w2, h2 @ w3  # forward
        _ = h2.T @ g3, g3 @ w3.T, h1.T @ g2, g2 @ w2.T, x.T @ g1  # backward: dW3 dh2 dW2 dh1 dW1

    return products
