"""diff, ediff1d, gradient, trapezoid, cross, average, convolve beyond the op-table rows: the
inputs the rows hold constant (ediff1d's ends, Tensor spacings), numpy-style physics code
through `autograd_mini.numpy`, and bad input named by the function."""

from __future__ import annotations

import numpy
import pytest

import autograd_mini as am
import autograd_mini.numpy as np
from autograd_mini.errors import ShapeError
from autograd_mini.gradcheck import gradcheck

rng = numpy.random.default_rng(0)


def _leaf(*shape: int) -> am.Tensor:
    return am.tensor(rng.standard_normal(shape), requires_grad=True)


def test_ediff1d_ends_and_a_tensor_step_are_differentiated():
    a, begin, end, step = _leaf(5), _leaf(2), _leaf(1), am.tensor(0.3, requires_grad=True)
    assert gradcheck(lambda a, b, e: am.ediff1d(a, to_end=e, to_begin=b), [a, begin, end])
    assert gradcheck(lambda y, h: am.trapezoid(y, dx=h), [_leaf(3, 4), step])
    assert gradcheck(lambda f, h: am.gradient(f, h, edge_order=2), [_leaf(5), step])


def test_ediff1d_keeps_float32_like_numpy():
    a = am.tensor(numpy.arange(4, dtype=numpy.float32), requires_grad=True)
    out = am.ediff1d(a, to_begin=numpy.array([9.0]))
    assert out.dtype == numpy.float32 == numpy.ediff1d(a.data, to_begin=[9.0]).dtype


def test_physics_in_numpy_style_energy_of_a_string():
    """E[u] = ∫ ½ (∂u/∂x)² dx on a non-uniform grid, written with numpy's names; its gradient
    with respect to the samples matches finite differences, and the values match numpy."""
    x = numpy.sort(rng.uniform(0.0, 1.0, 12))

    def energy(u):
        return np.trapezoid(0.5 * np.gradient(u, x) ** 2, x)

    u = am.tensor(numpy.sin(numpy.pi * x), requires_grad=True)
    numpy.testing.assert_allclose(energy(u).data, energy(u.data), rtol=1e-12)
    assert gradcheck(energy, [u])
    tangent = am.tensor(numpy.cross(u.data[:3], u.data[3:6]))
    numpy.testing.assert_allclose(np.cross(u[:3], u[3:6]).data, tangent.data)


def test_real_numpy_dispatches_to_the_new_functions():
    t = _leaf(4, 3)
    for out in (numpy.diff(t), numpy.gradient(t, axis=0), numpy.trapezoid(t),
                numpy.cross(t, t[0]), numpy.average(t, axis=0, weights=[1.0, 2.0, 3.0, 4.0]),
                numpy.convolve(t[:, 0], t[0])):
        assert isinstance(out, am.Tensor) and out.requires_grad


BAD = [
    (lambda: am.diff(_leaf(3), n=-1), ValueError, r"diff: the order n must be non-negative"),
    (lambda: am.diff(am.tensor(1.0)), ValueError, r"diff: needs an input with at least 1 dim"),
    (lambda: am.gradient(_leaf(2), edge_order=2), ValueError,
     r"gradient: axis 0 of shape \(2,\) has 2 samples; edge_order=2 needs at least 3"),
    (lambda: am.gradient(_leaf(4), edge_order=3), ValueError, r"edge_order must be 1 or 2"),
    (lambda: am.gradient(_leaf(4, 3), 1.0, 2.0, 3.0), TypeError, r"expected 0, 1 or 2"),
    (lambda: am.gradient(_leaf(4), numpy.arange(3.0)), ShapeError,
     r"coordinates of shape \(3,\) for axis 0 must be 1-d of length 4"),
    (lambda: am.trapezoid(_leaf(2, 4), numpy.arange(3.0)), ShapeError,
     r"trapezoid: x of shape \(3,\) does not match y's axis 1 of length 4"),
    (lambda: am.cross(_leaf(2), _leaf(2)), ShapeError, r"cross: a of shape \(2,\) has 2 "
                                                       r"components.*expected 3"),
    (lambda: am.average(_leaf(2, 3), axis=1, weights=numpy.zeros(3)), ZeroDivisionError,
     r"average: the weights sum to zero"),
    (lambda: am.average(_leaf(2, 3), weights=numpy.ones(3)), ShapeError,
     r"average: weights of shape \(3,\) differ from a's \(2, 3\); pass axis"),
    (lambda: am.average(_leaf(2, 3), axis=0, weights=numpy.ones(3)), ShapeError,
     r"average: weights of length 3 do not match axis 0"),
    (lambda: am.convolve(_leaf(3), numpy.zeros(0)), ValueError, r"convolve: v cannot be empty"),
    (lambda: am.convolve(_leaf(2, 3), _leaf(2)), ShapeError, r"convolve: a must be 1-d"),
    (lambda: am.convolve(_leaf(3), _leaf(2), mode="circular"), ValueError,
     r"convolve: mode must be 'full', 'same' or 'valid', got 'circular'"),
]


@pytest.mark.hardening("engine/bad-parameters")
@pytest.mark.parametrize("call, error, message", BAD,
                         ids=[f"{i}-{m.split(':')[0]}" for i, (_, _, m) in enumerate(BAD)])
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_gradient_over_several_axes_is_the_container_numpy_returns():
    """numpy 2's gradient gives a tuple for several axes (numpy 1 a list); a Tensor, the
    autograd_mini.numpy name and forward mode give the same kind (HIPS's test_systematic
    compares the kinds; a list came back where numpy gives a tuple)."""
    from autograd_mini.func import jvp
    f = rng.standard_normal((4, 5))
    expected = type(numpy.gradient(f))
    assert type(am.gradient(_leaf(4, 5))) is expected
    assert type(np.gradient(am.tensor(f), axis=(0, 1))) is expected
    value, tangent = jvp(np.gradient, (f,), (numpy.ones_like(f),))
    assert type(value) is expected and type(tangent) is expected
    numpy.testing.assert_allclose(tangent[1], numpy.gradient(numpy.ones_like(f))[1])
