"""Optimizers update parameters in place, keep their precision and never touch `.grad`."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from nn import optim
from nn.optim.optimizer import subtract_

OPTIMIZERS = {
    "SGD": {"lr": 0.1},
    "SGD-momentum": {"lr": 0.1, "momentum": 0.9},
    "Adagrad": {"lr": 0.1},
    "RMSprop": {"lr": 0.01, "momentum": 0.5},
    "Adam": {"lr": 0.01},
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_is_in_place_and_leaves_the_gradient_alone(name):
    rng = np.random.default_rng(0)
    w = am.Tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
    held = w.data  # a user's reference to the weights (e.g. a view drawn in a plot)
    before = held.copy()
    grad = rng.standard_normal((5, 3)).astype(np.float32)
    w.grad = grad.copy()
    getattr(optim, name.split("-")[0])([w], **OPTIMIZERS[name]).step()
    assert w.data is held and held.dtype == np.float32
    assert not np.array_equal(held, before)
    np.testing.assert_array_equal(w.grad, grad)


def test_subtract_keeps_float64_precision_with_a_float32_update():
    param = np.full(4, 1.0 + 1e-12)
    expected = param - 0.25  # computed in float64: keeps the 1e-12
    subtract_(param, np.full(4, 0.25, dtype=np.float32))
    assert param.dtype == np.float64
    np.testing.assert_array_equal(param, expected)
    assert param[0] - 0.75 > 5e-13  # a float32 intermediate would have rounded it away


def test_subtract_overwrites_only_its_work_array():
    param = np.arange(6.0).reshape(2, 3)
    alias = param[0]  # a view must see the new values
    update = np.ones((2, 3))
    subtract_(param, update)
    np.testing.assert_array_equal(param, np.arange(6.0).reshape(2, 3) - 1)
    np.testing.assert_array_equal(alias, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(update, param)  # the work array now holds θ − update


def test_subtract_broadcast_update_falls_back_to_numpy_rules():
    param = np.zeros((2, 3))
    subtract_(param, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(param, -np.array([[1.0, 2.0, 3.0]] * 2))
