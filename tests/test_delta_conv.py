"""The textbook backward of a convolution layer and of max-pooling (nn/delta_conv.py, numpy
only) against autograd: same inputs and weights, a random upstream δ."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
import nn
from nn import delta_conv


@settings(max_examples=10)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(0, 2), st.integers(0, 2**16))
def test_conv_layer_delta_equations_match_autograd(n, c, o, k, stride, padding, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, c, k + 4, k + 3))
    W, b = rng.standard_normal((o, c, k, k)), rng.standard_normal(o)
    z = delta_conv.conv2d_forward(a, W, b, stride, padding)
    ta, tW, tb = (am.tensor(v, requires_grad=True) for v in (a, W, b))
    tz = nn.functional.conv2d(ta, tW, tb, stride=stride, padding=padding)
    np.testing.assert_allclose(z, tz.data, rtol=1e-10, atol=1e-12)
    delta = rng.standard_normal(z.shape)  # ∂C/∂z from whatever follows the layer
    grad_a, grad_W, grad_b = delta_conv.conv2d_backward(a, W, delta, stride, padding)
    (tz * am.tensor(delta)).sum().backward()
    np.testing.assert_allclose(grad_a, ta.grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_W, tW.grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_b, tb.grad, rtol=1e-10, atol=1e-12)


@settings(max_examples=10)
@given(st.integers(2, 3), st.booleans(), st.integers(0, 2**16))
def test_max_pool_delta_routing_matches_autograd(k, ties, seed):
    rng = np.random.default_rng(seed)
    shape = (2, 2, 2 * k + 1, 3 * k)  # a leftover row no window covers
    a = rng.integers(0, 3, shape).astype(float) if ties else rng.standard_normal(shape)
    ta = am.tensor(a, requires_grad=True)
    tz = nn.functional.max_pool2d(ta, k)
    np.testing.assert_array_equal(delta_conv.max_pool2d_forward(a, k), tz.data)
    delta = rng.standard_normal(tz.shape)
    (tz * am.tensor(delta)).sum().backward()
    np.testing.assert_array_equal(delta_conv.max_pool2d_backward(a, delta, k), ta.grad)


def test_small_cnn_end_to_end_against_the_closed_form():
    """conv → relu → max-pool → dense → ½‖·‖²: chain the closed-form steps by hand."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 1, 6, 6))
    W1, b1 = rng.standard_normal((2, 1, 3, 3)), rng.standard_normal(2)
    W2, y = rng.standard_normal((8, 4)), rng.standard_normal((3, 4))
    z1 = delta_conv.conv2d_forward(x, W1, b1)  # (3, 2, 4, 4)
    a1 = np.maximum(z1, 0)
    p1 = delta_conv.max_pool2d_forward(a1, 2)  # (3, 2, 2, 2)
    out = p1.reshape(3, 8) @ W2
    delta_out = out - y  # ½‖out − y‖²
    grad_W2 = p1.reshape(3, 8).T @ delta_out
    delta_p1 = (delta_out @ W2.T).reshape(p1.shape)
    delta_z1 = delta_conv.max_pool2d_backward(a1, delta_p1, 2) * (z1 > 0)
    _, grad_W1, grad_b1 = delta_conv.conv2d_backward(x, W1, delta_z1)

    tW1, tb1, tW2 = (am.tensor(v, requires_grad=True) for v in (W1, b1, W2))
    h = nn.functional.max_pool2d(am.relu(nn.functional.conv2d(x, tW1, tb1)), 2)
    loss = 0.5 * ((h.reshape(3, 8) @ tW2 - y) ** 2).sum()
    loss.backward()
    for closed, auto in ((grad_W1, tW1), (grad_b1, tb1), (grad_W2, tW2)):
        np.testing.assert_allclose(closed, auto.grad, rtol=1e-10, atol=1e-12)


def test_delta_conv_imports_numpy_only():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(delta_conv))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in getattr(node, "names", [])}
    modules = {node.module.split(".")[0] for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and node.module}
    assert (imported | modules) - {"annotations", "numpy", "__future__", "NDArray"} == set()
