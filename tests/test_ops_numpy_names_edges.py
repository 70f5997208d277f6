"""Edges of the numpy-named ops that HIPS autograd's own test suite uses and autograd_mini
lacked: sinc at 0, fmax/fmin and nan_to_num on NaN and infinities, partition, rot90, and the
errors they raise. The smooth interiors are op-table rows (tests/op_rows_*.py)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.func import grad, jvp

NAN, INF = np.nan, np.inf


def _torch():
    return pytest.importorskip("torch")


# ---- sinc --------------------------------------------------------------------------------------
def test_sinc_derivatives_at_zero_follow_the_taylor_series():
    # sinc(x) = 1 − (π²/6)x² + (π⁴/120)x⁴ − …: f′(0) = 0, f″(0) = −π²/3, f‴(0) = 0
    d1, d2, d3 = grad(am.sinc), grad(grad(am.sinc)), grad(grad(grad(am.sinc)))
    assert d1(0.0) == 0.0
    np.testing.assert_allclose(d2(0.0), -np.pi ** 2 / 3, rtol=1e-15)
    assert d3(0.0) == 0.0
    # and the derivative near 0 joins it smoothly (central differences of np.sinc)
    for x in (1e-3, -0.25, 0.5, 2.0):
        h = 1e-6
        np.testing.assert_allclose(d1(x), (np.sinc(x + h) - np.sinc(x - h)) / (2 * h),
                                   rtol=1e-6, atol=1e-9)


def test_sinc_first_derivative_matches_torch_at_and_near_zero():
    torch = _torch()
    x = np.array([0.0, 1e-4, -0.5, 1.0, 3.25])
    ours = am.tensor(x, requires_grad=True)
    am.sinc(ours).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    torch.sinc(theirs).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-6, atol=1e-12)


def test_sinc_keeps_float32():
    x = am.tensor(np.array([0.0, 0.5], dtype=np.float32), requires_grad=True)
    y = am.sinc(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


# ---- fmax / fmin ----------------------------------------------------------------------------
A = np.array([1.0, NAN, 3.0, NAN, 2.0, 5.0])
B = np.array([NAN, 2.0, 3.0, NAN, 4.0, -1.0])


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_values_and_gradients_match_torch_on_nan_and_ties(name):
    torch = _torch()
    a, b = am.tensor(A, requires_grad=True), am.tensor(B, requires_grad=True)
    out = getattr(am, name)(a, b)
    np.testing.assert_array_equal(out.data, getattr(np, name)(A, B))
    g = np.arange(1.0, 7.0)
    out.backward(g)
    ta, tb = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)
    getattr(torch, name)(ta, tb).backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.data, ta.grad.numpy())
    np.testing.assert_array_equal(b.grad.data, tb.grad.numpy())


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin_jvp_routes_tangents_as_the_vjp(name):
    fn = getattr(am, name)
    ta, tb = np.full(6, 10.0), np.full(6, 1.0)
    _, tangent = jvp(fn, (A, B), (ta, tb))
    a, b = am.tensor(A, requires_grad=True), am.tensor(B, requires_grad=True)
    fn(a, b).sum().backward()  # the weights: 1 on the chosen operand
    np.testing.assert_array_equal(tangent, a.grad.data * 10.0 + b.grad.data * 1.0)


# ---- nan_to_num ------------------------------------------------------------------------------
def test_nan_to_num_values_and_gradients_match_torch():
    torch = _torch()
    x = np.array([1.5, NAN, INF, -INF, -2.0])
    kw = {"nan": 0.5, "posinf": 9.0, "neginf": -9.0}
    ours = am.tensor(x, requires_grad=True)
    out = am.nan_to_num(ours, **kw)
    np.testing.assert_array_equal(out.data, np.nan_to_num(x, **kw))
    out.sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    torch.nan_to_num(theirs, **kw).sum().backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())  # [1, 0, 0, 0, 1]


def test_nan_to_num_defaults_are_numpys():
    x = np.array([NAN, INF, -INF], dtype=np.float32)
    out = am.nan_to_num(am.tensor(x))
    np.testing.assert_array_equal(out.data, np.nan_to_num(x))
    assert out.dtype == np.float32


# ---- partition, rot90 -----------------------------------------------------------------------
def test_partition_gradient_follows_each_value_to_its_place():
    x = np.array([[4.0, 1.0, 3.0, 2.0], [0.5, 9.0, -1.0, 7.0]])
    t = am.tensor(x, requires_grad=True)
    out = am.partition(t, [1, 2], axis=1)
    np.testing.assert_array_equal(out.data, np.partition(x, [1, 2], axis=1))
    weights = np.arange(8.0).reshape(2, 4)
    (out * weights).sum().backward()
    expected = np.zeros_like(x)  # each input's gradient is the weight of the slot it moved to
    np.put_along_axis(expected, np.argpartition(x, [1, 2], axis=1), weights, axis=1)
    np.testing.assert_array_equal(t.grad.data, expected)


def test_rot90_four_turns_is_the_identity_and_its_gradient_too():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    t = am.tensor(x, requires_grad=True)
    out = am.rot90(am.rot90(t, 3, axes=(2, 0)), 1, axes=(2, 0))
    np.testing.assert_array_equal(out.data, x)
    out.backward(np.ones_like(x))
    np.testing.assert_array_equal(t.grad.data, np.ones_like(x))


# ---- bad arguments name the op ------------------------------------------------------------
@pytest.mark.hardening("engine/bad-parameters")
@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda t: am.rot90(t, 1, axes=(1, 1)), Exception, "rot90: the two axes must differ"),
    (lambda t: am.rot90(t[0], 1), Exception, "rot90: expected two axes"),
    (lambda t: am.flipud(t[0, 0]), Exception, "flipud: expected at least 1 dimension"),
    (lambda t: am.fliplr(t[0]), Exception, "fliplr: expected at least 2 dimensions"),
    (lambda t: am.rollaxis(t, 0, 5), ValueError, "rollaxis: start 5 is out of range"),
    (lambda t: am.partition(t, 1, kind="quicksort"), ValueError, "partition: only kind="),
    (lambda t: am.partition(t, 7), ValueError, "partition: kth=7"),
    (lambda t: am.nan_to_num(t, nan="zero"), TypeError, "nan_to_num: nan must be a number"),
    (lambda t: am.dsplit(t, 2), Exception, "dsplit: expected at least 3 dimension"),
    (lambda t: am.select([t.data > 0], [t, t]), ValueError, "select: expected as many"),
    (lambda t: am.select([t.data], [t]), TypeError, "select: conditions must be boolean"),
])
def test_bad_arguments_raise_naming_the_function(call, error, words):
    t = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with pytest.raises(error, match=words):
        call(t)
