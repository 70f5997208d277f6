"""The engine hands fresh VJP results to `.grad` without copying; it must never share them."""

from __future__ import annotations

import numpy as np

import autograd_mini as am
from autograd_mini.engine import apply
from autograd_mini.registry import Primitive


def test_leaves_fed_the_same_passed_through_gradient_get_separate_arrays():
    a = am.tensor([1.0, 2.0], requires_grad=True)
    b = am.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # add passes one array g to both parents
    assert a.grad is not b.grad
    a.grad *= 10.0  # what clipping and optimizers do
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_one_fresh_array_returned_for_two_parents_is_not_shared():
    def forward(x, y):
        return x + y

    def vjp(g, out, inputs, needs, xp):
        fresh = g * 1.0
        return fresh, fresh  # the same new array for both inputs

    both = Primitive("both", forward, vjp, None, "both(a, b);  ∂/∂a = g, ∂/∂b = g")
    a = am.tensor([1.0], requires_grad=True)
    b = am.tensor([2.0], requires_grad=True)
    apply(both, (a, b), {}).sum().backward()
    assert a.grad is not b.grad
    a.grad += 1.0
    np.testing.assert_array_equal(b.grad, [1.0])


def test_gradient_of_a_matmul_weight_is_owned_writable_and_correct():
    x = am.tensor(np.arange(6.0).reshape(3, 2))
    w = am.tensor(np.ones((2, 2)), requires_grad=True)
    (x @ w).sum().backward()
    assert w.grad.data.flags.writeable and w.grad.data.base is None
    np.testing.assert_array_equal(w.grad, x.data.T @ np.ones((3, 2)))


def test_0d_leaf_gradients_are_writable_arrays():
    x = am.tensor(0.0, requires_grad=True)
    y = am.tensor(0.0, requires_grad=True)
    (x - y).backward()
    assert isinstance(x.grad, am.Tensor) and x.grad.data.flags.writeable
    assert isinstance(y.grad, am.Tensor) and y.grad.data.flags.writeable
    assert y.grad == -1.0
