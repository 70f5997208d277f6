"""Workload 3: micrograd's demo — a 2-16-16-1 ReLU MLP on two moons, hinge loss + L2.

One training step as in micrograd's demo notebook: scores for all points, mean of
relu(1 − y·score), plus 1e-4·Σθ², backward, then θ ← θ − lr·∇ with lr = 1 − 0.9·k/100.
"scalar" builds one graph node per scalar, exactly as micrograd does (autograd_mini, PyTorch
and MyGrad with 0-d tensors; HIPS autograd over Python floats); micrograd runs its own
`micrograd.nn.MLP` with the garbage collector on. "batched" is the same step on (points, 2)
float64 arrays. Reported in ms per step.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..harness import time_per_call
from .case import Case
from .common import make_moons

TITLE = "3. micrograd demo: 2-16-16-1 MLP, two moons, hinge + L2, one step"
UNIT = "ms/step"
LAYOUT = ((2, 16, True), (16, 16, True), (16, 1, False))  # (fan_in, fan_out, relu after)
ALPHA = 1e-4
SCALAR_FRAMEWORKS = ("autograd_mini", "torch", "micrograd", "autograd", "mygrad")
BATCHED_FRAMEWORKS = ("autograd_mini", "torch", "autograd", "mygrad")


def cases(quick: bool) -> list[Case]:
    points = 10 if quick else 100
    budget = 0.05 if quick else 2.0
    return [
        Case(f"scalar nodes, {points} pts", {"mode": "scalar", "points": points},
             SCALAR_FRAMEWORKS, budget),
        Case(f"batched, {points} pts", {"mode": "batched", "points": points},
             BATCHED_FRAMEWORKS, budget / 2),
    ]


def display(seconds: float, params: dict[str, Any]) -> float:
    return seconds * 1e3


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    points, labels = make_moons(params["points"])
    weights = _init_weights()
    if params["mode"] == "scalar":
        step = _scalar_step(framework, points, labels, weights)
    else:
        step = _batched_step(framework, points, labels, weights)
    return time_per_call(step, budget_s=budget_s, warmup=1)


def _init_weights(seed: int = 0) -> list[np.ndarray]:
    """micrograd's Neuron init: w ~ U(−1, 1), b = 0; W shaped (in, out)."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    for fan_in, fan_out, _ in LAYOUT:
        out += [rng.uniform(-1, 1, (fan_in, fan_out)), np.zeros(fan_out)]
    return out


def _learning_rates() -> itertools.cycle:
    return itertools.cycle([1.0 - 0.9 * k / 100 for k in range(100)])


# ---- one node per scalar ----------------------------------------------------------------------
def _neurons(weights: list[np.ndarray]) -> list[float]:
    """Flatten to micrograd's parameter order: per layer, per neuron, its weights then bias."""
    flat: list[float] = []
    for layer in range(len(LAYOUT)):
        w, b = weights[2 * layer], weights[2 * layer + 1]
        for j in range(w.shape[1]):
            flat += [float(v) for v in w[:, j]] + [float(b[j])]
    return flat


def scalar_loss(params: Sequence[Any], rows: list[list[Any]], labels: list[float],
                relu: Callable[[Any], Any]) -> Any:
    """micrograd's demo loss, op for op: b + Σ wᵢxᵢ per neuron, hinge, mean, L2."""
    scores = []
    for x in rows:
        index = 0
        for fan_in, fan_out, nonlinear in LAYOUT:
            outputs = []
            for _ in range(fan_out):
                w, b = params[index:index + fan_in], params[index + fan_in]
                index += fan_in + 1
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                outputs.append(relu(act) if nonlinear else act)
            x = outputs
        scores.append(x[0])
    losses = [relu(1 + -yi * score) for yi, score in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params)
    return data_loss + reg_loss


def _scalar_step(framework: str, points: np.ndarray, labels: np.ndarray,
                 weights: list[np.ndarray]) -> Callable[[], None]:
    flat = _neurons(weights)
    rows = [[float(v) for v in row] for row in points]
    ys = [float(v) for v in labels]
    rates = _learning_rates()
    if framework == "micrograd":
        return _micrograd_step(flat, rows, ys, rates)
    if framework == "autograd":
        from autograd import grad

        gradient = grad(lambda params: scalar_loss(params, rows, ys, _hips_relu))
        state = {"params": flat}

        def functional_step() -> None:
            lr = next(rates)
            grads = gradient(state["params"])
            state["params"] = [p - lr * g for p, g in zip(state["params"], grads)]

        return functional_step
    const, param, relu, update = _framework_api(framework)
    params = [param(v) for v in flat]

    def step() -> None:
        inputs = [[const(v) for v in row] for row in rows]  # micrograd: list(map(Value, row))
        loss = scalar_loss(params, inputs, ys, relu)
        update(params, loss, next(rates))

    return step


