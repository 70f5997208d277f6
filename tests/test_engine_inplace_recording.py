"""`x += y` (and -=, *=, /=) on a value that takes part in the graph is recorded, as `x[i] = y`
is: x becomes the output of the op (PyTorch's rule; HIPS autograd rebinds the name), so the
course's `cost_sum += err_sqr` accumulates every term's gradient. A leaf that requires grad is
still refused while recording."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def test_a_sum_accumulated_in_a_loop_keeps_every_term():
    """Raised 'in-place change of a tensor that requires grad' before."""
    w = am.tensor([0.5, -1.0, 2.0], requires_grad=True)
    total = 0
    for k in range(3):
        total += (w[k] * (k + 1.0)) ** 2
    total.backward()
    np.testing.assert_allclose(w.grad.data, 2 * w.data * np.array([1.0, 4.0, 9.0]))


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_each_update_matches_torch(op):
    torch = pytest.importorskip("torch")
    a0, b0 = np.array([1.5, -2.0]), np.array([0.5, 4.0])

    def run(tensor, a, b):
        x = a * 3.0
        for _ in range(2):
            if op == "+=":
                x += b * a
            elif op == "-=":
                x -= b * a
            elif op == "*=":
                x *= b * a
            else:
                x /= b * a
        return x.sum()

    a, b = am.tensor(a0, requires_grad=True), am.tensor(b0, requires_grad=True)
    run(am, a, b).backward()
    ta = torch.tensor(a0, requires_grad=True)
    tb = torch.tensor(b0, requires_grad=True)
    run(torch, ta, tb).backward()
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(b.grad.data, tb.grad.numpy(), rtol=1e-13)


def test_a_constant_tensor_that_accumulates_a_recorded_value_joins_the_graph():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    total = am.tensor(np.zeros(2))
    memory = total.data
    total += w * w
    np.testing.assert_array_equal(memory, [1.0, 4.0])  # the same memory was updated
    view = total[:]  # a view taken after the write is part of the graph
    (total.sum() + (view * 3.0).sum()).backward()
    np.testing.assert_allclose(w.grad.data, [8.0, 16.0])  # d/dw (w² + 3w²)


def test_a_backward_through_the_value_before_the_update_is_refused():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    h = w * 2.0
    earlier = h.exp().sum()  # exp saved h's old value
    h += w
    with pytest.raises(am.AutogradError, match="modified in place"):
        earlier.backward()


def test_an_update_that_would_change_the_shape_says_so():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    h = w * 1.0
    with pytest.raises(am.ShapeError, match=r"\+=: .*shape \(3, 2\).*\(2,\)"):
        h += am.tensor(np.ones((3, 2)))
    np.testing.assert_array_equal(h.data, [1.0, 2.0])
