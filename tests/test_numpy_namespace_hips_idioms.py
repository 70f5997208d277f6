"""Idioms of code written for HIPS autograd's `autograd.numpy` that failed on
`autograd_mini.numpy` until it covered them: lists of Tensors read as arrays, numpy's keyword
spellings, r_/c_, real parts of real values, differentiable linspace, integer casts. Each is
checked against a closed form or central differences of the same code on plain arrays."""

from __future__ import annotations

import numpy
import pytest

import autograd_mini as am
import autograd_mini.numpy as np
from autograd_mini.func import grad, jacfwd, jacobian


def central_difference(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_version_is_numpys():
    assert np.__version__ == numpy.__version__


def test_degrees_and_radians_are_rad2deg_and_deg2rad():
    assert grad(lambda x: np.degrees(x))(0.3) == pytest.approx(180 / numpy.pi)
    assert grad(lambda x: np.radians(x))(0.3) == pytest.approx(numpy.pi / 180)


# ---- a list holding Tensors is one array, as numpy reads it ---------------------------------
@pytest.mark.parametrize(("f", "slope"), [
    (lambda x: np.mean([x, x + 2]), 1.0),
    (lambda x: np.std((x, x + 2)), 0.0),  # symmetric about the mean: flat at 0
    (lambda x: np.var([x, x + 2]), 0.0),
    (lambda x: np.linalg.norm([x, x + 2]), 1.0),  # d/dx √(x² + (x + 2)²) = 2/2 at 0
    (lambda x: np.sum(np.sin([x, 2 * x])), 3.0),  # cos 0 + 2 cos 0
])
def test_reductions_of_a_list_of_tensors(f, slope):
    assert grad(f)(0.0) == pytest.approx(slope, abs=1e-12)


def test_nested_lists_of_tensors_are_found_and_stacked():
    def f(x):  # append's first argument is a list of lists holding x
        return np.sum(np.append([[x, 1.0], [2.0, x * x]], [[3.0, x]], axis=0) ** 2)

    assert grad(f)(0.7) == pytest.approx(central_difference(f, 0.7), rel=1e-7)


def test_transpose_takes_numpys_axes_keyword():
    t = am.tensor(numpy.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    out = np.transpose(t, axes=(2, 0, 1))
    numpy.testing.assert_array_equal(out.data, numpy.transpose(t.data, axes=(2, 0, 1)))


# ---- r_ and c_ ------------------------------------------------------------------------------
def test_r_concatenates_tensors_constants_and_ranges():
    c = numpy.array([5.0, 6.0])

    def f(x):
        return np.r_[x, c, 1:3, x * x]

    x = numpy.array([0.5, -1.0])
    out = f(am.tensor(x))
    numpy.testing.assert_array_equal(out.data, numpy.r_[x, c, 1:3, x * x])
    numpy.testing.assert_allclose(jacobian(f)(x)[:2], numpy.eye(2))  # the first piece
    numpy.testing.assert_allclose(jacobian(f)(x)[-2:], numpy.diag(2 * x))
    numpy.testing.assert_allclose(jacfwd(f)(x), jacobian(f)(x))


def test_c_makes_columns_and_leaves_plain_values_to_numpy():
    x = numpy.array([1.0, 2.0, 3.0])
    out = np.c_[am.tensor(x), numpy.ones((3, 2))]
    numpy.testing.assert_array_equal(out.data, numpy.c_[x, numpy.ones((3, 2))])
    assert grad(lambda v: np.sum(np.c_[v, v] * numpy.arange(6.0).reshape(3, 2)))(x) == \
        pytest.approx([1.0, 5.0, 9.0])
    assert isinstance(np.r_[x, 1:3], numpy.ndarray)


def test_index_trick_directives_are_refused_with_tensors():
    with pytest.raises(TypeError, match="np.r_: string directives"):
        np.r_["0,2", am.tensor([1.0])]


# ---- complex-number functions on real values -----------------------------------------------
def test_real_parts_of_real_tensors():
    # HIPS autograd's own examples wrap costs in np.real(...)
    assert grad(lambda x: np.real(np.sum(x ** 2)))(numpy.array([1.0, -2.0])) == \
        pytest.approx([2.0, -4.0])
    t = am.tensor([1.0, 2.0], requires_grad=True)
    assert np.real(t) is t and np.conj(t) is t and np.conjugate(t) is t
    imag = np.imag(t)
    assert not imag.requires_grad and numpy.all(imag.data == 0)
    assert np.real(numpy.array([1 + 2j])) == numpy.array([1.0])  # plain values: numpy's


# ---- linspace with Tensor ends --------------------------------------------------------------
@pytest.mark.parametrize("num", [0, 1, 2, 5])
@pytest.mark.parametrize("endpoint", [True, False])
def test_linspace_values_match_numpy_and_gradients_are_the_fractions(num, endpoint):
    out = np.linspace(am.tensor(1.2), am.tensor(-3.4), num, endpoint=endpoint)
    numpy.testing.assert_allclose(out.data, numpy.linspace(1.2, -3.4, num, endpoint=endpoint),
                                  rtol=1e-15, atol=1e-15)
    div = (num - 1 if endpoint else num) or 1
    k = numpy.arange(num) / div
    d_start = jacobian(lambda s: np.linspace(s, -3.4, num, endpoint=endpoint))(1.2)
    d_stop = jacobian(lambda s: np.linspace(1.2, s, num, endpoint=endpoint))(-3.4)
    numpy.testing.assert_allclose(d_start, 1.0 - k if num > 1 or not endpoint else [1.0][:num])
    numpy.testing.assert_allclose(d_stop, k if num > 1 or not endpoint else [0.0][:num])


def test_linspace_of_vector_ends_along_an_axis():
    start, stop = numpy.array([0.0, 1.0]), numpy.array([1.0, 3.0])
    out = np.linspace(am.tensor(start, requires_grad=True), am.tensor(stop), 4, axis=1,
                      retstep=True)
    expected = numpy.linspace(start, stop, 4, axis=1, retstep=True)
    assert isinstance(out[0], am.Tensor) and out[0].requires_grad
    numpy.testing.assert_allclose(out[0].data, expected[0])
    numpy.testing.assert_allclose(out[1].data, expected[1])
    d_start = jacobian(lambda s: np.linspace(s, stop, 4, axis=1))(start)  # (2, 4, 2)
    numpy.testing.assert_allclose(d_start, numpy.eye(2)[:, None, :] *
                                  (1.0 - numpy.arange(4) / 3.0)[None, :, None])


# ---- integer casts carry no gradient, so they are allowed ----------------------------------
def test_integer_cast_of_a_tensor_that_requires_grad():
    w = am.tensor(numpy.array([[0.5, 1.0], [1.5, 1.9]]), requires_grad=True)

    def f(W):  # HIPS's test_cast_to_int: row indices read from the weights themselves
        rows = np.int64(W[:, -1])  # [1, 1]: row 1 twice
        return W[rows].sum()

    assert f(w).item() == pytest.approx(2 * (1.5 + 1.9))
    numpy.testing.assert_allclose(grad(f)(w.data), [[0.0, 0.0], [2.0, 2.0]])
    with pytest.raises(am.AutogradError, match="np.asarray"):
        numpy.asarray(w)  # a float array still refuses to drop the graph


def test_select_routes_the_gradient_to_the_first_true_choice():
    x = numpy.array([-2.0, 0.5, 3.0])

    def f(v):
        return np.sum(np.select([v < 0, v < 1], [-v, v * v], default=10 * v))

    assert grad(f)(x) == pytest.approx([-1.0, 1.0, 10.0])
    assert f(am.tensor(x)).item() == pytest.approx(numpy.sum(numpy.select(
        [x < 0, x < 1], [-x, x * x], default=10 * x)))
