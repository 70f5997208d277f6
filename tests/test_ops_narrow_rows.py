"""The softmax family's fast path for many rows of few columns (a classifier's logits).

Op-table shapes are small, so these cases reach `_slice_max`/`_slice_sum`'s column-wise path:
results must equal numpy's row reductions, keep the dtype, and handle NaN/±inf as before."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.gradcheck import gradcheck
from autograd_mini.ops.reductions import _MANY_ROWS, _NARROW_COLUMNS, _slice_max, _slice_sum

SHAPES = [(_MANY_ROWS, 1), (_MANY_ROWS, 10), (300, 7), (1024, _NARROW_COLUMNS)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_max_and_sum_match_numpy(shape, dtype):
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    a[3, 0] = np.nan
    a[5, -1] = np.inf
    a[7, :] = -np.inf
    m = _slice_max(a, (1,))
    assert m.shape == (shape[0], 1) and m.dtype == dtype
    np.testing.assert_array_equal(m, np.max(a, axis=1, keepdims=True))
    positive = np.abs(a[8:])  # softmax sums positive terms: compare without cancellation
    s = _slice_sum(positive, (1,))
    assert s.shape == (shape[0] - 8, 1) and s.dtype == dtype
    np.testing.assert_allclose(s, np.sum(positive.astype(np.float64), axis=1, keepdims=True),
                               rtol=1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("shape", SHAPES[1:3])
def test_softmax_family_and_cross_entropy_match_float64_reference(shape):
    rng = np.random.default_rng(1)
    z = (rng.standard_normal(shape) * 30).astype(np.float32)  # wide range: exercises the shift
    z[0] = [1e4] + [-1e4] * (shape[1] - 1)  # extreme but finite
    labels = rng.integers(0, shape[1], shape[0])
    ref = z.astype(np.float64)
    ref_lsm = ref - ref.max(1, keepdims=True)
    ref_lsm -= np.log(np.exp(ref_lsm).sum(1, keepdims=True))
    t = am.tensor(z)
    np.testing.assert_allclose(am.log_softmax(t, axis=1).data, ref_lsm, atol=2e-5)
    np.testing.assert_allclose(am.softmax(t, axis=1).data, np.exp(ref_lsm), atol=1e-6)
    np.testing.assert_allclose(am.logsumexp(t, axis=1).data,
                               ref.max(1) + np.log(np.exp(ref - ref.max(1, keepdims=True)).sum(1)),
                               rtol=1e-6)
    loss = am.cross_entropy(t, labels, reduction="none")
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.data, -ref_lsm[np.arange(shape[0]), labels], rtol=1e-5,
                               atol=1e-5)


def test_cross_entropy_gradient_on_many_rows_is_exact():
    rng = np.random.default_rng(2)
    z = am.tensor(rng.standard_normal((_MANY_ROWS + 3, 10)), requires_grad=True)
    labels = rng.integers(0, 10, _MANY_ROWS + 3)
    assert gradcheck(lambda x: am.cross_entropy(x, labels), (z,))
    weights = am.tensor(rng.standard_normal((1, 10)))  # fixed: a projection of the output
    assert gradcheck(lambda x: (am.softmax(x, axis=1) * weights).sum(), (z,))
    assert gradcheck(lambda x: (am.log_softmax(x, axis=1) * weights).sum(), (z,))
