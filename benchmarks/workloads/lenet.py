"""Workload 6: a LeNet-style CNN's training step on 28×28 images (float32, SGD).

conv 1→6 5×5 pad 2, ReLU, max-pool 2, conv 6→16 5×5, ReLU, max-pool 2, flatten, dense 400→10,
softmax cross-entropy; the same weights (drawn by numpy) in every framework. Reported as
samples per second. The `numpy` pseudo-framework times the step's im2col products alone
(forward, weight and input gradients of both convolutions, through `am.conv`'s own kernels on
arrays): the floor an im2col engine cannot beat, as the MLP table's matmul floor is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..harness import time_per_call
from .case import Case

TITLE = "6. LeNet-style CNN training step (conv5-pool-conv5-pool-dense), SGD, float32"
UNIT = "samples/s"
FRAMEWORKS = ("autograd_mini", "torch")
LR = 0.01


def cases(quick: bool) -> list[Case]:
    batches = (64,) if quick else (64, 256)
    budget = 0.05 if quick else 1.0
    out = [Case(f"sgd b{batch}", {"batch": batch}, FRAMEWORKS, budget) for batch in batches]
    out += [Case(f"floor b{batch}", {"batch": batch, "floor": True}, ("numpy",), budget)
            for batch in batches]
    return out


def display(seconds: float, params: dict[str, Any]) -> float:
    return params["batch"] / seconds


def _weights() -> list[np.ndarray]:
    """PyTorch's default init U(±1/√fan_in), drawn by numpy so every framework starts alike."""
    rng = np.random.default_rng(0)
    shapes = [((6, 1, 5, 5), 25), ((6,), 25), ((16, 6, 5, 5), 150), ((16,), 150),
              ((400, 10), 400), ((10,), 400)]
    return [rng.uniform(-1, 1, shape).astype(np.float32) / np.float32(np.sqrt(fan))
            for shape, fan in shapes]


def _data(batch: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(1)
    return [(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32),
             rng.integers(0, 10, batch)) for _ in range(4)]


def _am_step(weights: list[np.ndarray]) -> Any:
    import autograd_mini as am
    import nn

    params = [nn.Parameter(w.copy()) for w in weights]
    w1, b1, w2, b2, w3, b3 = params
    F = nn.functional
    optimizer = nn.optim.SGD(params, lr=LR)

    def step(x: np.ndarray, y: np.ndarray) -> float:
        h = F.max_pool2d(am.relu(F.conv2d(x, w1, b1, padding=2)), 2)  # (batch, 6, 14, 14)
        h = F.max_pool2d(am.relu(F.conv2d(h, w2, b2)), 2)  # (batch, 16, 5, 5)
        loss = F.cross_entropy(F.linear(h.reshape(len(x), 400), w3, b3), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return float(loss.item())

    return step


def _torch_step(weights: list[np.ndarray]) -> Any:
    import torch

    F = torch.nn.functional
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    w1, b1, w2, b2, w3, b3 = params
    optimizer = torch.optim.SGD(params, lr=LR)

    def step(x: np.ndarray, y: np.ndarray) -> float:
        h = F.max_pool2d(F.relu(F.conv2d(torch.from_numpy(x), w1, b1, padding=2)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2)), 2)
        loss = F.cross_entropy(h.reshape(len(x), 400) @ w3 + b3, torch.from_numpy(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return float(loss.item())

    return step


def _floor(weights: list[np.ndarray], batch: int) -> Any:
    """The five convolution kernels of one step on arrays (no graph, no pooling, no dense)."""
    from autograd_mini.ops.conv import CONV, CONV_TRANSPOSE, CONV_WEIGHT

    w1, _, w2, _, _, _ = weights
    rng = np.random.default_rng(2)
    x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
    h = rng.standard_normal((batch, 6, 14, 14)).astype(np.float32)
    g1 = rng.standard_normal((batch, 6, 28, 28)).astype(np.float32)
    g2 = rng.standard_normal((batch, 16, 10, 10)).astype(np.float32)
    same = {"stride": (1, 1), "padding": ((2, 2), (2, 2)), "dilation": (1, 1), "groups": 1}
    valid = {**same, "padding": ((0, 0), (0, 0))}

    def kernels() -> None:
        CONV.forward(x, w1, **same)
        CONV.forward(h, w2, **valid)
        CONV_WEIGHT.forward(h, g2, shape=w2.shape, **valid)
        CONV_TRANSPOSE.forward(g2, w2, shape=h.shape, **valid)
        CONV_WEIGHT.forward(x, g1, shape=w1.shape, **same)

    return kernels


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    batch = params["batch"]
    weights = _weights()
    if params.get("floor"):
        return time_per_call(_floor(weights, batch), budget_s=budget_s, warmup=2)
    data = _data(batch)
    step = _am_step(weights) if framework == "autograd_mini" else _torch_step(weights)
    counter = iter(range(10**12))
    timing = time_per_call(lambda: step(*data[next(counter) % len(data)]), budget_s=budget_s,
                           warmup=2)
    return {**timing, "final_loss": step(*data[0])}
