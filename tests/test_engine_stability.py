"""Numerical stability: the exponential family at ±1e4 gives finite values and finite gradients,
with floating-point overflow, invalid and divide errors raised and every warning an error."""

from __future__ import annotations

import numpy as np
import pytest
from float_extremes import extremes, strict
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import testing as amt

EXTREMES = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]])

FUNCTIONS = {
    "sigmoid": am.sigmoid,
    "softmax": lambda x: am.softmax(x, axis=-1),
    "softmax[axis=0]": lambda x: am.softmax(x, axis=0),
    "log_softmax": lambda x: am.log_softmax(x, axis=-1),
    "logsumexp": lambda x: am.logsumexp(x, axis=1),
    "logsumexp[all]": am.logsumexp,
    "cross_entropy[labels]": lambda x: am.cross_entropy(x, np.array([0, 2, 1])),
    "cross_entropy[probs]": lambda x: am.cross_entropy(x, np.full((3, 3), 1 / 3)),
    "cross_entropy[none]": lambda x: am.cross_entropy(x, np.array([2, 0, 1]), reduction="none"),
    "softplus": am.softplus,
    "elu": am.elu,
    "tanh": am.tanh,
}


def value_and_grad(fn, data):
    x = am.tensor(data, requires_grad=True)

    def run():
        out = fn(x)
        out.backward(np.ones(out.shape, dtype=out.dtype))
        return out

    out = strict(run)
    return out, x.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_finite_values_and_gradients_at_1e4(name, dtype):
    out, grad = value_and_grad(FUNCTIONS[name], EXTREMES.astype(dtype))
    assert out.dtype == dtype and grad.dtype == dtype
    assert np.all(np.isfinite(out.data)), out.data
    assert np.all(np.isfinite(grad)), grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_values_are_right_not_just_finite(dtype):
    x = np.array([-1e4, 1e4], dtype=dtype)
    np.testing.assert_array_equal(strict(lambda: am.sigmoid(x)).data, [0.0, 1.0])
    np.testing.assert_allclose(strict(lambda: am.softplus(x)).data, [0.0, 1e4])
    np.testing.assert_allclose(strict(lambda: am.logsumexp(x)).item(), 1e4)
    np.testing.assert_allclose(strict(lambda: am.log_softmax(x)).data, [-2e4, 0.0])
    np.testing.assert_allclose(strict(lambda: am.elu(x)).data, [-1.0, 1e4])
    loss = strict(lambda: am.cross_entropy(am.tensor(x[None, :]), np.array([0])))
    np.testing.assert_allclose(loss.item(), 2e4, rtol=1e-6)


def test_sigmoid_tail_keeps_relative_precision():
    assert am.sigmoid(am.tensor(-30.0)).item() == pytest.approx(np.exp(-30.0), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_within_a_few_ulps_over_its_range(dtype):
    # the in-place 1/(1 + e⁻ᵃ) forward: its dtype, a non-contiguous slice (an LSTM gate), and
    # its error against a long-double reference (the exp(−|a|) form it replaced: ≤ 3.1 ulps)
    grid = np.linspace(-80, 80, 64001).astype(dtype).reshape(-1, 1)
    x = np.concatenate([grid, grid], axis=1)[:, 1:]
    y = strict(lambda: am.sigmoid(x)).data
    assert y.dtype == dtype
    exact = 1 / (1 + np.exp(-x.astype(np.longdouble)))
    assert np.max(np.abs(y - exact) / np.spacing(exact.astype(dtype))) <= 4


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sigmoid", "softmax", "log_softmax", "logsumexp", "softplus",
                                  "cross_entropy[labels]", "elu"])
@given(data=st.data())
def test_large_random_inputs_stay_finite(name, dtype, data):
    x = data.draw(amt.arrays((3, 3), dtype=dtype, domain="large"))
    out, grad = value_and_grad(FUNCTIONS[name], x)
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(grad))


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "log_softmax", "logsumexp", "softplus"])
def test_second_order_at_extremes_is_finite(name):
    x = am.tensor(EXTREMES, requires_grad=True)

    def run():
        out = FUNCTIONS[name](x)
        (g,) = am.grad(out.sum(), x, create_graph=True)
        return am.grad(g.sum(), x)[0]

    assert np.all(np.isfinite(strict(run).data))


# ---- the whole float range (tests/HARDENING.md) ---------------------------------------------
@pytest.mark.hardening("resources/softmax-row-span")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_a_row_spanning_the_whole_range_is_exact_and_silent(dtype):
    """x − max(x) overflows to −inf for x = −max next to +max: harmless (e^−inf = 0), so no
    warning. (log_softmax there is −2·max, which no float holds: −inf is its honest value.)"""
    x = am.tensor(extremes(dtype)[None, :], requires_grad=True)

    def run():
        out = am.softmax(x)
        out.backward(np.ones(x.shape, dtype))
        return out

    out = strict(run)
    expected = np.zeros(x.shape, dtype)
    expected[0, -1] = 1.0
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(x.grad, 0.0)
