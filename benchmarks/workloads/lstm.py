"""Workload 6: an LSTM sequence training step (sequence 50, batch 64, hidden 128, float32).

One step = forward over the whole sequence, mean of the squared outputs, backward through time.
Reported in steps per second. Same weights in both frameworks (copied through `state_dict`,
whose names and layouts autograd_mini's `nn.LSTM` shares with PyTorch's). The `numpy` row times
the matrix products of one step alone — one input projection over the whole sequence, and per
step one hidden product forward and two backward, plus the input-weight gradient — the BLAS
floor that no numpy engine can beat.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..harness import time_per_call
from .case import Case

TITLE = "6. LSTM training step, sequence 50, batch 64, input 32, hidden 128, float32"
UNIT = "steps/s"
FRAMEWORKS = ("autograd_mini", "torch")


def cases(quick: bool) -> list[Case]:
    if quick:
        return [Case("s10 b8 h16", {"seq": 10, "batch": 8, "input": 4, "hidden": 16},
                     FRAMEWORKS + ("numpy",), 0.05)]
    params = {"seq": 50, "batch": 64, "input": 32, "hidden": 128}
    return [Case("s50 b64 h128", params, FRAMEWORKS + ("numpy",), 2.0)]


def display(seconds: float, params: dict[str, Any]) -> float:
    return 1.0 / seconds


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((params["seq"], params["batch"], params["input"]),
                            dtype=np.float32)
    step = BUILDERS[framework](x, params["hidden"])
    return time_per_call(step, budget_s=budget_s, warmup=2)


def _weights(inputs: int, hidden: int) -> dict[str, np.ndarray]:
    """PyTorch's default init, U(−1/√hidden, 1/√hidden), seeded, float32."""
    import nn

    layer = nn.LSTM(inputs, hidden, rng=1)
    return {k: np.array(v, dtype=np.float32) for k, v in layer.state_dict().items()}


def _autograd_mini(x: np.ndarray, hidden: int) -> Callable[[], None]:
    import nn

    layer = nn.LSTM(x.shape[-1], hidden, rng=1)

    def step() -> None:
        layer.zero_grad()
        output, _ = layer(x)
        (output * output).mean().backward()

    return step


def _torch(x: np.ndarray, hidden: int) -> Callable[[], None]:
    import torch

    layer = torch.nn.LSTM(x.shape[-1], hidden)
    layer.load_state_dict({k: torch.from_numpy(v) for k, v in
                           _weights(x.shape[-1], hidden).items()})
    xt = torch.from_numpy(x)

    def step() -> None:
        layer.zero_grad()
        output, _ = layer(xt)
        (output * output).mean().backward()

    return step


def _numpy_floor(x: np.ndarray, hidden: int) -> Callable[[], None]:
    seq, batch, inputs = x.shape
    w = _weights(inputs, hidden)
    w_ih, w_hh = w["weight_ih_l0"], w["weight_hh_l0"]  # (4h, in), (4h, h)
    rng = np.random.default_rng(2)
    h = rng.standard_normal((batch, hidden), dtype=np.float32)
    g = rng.standard_normal((batch, 4 * hidden), dtype=np.float32)
    g_all = rng.standard_normal((seq * batch, 4 * hidden), dtype=np.float32)
    flat = x.reshape(seq * batch, inputs)

    def products() -> None:
        _ = flat @ w_ih.T  # forward input projection
        for _ in range(seq):
            _ = h @ w_hh.T  # forward hidden product
            _ = g @ w_hh, h.T @ g  # backward: dh, dW_hh
        _ = g_all.T @ flat  # dW_ih (the input needs no gradient)

    return products


BUILDERS: dict[str, Callable[[np.ndarray, int], Callable[[], None]]] = {
    "autograd_mini": _autograd_mini,
    "torch": _torch,
    "numpy": _numpy_floor,
}
