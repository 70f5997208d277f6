"""Workload 11 (optional, `--only mnist_cnn`): wall time to 99% MNIST test accuracy with a CNN.

The network of examples/10_mnist_cnn.py without its dropout (so both frameworks compute the
same numbers from the same start): conv 1→16 5×5 pad 2, ReLU, max-pool 2, conv 16→32 5×5 pad 2,
ReLU, max-pool 2, flatten, dense 1568→128, ReLU, dense 128→10, softmax cross-entropy; float32,
PyTorch's default init U(±1/√fan_in) drawn by numpy. Adam with lr 1e-3 · 0.8^(epoch − 1),
batch 128, pixels standardised, the same seeded shuffle each epoch; after each epoch the test
accuracy is measured and training stops at >= 99% or after `max_epochs`. The reported time is
training plus per-epoch evaluation (data loading excluded). Reads the four gzipped IDX files
from `--mnist-dir`; skipped when missing.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .case import Case
from .mnist import load

TITLE = "11. Time to 99% MNIST test accuracy with a two-convolution CNN (Adam, batch 128)"
UNIT = "s"
FRAMEWORKS = ("autograd_mini", "torch")
TARGET = 0.99
LR_DECAY = 0.8  # per epoch
EVAL_CHUNK = 1000
# (shape, fan_in) of conv1 w, b, conv2 w, b, dense1 W (in, out), b, dense2 W, b
SHAPES = [((16, 1, 5, 5), 25), ((16,), 25), ((32, 16, 5, 5), 400), ((32,), 400),
          ((1568, 128), 1568), ((128,), 1568), ((128, 10), 128), ((10,), 128)]


def cases(quick: bool, data_dir: str = "../shared/data/mnist") -> list[Case]:
    params = {"data_dir": data_dir, "max_epochs": 1 if quick else 8, "batch": 128, "lr": 1e-3,
              "train_limit": 2000 if quick else None}
    return [Case("to 99% test acc", params, FRAMEWORKS, timeout_s=3600.0)]


def display(seconds: float, params: dict[str, Any]) -> float:
    return seconds


def _weights() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.uniform(-1, 1, shape).astype(np.float32) / np.float32(np.sqrt(fan))
            for shape, fan in SHAPES]


def _autograd_mini(weights: list[np.ndarray], lr: float) -> tuple[Any, Any, Any]:
    import autograd_mini as am
    import nn

    F = nn.functional
    params = [nn.Parameter(w.copy()) for w in weights]
    w1, b1, w2, b2, w3, b3, w4, b4 = params
    optimizer = nn.optim.Adam(params, lr=lr)

    def logits(x: np.ndarray) -> Any:  # (batch, 1, 28, 28) -> (batch, 10)
        h = F.max_pool2d(am.relu(F.conv2d(x, w1, b1, padding=2)), 2)  # (batch, 16, 14, 14)
        h = F.max_pool2d(am.relu(F.conv2d(h, w2, b2, padding=2)), 2)  # (batch, 32, 7, 7)
        h = am.relu(F.linear(h.reshape(len(x), 1568), w3, b3))
        return F.linear(h, w4, b4)

    def step(x: np.ndarray, y: np.ndarray) -> None:
        loss = F.cross_entropy(logits(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def predict(x: np.ndarray) -> np.ndarray:
        with am.no_grad():
            return logits(x).numpy()

    def set_lr(value: float) -> None:
        for group in optimizer.param_groups:
            group["lr"] = value

    return step, predict, set_lr


def _torch(weights: list[np.ndarray], lr: float) -> tuple[Any, Any, Any]:
    import torch

    F = torch.nn.functional
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    w1, b1, w2, b2, w3, b3, w4, b4 = params
    optimizer = torch.optim.Adam(params, lr=lr)

    def logits(x: Any) -> Any:
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding=2)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding=2)), 2)
        h = F.relu(h.reshape(len(x), 1568) @ w3 + b3)
        return h @ w4 + b4

    def step(x: np.ndarray, y: np.ndarray) -> None:
        loss = F.cross_entropy(logits(torch.from_numpy(x)), torch.from_numpy(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def predict(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return logits(torch.from_numpy(x)).numpy()

    def set_lr(value: float) -> None:
        for group in optimizer.param_groups:
            group["lr"] = value

    return step, predict, set_lr


def measure(framework: str, params: dict[str, Any], budget_s: float) -> dict[str, Any]:
    data = load(params["data_dir"])
    x = data["train_images"].reshape(-1, 1, 28, 28)  # (n, 784) -> (n, 1, 28, 28)
    y = data["train_labels"]
    if params.get("train_limit"):
        x, y = x[:params["train_limit"]], y[:params["train_limit"]]
    x_test = data["test_images"].reshape(-1, 1, 28, 28)
    builder = _autograd_mini if framework == "autograd_mini" else _torch
    step, predict, set_lr = builder(_weights(), params["lr"])
    rng = np.random.default_rng(0)
    batch = params["batch"]
    history = []
    start = time.perf_counter()
    for epoch in range(1, params["max_epochs"] + 1):
        set_lr(params["lr"] * LR_DECAY ** (epoch - 1))
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch):
            index = order[i:i + batch]
            step(x[index], y[index])
        predicted = np.concatenate([np.argmax(predict(x_test[i:i + EVAL_CHUNK]), axis=1)
                                    for i in range(0, len(x_test), EVAL_CHUNK)])
        accuracy = float(np.mean(predicted == data["test_labels"]))
        history.append({"epoch": epoch, "test_accuracy": accuracy,
                        "elapsed_s": time.perf_counter() - start})
        if accuracy >= TARGET:
            break
    return {"seconds": time.perf_counter() - start, "epochs": len(history),
            "test_accuracy": history[-1]["test_accuracy"],
            "reached": history[-1]["test_accuracy"] >= TARGET, "history": history}
