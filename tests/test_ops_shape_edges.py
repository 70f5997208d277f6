"""Edge cases of the shape and indexing ops beyond the op table: empty selections, views that
share a version counter, numpy's argument forms, list results, accumulation of repeated
positions, and errors that name the function."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.engine import NUMPY_MODE
from autograd_mini.errors import AutogradError, ShapeError

X = np.arange(12.0).reshape(3, 4)


def leaf(data=X, dtype=np.float64):
    return am.tensor(np.array(data, dtype=dtype), requires_grad=True)


def grad_of(fn, data=X):
    x = leaf(data)
    out = fn(x)
    out.backward(np.ones(out.shape))
    return np.asarray(x.grad)


# ---- empty selections ---------------------------------------------------------------------
@pytest.mark.parametrize("index", [
    [], np.array([], dtype=int), (slice(None), []), ([], slice(None)),
    (slice(None), np.array([], dtype=np.intp)), np.zeros((0, 2), dtype=int),
], ids=["list", "int-array", "cols-list", "rows-list", "cols-array", "2d-empty"])
def test_empty_selections_match_numpy_and_give_zero_gradients(index):
    x = leaf()
    y = x[index]
    np_index = tuple(np.array(i, dtype=np.intp) if isinstance(i, list) else i
                     for i in (index if isinstance(index, tuple) else (index,)))
    assert y.shape == X[np_index].shape and y.size == 0
    (y.sum() + x.sum()).backward()
    np.testing.assert_array_equal(x.grad, np.ones(X.shape))  # nothing added at no position


def test_empty_take_and_split_pieces():
    x = leaf()
    assert am.take(x, [], axis=1).shape == (3, 0)
    pieces = am.array_split(x, 6, axis=0)  # more sections than rows: trailing empty pieces
    assert [p.shape for p in pieces] == [a.shape for a in np.array_split(X, 6, axis=0)]
    am.concatenate([p.ravel() for p in pieces]).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(X.shape))


# ---- views share their input's version counter -----------------------------------------------
VIEWS = {
    "flip": lambda t: am.flip(t, 0),
    "moveaxis": lambda t: am.moveaxis(t, 0, -1),
    "squeeze": lambda t: am.squeeze(am.reshape(t, (1, 3, 4))),
    "ravel": am.ravel,
    "split": lambda t: am.split(t, 2, axis=1)[1],
    "slice-transpose": lambda t: t[:, :3].T,  # a view of a view
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_changing_the_input_in_place_after_a_view_was_used_is_caught(name):
    base = am.tensor(X.copy())  # a constant: in-place changes are allowed
    w = leaf(np.ones(VIEWS[name](am.tensor(X)).shape))
    y = (w * VIEWS[name](base)).sum()  # mul keeps the view for w's gradient
    base += 1.0
    with pytest.raises(AutogradError, match="modified in place"):
        y.backward()


@pytest.mark.parametrize("name", ["flip", "moveaxis", "squeeze", "ravel"])
def test_changing_a_view_in_place_is_seen_by_ops_that_kept_its_input(name):
    base = am.tensor(X.copy())
    w = leaf(np.ones(X.shape))
    y = (w * base).sum()  # mul keeps base for w's gradient
    view = VIEWS[name](base)
    assert np.shares_memory(view.data, base.data)
    view += 1.0  # writes into base's memory
    with pytest.raises(AutogradError, match="modified in place"):
        y.backward()


# ---- numpy's argument forms and results ---------------------------------------------------------
@pytest.mark.parametrize("pad_width", [2, (2,), (1, 3), ((1, 0), (0, 2)), [[1], [2]]])
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
def test_pad_accepts_numpys_pad_width_forms(pad_width, mode):
    out = am.pad(leaf(), pad_width, mode=mode)
    np.testing.assert_array_equal(out.data, np.pad(X, pad_width, mode=mode))


def test_pad_constant_values_per_axis_and_wider_than_the_axis():
    values = ((1.0, 2.0), (3.0, 4.0))
    np.testing.assert_array_equal(am.pad(leaf(), 2, constant_values=values).data,
                                  np.pad(X, 2, constant_values=values))
    np.testing.assert_array_equal(am.pad(leaf(), 7, mode="reflect").data,
                                  np.pad(X, 7, mode="reflect"))  # reflected several times


def test_repeated_positions_accumulate_their_gradients():
    np.testing.assert_array_equal(grad_of(lambda x: am.pad(x, (0, 3), mode="edge"),
                                          [1.0, 2.0]), [1.0, 4.0])
    np.testing.assert_array_equal(grad_of(lambda x: am.take(x, [0, 0, -3, 2]), [5.0, 6.0, 7.0]),
                                  [3.0, 0.0, 1.0])
    g = grad_of(lambda x: am.take_along_axis(x, np.array([[0, 0], [1, 1], [3, 0]]), axis=1))
    np.testing.assert_array_equal(g[:, 0], [2.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad_of(lambda x: x.repeat([0, 2, 1], axis=0)).sum(axis=1),
                                  [0.0, 8.0, 4.0])
    np.testing.assert_array_equal(grad_of(lambda x: am.tile(x, (2, 3))), np.full(X.shape, 6.0))


def test_lists_tuples_and_single_results_follow_numpy():
    x, y = leaf(), leaf(np.ones(4))
    assert isinstance(am.split(x, 2, axis=1), list)
    assert isinstance(am.broadcast_arrays(x, y), tuple)
    assert isinstance(am.atleast_2d(y), am.Tensor)
    assert [t.shape for t in am.atleast_3d(x, y, 1.0)] == \
        [a.shape for a in np.atleast_3d(X, np.ones(4), 1.0)]
    # on arrays (an xp namespace inside a VJP) the same functions give arrays
    pieces = NUMPY_MODE.split(X, [1, 3], axis=1)
    assert all(type(p) is np.ndarray for p in pieces)
    np.testing.assert_array_equal(pieces[1], np.split(X, [1, 3], axis=1)[1])


@pytest.mark.parametrize(("fn", "ref"), [
    (lambda a: am.hstack([a, 2.0]), lambda a: np.hstack([a, 2.0])),
    (lambda a: am.vstack([a, a]), lambda a: np.vstack([a, a])),
    (lambda a: am.column_stack([a, a]), lambda a: np.column_stack([a, a])),
    (lambda a: am.dstack([a, a]), lambda a: np.dstack([a, a])),
    (lambda a: am.tril(a, -1), lambda a: np.tril(a, -1)),  # a 1-d input becomes a square
    (lambda a: am.diag(a, 2), lambda a: np.diag(a, 2)),
    (lambda a: am.roll(a, (1, 2), axis=(0, 0)), lambda a: np.roll(a, (1, 2), axis=(0, 0))),
    (lambda a: am.tile(a, ()), lambda a: np.tile(a, ())),
    (lambda a: am.repeat(a, np.array([2])), lambda a: np.repeat(a, np.array([2]))),
], ids=["hstack-scalar", "vstack", "column_stack", "dstack", "tril-1d", "diag", "roll-same-axis",
        "tile-no-reps", "repeat-one-count"])
def test_one_dimensional_and_scalar_forms_match_numpy(fn, ref):
    a = np.array([1.0, -2.0, 3.5])
    out = fn(leaf(a))
    np.testing.assert_array_equal(out.data, ref(a))
    assert am.gradcheck(fn, [leaf(a)]).ok


def test_methods_follow_ndarray():
    x = leaf(X.reshape(1, 3, 4))
    assert x.squeeze().shape == (3, 4) and x.squeeze(0).shape == (3, 4)
    np.testing.assert_array_equal(x.ravel().data, X.ravel())
    np.testing.assert_array_equal(x.flatten("F").data, X.reshape(1, 3, 4).flatten("F"))
    np.testing.assert_array_equal(x.repeat(2).data, X.repeat(2))
    np.testing.assert_array_equal(x.diagonal(0, 1, 2).data, X.reshape(1, 3, 4).diagonal(0, 1, 2))
    np.testing.assert_array_equal(x.trace(1, 1, 2).data, X.reshape(1, 3, 4).trace(1, 1, 2))
    np.testing.assert_array_equal(x.take([3, 0], axis=2).data, X.reshape(1, 3, 4).take([3, 0], 2))


@pytest.mark.parametrize("fn", [
    lambda x: am.flip(x), lambda x: am.roll(x, 3), lambda x: am.pad(x, 1, constant_values=2),
    lambda x: am.pad(x, 2, mode="reflect"), lambda x: am.tile(x, 2), lambda x: x.repeat(2, 0),
    lambda x: am.tril(x), lambda x: am.diag(x[0]), lambda x: am.take_along_axis(
        x, np.array([[1], [0], [2]]), 1), lambda x: am.vstack([x, x]),
])
def test_float32_stays_float32_forward_and_backward(fn):
    x = leaf(dtype=np.float32)
    out = fn(x)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert np.asarray(x.grad).dtype == np.float32


# ---- errors name the function, the value given and what was expected ---------------------------
@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda x: am.squeeze(x, 0), ValueError, r"squeeze: cannot remove axis 0 of shape \(3, 4\)"),
    (lambda x: am.flip(x, 2), ShapeError, "flip: axis 2 is out of range"),
    (lambda x: am.roll(x, (1, 2, 3), axis=(0, 1)), ValueError, "roll: shift"),
    (lambda x: am.roll(x, 1.5), TypeError, "roll: shift must be an int"),
    (lambda x: am.moveaxis(x, (0, 1), 0), ValueError, "moveaxis: source"),
    (lambda x: am.ravel(x, "K"), ValueError, "ravel: order must be 'C'"),
    (lambda x: am.tile(x, -1), ValueError, "tile: reps must be non-negative"),
    (lambda x: am.repeat(x, [1, 2], axis=0), ValueError, "repeat: 2 repeats given for an axis "
                                                          "of length 3"),
    (lambda x: am.pad(x, -1), ValueError, "pad: pad_width must be non-negative"),
    (lambda x: am.pad(x, 1.5), TypeError, "pad: pad_width must hold ints"),
    (lambda x: am.pad(x, (1, 2, 3)), ValueError, "pad: pad_width .* does not fit"),
    (lambda x: am.pad(x, 1, mode="mean"), ValueError, "pad: mode 'mean' is not supported"),
    (lambda x: am.pad(x[:0], 1, mode="edge"), ValueError, "pad: cannot extend the empty axis"),
    (lambda x: am.split(x, 3, axis=1), ValueError, "split: an axis of length 4 does not split"),
    (lambda x: am.array_split(x, 0), ValueError, "array_split: the number of sections must be"),
    (lambda x: am.take(x, [12]), IndexError, "take: index 12 is out of bounds for axis 0 with "
                                             "size 12"),
    (lambda x: am.take(x, [0.0]), TypeError, "take: indices must be integers"),
    (lambda x: am.take(x, [0], mode="nearest"), ValueError, "take: mode must be"),
    (lambda x: am.take_along_axis(x, np.array([0]), 1), ValueError,
     r"take_along_axis: indices \(1,\) and arr \(3, 4\) must have the same number of dims"),
    (lambda x: am.take_along_axis(x, np.array([[4]]), 1), IndexError, "take_along_axis: index 4"),
    (lambda x: am.diagonal(x[0]), ValueError, r"diagonal: needs at least 2 dims, got shape \(4,"),
    (lambda x: am.diagonal(x, 0, 1, -1), ValueError, "diagonal: axis1 and axis2 must differ"),
    (lambda x: am.diag(x[None]), ValueError, r"diag: input must be 1-d or 2-d, got shape"),
    (lambda x: am.tril(x.sum()), ValueError, "tril: needs at least 1 dim"),
    (lambda x: am.hstack([]), TypeError, "hstack: expected a non-empty list"),
    (lambda x: am.vstack([x, x[:, :2]]), ShapeError, "vstack: concatenate: shapes"),
    (lambda x: am.broadcast_arrays(x, x[:2]), ShapeError, r"broadcast_arrays: shapes \[\(3, 4\), "
                                                          r"\(2, 4\)\] cannot be broadcast"),
])
def test_bad_arguments_raise_errors_naming_the_function(call, error, message):
    with pytest.raises(error, match=message):
        call(leaf())
