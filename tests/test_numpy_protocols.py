"""numpy's own functions on a Tensor never silently drop the graph: ufuncs and array functions
dispatch to autograd_mini (numpy's __array_ufunc__ / __array_function__ protocols), uncovered
ones raise naming what to use, and a tensor that requires grad never silently becomes an
array or a number (PyTorch's rule)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am


def leaf(values=(0.5, -1.0, 2.0)) -> am.Tensor:
    return am.tensor(list(values), requires_grad=True)


@pytest.mark.parametrize("call, derivative", [
    (lambda t: np.sin(t), lambda x: np.cos(x)),
    (lambda t: np.exp(t), lambda x: np.exp(x)),
    (lambda t: np.tanh(t), lambda x: 1 - np.tanh(x) ** 2),
    (lambda t: np.multiply(t, t), lambda x: 2 * x),
    (lambda t: np.power(t, 3.0), lambda x: 3 * x ** 2),
    (lambda t: np.negative(t), lambda x: -np.ones_like(x)),
    (lambda t: np.array([1.0, 2.0, 3.0]) * t, lambda x: np.array([1.0, 2.0, 3.0])),
    (lambda t: np.array([1.0, 2.0, 3.0]) - t, lambda x: -np.ones_like(x)),
    (lambda t: np.float64(2.0) * t, lambda x: np.full_like(x, 2.0)),
    (lambda t: np.concatenate([t, t]), lambda x: np.full_like(x, 2.0)),
    (lambda t: np.stack([t, 2 * t]), lambda x: np.full_like(x, 3.0)),
    (lambda t: np.mean(t) * np.ones(3), lambda x: np.ones_like(x)),
    (lambda t: np.sum(t, axis=0, keepdims=True), lambda x: np.ones_like(x)),
    (lambda t: np.maximum(t, 0.0), lambda x: (x > 0).astype(float)),
    (lambda t: np.add.reduce(t), lambda x: np.ones_like(x)),
    (lambda t: np.matmul(np.eye(3), t), lambda x: np.ones_like(x)),
    (lambda t: np.dot(t, np.arange(6.0).reshape(3, 2)), lambda x: np.array([1.0, 5.0, 9.0])),
    (lambda t: np.hstack([t, np.ones(2), t ** 2]), lambda x: 1 + 2 * x),
    (lambda t: np.vstack([t, t]), lambda x: np.full_like(x, 2.0)),
    (lambda t: np.einsum("i,i->", t, t), lambda x: 2 * x),
    (lambda t: np.linalg.norm(t), lambda x: x / np.linalg.norm(x)),
    (lambda t: np.trapezoid(t ** 2), lambda x: np.array([1.0, 2.0, 1.0]) * x),
])
def test_numpy_calls_dispatch_and_keep_the_graph(call, derivative) -> None:
    t = leaf()
    out = call(t)
    assert isinstance(out, am.Tensor) and out.requires_grad
    (g,) = am.grad(out.sum(), t)
    np.testing.assert_allclose(g.data, derivative(t.detach().data), rtol=1e-12)


def test_dispatched_values_match_numpy() -> None:
    t = leaf()
    x = t.detach().data
    np.testing.assert_allclose(np.sin(t).detach().data, np.sin(x))
    np.testing.assert_allclose(np.mean(t).detach().data, np.mean(x))
    np.testing.assert_allclose((x * t).detach().data, x * x)


def test_uncovered_numpy_functions_raise_naming_the_alternative() -> None:
    t = leaf()
    with pytest.raises(TypeError, match=r"numpy.fft.fft .*not covered.*detach\(\)"):
        np.fft.fft(t)
    with pytest.raises(TypeError, match=r"numpy.interp .*not covered"):
        np.interp(t, [0.0, 1.0], [0.0, 2.0])
    with pytest.raises(TypeError, match=r"options \['dtype'\] are not supported.*am.sin"):
        np.sin(t, dtype=np.float32)


def test_ufunc_into_an_array_refuses_a_tensor_that_requires_grad() -> None:
    accumulator = np.zeros(3)
    with pytest.raises(TypeError, match=r"out=.*drop its gradient.*a = a \+ t"):
        accumulator += leaf()
    accumulator += leaf().detach()  # nothing to drop: numpy's in-place update
    np.testing.assert_array_equal(accumulator, [0.5, -1.0, 2.0])


@pytest.mark.parametrize("convert", [
    np.asarray, np.array, float, int, math.exp, lambda t: t.numpy(),
    lambda t: np.testing.assert_allclose(t, 0.5),
], ids=["asarray", "array", "float", "int", "math.exp", "numpy()", "assert_allclose"])
def test_requires_grad_never_silently_becomes_an_array(convert) -> None:
    t = am.tensor(0.5, requires_grad=True)
    with pytest.raises(am.AutogradError, match=r"requires grad.*\.detach\(\)"):
        convert(t)
    with pytest.raises(am.AutogradError, match=r"\.detach\(\)"):
        convert(t * 2.0)  # a non-leaf too


def test_conversion_is_allowed_without_the_graph() -> None:
    t = am.tensor(0.5, requires_grad=True)
    assert float(t.detach()) == 0.5 and t.item() == 0.5
    assert np.asarray(am.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    with am.no_grad():
        assert float(t) == 0.5 and np.asarray(t).shape == ()
    assert np.asarray(t.detach(), dtype=np.float32).dtype == np.float32
    assert not np.shares_memory(np.array(t.detach()), t.data)  # np.array copies


def test_comparisons_with_an_array_on_the_left_stay_tensors() -> None:
    t = leaf()
    for out in (np.zeros(3) < t, np.greater(t, 0.0)):
        assert isinstance(out, am.Tensor) and not out.requires_grad
        assert out.data.tolist() == [True, False, True]


def test_library_reads_gradients_that_require_grad_by_value(capsys) -> None:
    """After backward(create_graph=True), `.grad` requires grad: the drawings and the
    optimizers read its values (`.data`) instead of tripping the conversion rule."""
    nn = pytest.importorskip("nn")
    x = nn.Parameter(np.array([1.0, 2.0]))
    loss = (x ** 3).sum()
    loss.backward(create_graph=True)
    assert x.grad.requires_grad
    am.print_graph(loss)
    assert "[3, 12]" in capsys.readouterr().out  # ∂loss/∂x = 3x²
    nn.optim.SGD([x], lr=0.1, momentum=0.9).step()
    np.testing.assert_allclose(x.data, [0.7, 0.8])
