"""Forward values of every op in the table against its numpy reference, float64 and float32."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_table import OPS, call, op_ids, per_row, reference, tensors

from autograd_mini import testing as amt

EDGE_SHAPES = st.sampled_from([(), (1,), (4,)])


def base_shapes(op, max_dims=4, max_side=4):
    return amt.shapes(min_dims=op.min_dims, max_dims=max(max_dims, op.min_dims), max_side=max_side)


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@per_row
@given(data=st.data())
def test_forward_matches_numpy_float64(op, data):
    case = data.draw(op.draw(base_shapes(op)))
    out = call(op, tensors(case, requires_grad=False), case)
    expected = reference(op, case)
    assert out.shape == expected.shape
    assert out.dtype == np.dtype(op.out_dtype or np.float64)
    assert not out.requires_grad  # no input required grad: nothing is recorded
    np.testing.assert_allclose(out.data, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@per_row
@given(data=st.data())
def test_forward_float32_stays_float32(op, data):
    case = data.draw(op.draw(base_shapes(op)))
    xs = tensors(case, np.float32)
    out = call(op, xs, case)
    assert out.dtype == np.dtype(op.out_dtype or np.float32)
    assert out.requires_grad
    expected = reference(op, case, np.float32)  # float64 maths on the float32-rounded inputs
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(out.data, expected, rtol=2e-4, atol=2e-5 * scale)


@pytest.mark.parametrize("op", [op for op in OPS if op.min_dims == 0], ids=op_ids)
@per_row
@given(data=st.data())
def test_forward_0d_and_1d_inputs(op, data):
    case = data.draw(op.draw(EDGE_SHAPES))
    out = call(op, tensors(case), case)
    expected = reference(op, case)
    assert out.shape == expected.shape
    assert isinstance(out.data, np.ndarray)  # 0-d results too, not numpy scalars
    np.testing.assert_allclose(out.data, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp", "var"])
def test_reduction_over_empty_axis_tuple_is_identity_like_numpy(name):
    import autograd_mini as am

    x = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    out = getattr(am, name)(am.tensor(x), axis=())
    expected = np.log(np.exp(x)) if name == "logsumexp" else getattr(np, name)(x, axis=())
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
