"""Smoke test: a small MLP learns two moons to 100% training accuracy with plain SGD."""

from __future__ import annotations

import sys
import weakref

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
    first_loss = accuracy = None
    steps = 0
    while steps < 3000:
        logits = model(X)  # (200, 2) float32
        loss = loss_fn(logits, y)
        first_loss = first_loss if first_loss is not None else loss.item()
        accuracy = float((logits.data.argmax(axis=1) == y).mean())
        if accuracy == 1.0:
            break
        model.zero_grad()
        loss.backward()
        sgd_step(model, lr=0.5)
        steps += 1
    assert accuracy == 1.0
    assert loss.item() < first_loss / 4
    assert logits.dtype == np.float32 and model[0].weight.dtype == np.float32
    # A step budget, not a time limit: 177 (tanh) and 86 (ReLU) steps were needed when written.
    assert steps < 500


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


# ---- memory: a long training loop (tests/HARDENING.md) ---------------------------------------
def _tiny_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Dropout(0.1, rng=2),
                          nn.Linear(8, 2, rng=1))
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    return X, y, model, optimizer


@pytest.mark.hardening("resources/long-training")
def test_ten_thousand_training_steps_do_not_grow_memory():
    X, y, model, optimizer = _tiny_problem()
    loss_fn = nn.CrossEntropyLoss()
    hidden = []

    def step(i: int) -> float:
        j = (i * 8) % 64
        h = model[0](X[j:j + 8])
        if i % 1000 == 999:
            hidden.append(weakref.ref(h))  # an intermediate of this step's graph
        logits = model[3](model[2](model[1](h)))
        loss = loss_fn(logits, y[j:j + 8])
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    for i in range(1000):  # warm up: optimizer state, caches, lazily created arrays
        step(i)
    blocks = sys.getallocatedblocks()
    losses = [step(i) for i in range(1000, 10_000)]
    growth = sys.getallocatedblocks() - blocks - len(losses)  # the list itself holds floats
    assert growth < 200, f"{growth} Python blocks more after 9000 steps"
    assert all(ref() is None for ref in hidden)  # every step's graph was freed
    assert all(p.is_leaf and isinstance(p.grad, am.Tensor) for p in model.parameters())
    assert np.mean(losses[-500:]) < np.mean(losses[:500])  # and it did train
