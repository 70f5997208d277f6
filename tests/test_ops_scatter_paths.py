"""The VJP of integer-array indexing (take, take_along_axis, x[i]) on its fast paths.

take's `(:, ..., i)` form writes by assignment when i's entries differ and adds at flat
positions otherwise; take_along_axis's one-array-per-axis form adds at flat positions. Both
must equal np.add.at exactly (same additions in the same order), for repeated, negative and
multi-dimensional indices, and keep float32.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.ops.shape import _scatter_add_forward


def _add_at(g, index, shape):
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


rng = np.random.default_rng(0)
INDICES = {
    "permutation": rng.permutation(5),
    "repeated": np.array([1, 3, 1, 1, 0]),
    "negative": np.array([-1, 4, -5, 2]),
    "negative repeated": np.array([[-1, 4], [2, -3]]),
    "empty": np.zeros(0, dtype=np.intp),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("name", list(INDICES))
def test_take_backward_equals_add_at(name, axis, dtype):
    shape = (5, 5, 5)
    index = (slice(None),) * axis + (INDICES[name],)
    g = rng.standard_normal(np.zeros(shape)[index].shape).astype(dtype)
    got = _scatter_add_forward(g, index=index, shape=shape)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, _add_at(g, index, shape))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["argsort", "repeated", "negative"])
def test_take_along_axis_backward_equals_add_at(kind, dtype):
    values = rng.standard_normal((4, 6))
    index = {"argsort": np.argsort(values, axis=1),
             "repeated": rng.integers(0, 6, (4, 9)),
             "negative": rng.integers(-6, 0, (4, 3))}[kind]
    x = am.tensor(values.astype(dtype), requires_grad=True)
    weights = rng.standard_normal(index.shape).astype(dtype)
    (am.take_along_axis(x, index, axis=1) * weights).sum().backward()
    expected = _add_at(weights, (np.arange(4)[:, None], index), (4, 6))
    assert x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad.data, expected)


def test_forms_left_to_add_at_still_accumulate():
    shape = (3, 4)
    for index in [(np.array([0, 0, 2]), 1), (np.array([1, 1]), slice(1, 3)),
                  (slice(None), np.array([[0, 0], [3, 3]]))]:
        g = np.ones(np.zeros(shape)[index].shape)
        np.testing.assert_array_equal(_scatter_add_forward(g, index=index, shape=shape),
                                      _add_at(g, index, shape))


def test_split_pieces_accumulate_into_one_gradient():
    x = am.tensor(rng.standard_normal((6, 4)), requires_grad=True)
    pieces = am.array_split(x, 4, axis=0)  # rows 2, 2, 1, 1
    loss = (pieces[0] * 2).sum() + (pieces[2] * 3).sum() + (pieces[0] ** 2).sum()
    loss.backward()  # pieces 1 and 3 unused: their rows get zero
    expected = np.zeros((6, 4))
    expected[:2] = 2 + 2 * x.data[:2]
    expected[4] = 3
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-15)