def _hips_relu(v: Any) -> Any:
    import autograd.numpy as anp

    return anp.maximum(v, 0.0)


def _framework_api(framework: str) -> tuple[Callable, Callable, Callable, Callable]:
    """(constant, parameter, relu, zero-grad + backward + SGD update) for tensors of any
    shape, 0-d included."""
    if framework == "autograd_mini":
        import autograd_mini as am

        def am_update(params: list[Any], loss: Any, lr: float) -> None:
            for p in params:
                p.grad = None
            loss.backward()
            for p in params:
                p.data -= lr * p.grad.data

        return (am.tensor, lambda v: am.tensor(v, requires_grad=True), am.relu, am_update)
    if framework == "torch":
        import torch

        def torch_update(params: list[Any], loss: Any, lr: float) -> None:
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad

        return (lambda v: torch.tensor(v, dtype=torch.float64),
                lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True),
                torch.relu, torch_update)
    if framework == "mygrad":
        import mygrad as mg
        from mygrad.nnet.activations import relu

        def mygrad_update(params: list[Any], loss: Any, lr: float) -> None:
            loss.backward()  # replaces each .grad
            for p in params:
                p.data -= lr * p.grad

        return (lambda v: mg.tensor(v, constant=True), mg.tensor, relu, mygrad_update)
    raise ValueError(f"no scalar form for framework {framework!r}")


def _micrograd_step(flat: list[float], rows: list[list[float]], ys: list[float],
                    rates: itertools.cycle) -> Callable[[], None]:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(2, [16, 16, 1])
    for p, v in zip(model.parameters(), flat):
        p.data = v

    def step() -> None:  # the demo notebook's loop body
        inputs = [list(map(Value, row)) for row in rows]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * score).relu() for yi, score in zip(ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        lr = next(rates)
        for p in model.parameters():
            p.data -= lr * p.grad

    return step


# ---- batched ------------------------------------------------------------------------------------
def _batched_step(framework: str, points: np.ndarray, labels: np.ndarray,
                  weights: list[np.ndarray]) -> Callable[[], None]:
    y = labels[:, None]  # (points, 1)
    rates = _learning_rates()
    if framework == "autograd":
        import autograd.numpy as anp
        from autograd import grad

        def loss(params: list[Any]) -> Any:
            h = points
            for i, (_, _, nonlinear) in enumerate(LAYOUT):
                h = anp.dot(h, params[2 * i]) + params[2 * i + 1]  # (points, fan_out)
                if nonlinear:
                    h = anp.maximum(h, 0.0)
            data_loss = anp.mean(anp.maximum(1 - h * y, 0.0))
            return data_loss + ALPHA * sum(anp.sum(p * p) for p in params)

        gradient = grad(loss)
        params = [w.copy() for w in weights]

        def functional_step() -> None:
            lr = next(rates)
            for p, g in zip(params, gradient(params)):
                p -= lr * g

        return functional_step
    const, param, relu, update = _framework_api(framework)
    params = [param(w.copy()) for w in weights]
    dense = _dense(framework)
    x_in, y_in = const(points), const(y)

    def step() -> None:
        h = x_in
        for i, (_, _, nonlinear) in enumerate(LAYOUT):
            h = dense(h, params[2 * i], params[2 * i + 1])  # (points, fan_out)
            if nonlinear:
                h = relu(h)
        data_loss = relu(1 - h * y_in).mean()
        loss = data_loss + ALPHA * sum((p * p).sum() for p in params)
        update(params, loss, next(rates))

    return step


def _dense(framework: str) -> Callable[[Any, Any, Any], Any]:
    """x W + b: autograd_mini's fused node; the others' matmul and add."""
    if framework == "autograd_mini":
        import autograd_mini as am

        return am.linear
    return lambda x, w, b: x @ w + b
