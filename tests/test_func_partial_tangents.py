"""Forward mode with tangents on some inputs only (the others are constants, such as a layer's
bias in jvp with respect to the input): each op's JVP must accept a missing tangent."""

from __future__ import annotations

import numpy as np

import autograd_mini as am
from autograd_mini.func import jacfwd, jacrev, jvp


def test_linear_with_a_tangent_on_x_only():
    """Raised 'truth value of an array is ambiguous' (the bias-only test compared tensors)."""
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    v = rng.normal(size=(4, 3))
    _, tangent = jvp(lambda x: am.linear(x, W, b), (x,), (v,))
    np.testing.assert_allclose(tangent, v @ W, rtol=1e-14)
    _, tangent = jvp(lambda b: am.linear(x, W, b), (b,), (np.ones(2),))
    np.testing.assert_allclose(tangent, np.ones((4, 2)))


def test_jacfwd_moves_one_argument_per_pass_and_agrees_with_jacrev():
    rng = np.random.default_rng(1)
    x, W, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    forward = jacfwd(am.linear, (0, 1, 2))(x, W, b)
    reverse = jacrev(am.linear, (0, 1, 2))(x, W, b)
    for jf, jr in zip(forward, reverse):
        np.testing.assert_allclose(jf, jr, rtol=1e-14, atol=1e-15)
