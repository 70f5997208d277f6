"""Shared pieces: seeded weights and data, and the numpy optimizers for frameworks without one.

Every framework starts from the same weights (PyTorch's default Linear distribution, drawn by
numpy) and sees the same data, so only the engine differs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Weights = list[np.ndarray]  # [W1, b1, W2, b2, ...]; W shaped (in, out), b shaped (out,)


def init_weights(sizes: Sequence[int], dtype: type = np.float32, seed: int = 0) -> Weights:
    """W, b ~ U(−k, k), k = 1/√fan_in, for each layer of `sizes` (PyTorch's default)."""
    rng = np.random.default_rng(seed)
    weights: Weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        k = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-k, k, (fan_in, fan_out)).astype(dtype))
        weights.append(rng.uniform(-k, k, fan_out).astype(dtype))
    return weights


def synthetic_batches(
    batch: int, features: int, classes: int, count: int = 4, seed: int = 1
) -> list[tuple[np.ndarray, np.ndarray]]:
    """`count` random float32 batches (pixels in [0, 1)) with int64 labels, cycled by steps."""
    rng = np.random.default_rng(seed)
    return [
        (rng.random((batch, features), dtype=np.float32), rng.integers(0, classes, batch))
        for _ in range(count)
    ]


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles (scikit-learn's make_moons); labels in {−1, +1}."""
    rng = np.random.default_rng(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n_inner)
    x = np.concatenate([np.cos(outer), 1 - np.cos(inner)])
    y = np.concatenate([np.sin(outer), 1 - np.sin(inner) - 0.5])
    points = np.stack([x, y], axis=1) + rng.normal(scale=noise, size=(n, 2))
    labels = np.concatenate([-np.ones(n_outer), np.ones(n_inner)])
    return points, labels


class NumpySGD:
    """θ ← θ − lr·g, in place on the parameter arrays."""

    def __init__(self, params: Sequence[np.ndarray], lr: float) -> None:
        self.params = list(params)
        self.lr = lr

    def step(self, grads: Sequence[np.ndarray]) -> None:
        for param, grad in zip(self.params, grads):
            param -= self.lr * grad


class NumpyAdam:
    """PyTorch's Adam (no weight decay), in place: m, v moments with bias correction."""

    def __init__(self, params: Sequence[np.ndarray], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.params = list(params)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, grads: Sequence[np.ndarray]) -> None:
        self.t += 1
        step_size = self.lr / (1.0 - self.beta1**self.t)
        bias_correction2_sqrt = (1.0 - self.beta2**self.t) ** 0.5
        for param, grad, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.beta1
            m += (1.0 - self.beta1) * grad
            v *= self.beta2
            scratch = np.multiply(grad, grad)
            scratch *= 1.0 - self.beta2
            v += scratch
            denom = np.sqrt(v, out=scratch)
            denom /= bias_correction2_sqrt
            denom += self.eps
            update = np.divide(m, denom, out=denom)
            update *= step_size
            param -= update


def numpy_optimizer(name: str, params: Sequence[np.ndarray], lr: float) -> NumpySGD | NumpyAdam:
    """'sgd' or 'adam' over numpy arrays updated in place."""
    if name == "sgd":
        return NumpySGD(params, lr)
    if name == "adam":
        return NumpyAdam(params, lr)
    raise ValueError(f"unknown optimizer {name!r}; expected 'sgd' or 'adam'")
