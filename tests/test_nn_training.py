"""Smoke test: a small MLP learns two moons to 100% training accuracy with plain SGD."""

from __future__ import annotations

import time

import numpy as np
import pytest

import autograd_mini as am
import nn


def two_moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles: X (2n, 2) float32, labels (2n,) in {0, 1}."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)  # (n, 2)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)  # (n, 2)
    X = np.concatenate([upper, lower]) + rng.normal(scale=noise, size=(2 * n, 2))
    return X.astype(np.float32), np.repeat([0, 1], n)


def sgd_step(model: nn.Module, lr: float) -> None:
    with am.no_grad():
        for p in model.parameters():
            p -= lr * p.grad


@pytest.mark.parametrize("activation", [nn.Tanh, nn.ReLU])
def test_mlp_learns_two_moons_to_full_training_accuracy(activation):
    X, y = two_moons(100, noise=0.1, seed=0)
    model = nn.Sequential(nn.Linear(2, 32, rng=1), activation(), nn.Linear(32, 32, rng=2),
                          activation(), nn.Linear(32, 2, rng=3))
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    first_loss = accuracy = None
    for _ in range(3000):
        logits = model(X)  # (200, 2) float32
        loss = loss_fn(logits, y)
        first_loss = first_loss if first_loss is not None else loss.item()
        accuracy = float((logits.data.argmax(axis=1) == y).mean())
        if accuracy == 1.0:
            break
        model.zero_grad()
        loss.backward()
        sgd_step(model, lr=0.5)
    assert accuracy == 1.0
    assert loss.item() < first_loss / 4
    assert logits.dtype == np.float32 and model[0].weight.dtype == np.float32
    assert time.perf_counter() - start < 10.0  # typically well under a second


def test_mlp_with_batchnorm_and_dropout_trains_and_evaluates():
    X, y = two_moons(100, noise=0.1, seed=1)
    model = nn.Sequential(nn.Linear(2, 64, rng=1), nn.BatchNorm1d(64), nn.ReLU(),
                          nn.Dropout(0.1, rng=0), nn.Linear(64, 2, rng=2))
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(400):
        loss = loss_fn(model(X), y)
        model.zero_grad()
        loss.backward()
        sgd_step(model, lr=0.3)
    model.eval()
    accuracy = (model(X).data.argmax(axis=1) == y).mean()
    assert accuracy >= 0.97
