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


def _set_then_update(x):
    """x[i] = y and x op= y on values that carry forward-mode tangents."""
    y = x * 2.0
    y[0] = x[1] ** 2  # a tangent written into a tensor that has one
    y += x ** 2
    y *= x
    z = am.tensor(np.zeros(3))
    z[1] = x[2] * x[0]  # a tangent written into a constant
    z -= x
    return y + z


def _central(f, x, v, eps=1e-6):
    return (np.asarray(f(x + eps / 2 * v)) - np.asarray(f(x - eps / 2 * v))) / eps


def test_forward_mode_follows_assignments_and_in_place_updates():
    """jvp kept the tangent a tensor had before `x[i] = y` or `x += y` (the plain in-place
    path ran, as no input requires grad in forward mode): wrong derivatives, silently. HIPS's
    test_graphs.py test_assignment_raises_error found it (tangent 1 where 0 was due)."""
    from autograd_mini.func import hessian, jacfwd, jacrev, jvp

    x, v = np.array([0.5, -1.5, 2.0]), np.array([1.0, 2.0, 3.0])
    _, tangent = jvp(_set_then_update, (x,), (v,))
    np.testing.assert_allclose(tangent, _central(_set_then_update, x, v), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jacfwd(_set_then_update)(x), jacrev(_set_then_update)(x),
                               rtol=1e-12)

    def cost(x):
        return am.sum(_set_then_update(x) ** 2)

    np.testing.assert_allclose(hessian(cost)(x), jacrev(jacrev(cost))(x), rtol=1e-10)

    def into_the_input(a):  # a jvp input is a leaf that does not require grad
        a[1] = 3.0
        return a * 1.0

    _, tangent = jvp(into_the_input, (x.copy(),), (v,))
    np.testing.assert_array_equal(tangent, [1.0, 0.0, 3.0])

    def under_no_grad(x):
        y = x * 2.0
        with am.no_grad():
            y[0] = x[1] ** 2
            y += x
        return y

    _, tangent = jvp(under_no_grad, (x,), (v,))
    np.testing.assert_allclose(tangent, _central(under_no_grad, x, v), rtol=1e-6, atol=1e-8)
