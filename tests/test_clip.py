"""clip_grad_norm_ and clip_grad_value_ against PyTorch and on edge cases."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from nn.utils import clip_grad_norm_, clip_grad_value_

torch = pytest.importorskip("torch")

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def params_pair(scale: float, seed: int = 0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    grads = [(scale * rng.standard_normal(s)).astype(dtype) for s in SHAPES]
    ours = [am.Tensor(np.zeros(s, dtype), requires_grad=True) for s in SHAPES]
    theirs = [torch.zeros(s, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
              for s in SHAPES]
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = g.copy(), torch.tensor(g.copy())
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("scale", [0.01, 10.0])  # below and above max_norm
def test_clip_grad_norm_matches_torch(norm_type, scale):
    ours, theirs = params_pair(scale)
    total = clip_grad_norm_(ours, max_norm=1.5, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.5, norm_type=norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(expected.item(), rel=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)
    clipped = np.concatenate([p.grad.data.ravel() for p in ours])
    after = np.linalg.norm(clipped, norm_type)
    assert after <= 1.5 + 1e-9 if scale > 1 else after == pytest.approx(total)


def test_clip_grad_norm_is_in_place_and_keeps_float32():
    ours, _ = params_pair(10.0, dtype=np.float32)
    arrays = [p.grad for p in ours]
    clip_grad_norm_(ours, 1.0)
    assert all(p.grad is a and a.dtype == np.float32 for p, a in zip(ours, arrays))
    norm = np.sqrt(sum(float((a.astype(np.float64) ** 2).sum()) for a in arrays))
    assert norm == pytest.approx(1.0, rel=1e-6)


def test_float32_norm_does_not_overflow():
    """Squares of 1e30 overflow float32; the norm is redone in float64, quietly."""
    p = am.Tensor(np.zeros(4, np.float32), requires_grad=True)
    p.grad = np.full(4, 1e30, np.float32)
    with np.errstate(all="raise"):
        assert clip_grad_norm_([p], 1.0) == pytest.approx(2e30, rel=1e-6)
    np.testing.assert_allclose(p.grad, 0.5, rtol=1e-5)


def test_skips_missing_grads_and_accepts_a_single_tensor():
    a = am.Tensor(np.zeros(2), requires_grad=True)
    b = am.Tensor(np.zeros(2), requires_grad=True)
    a.grad = np.array([3.0, 4.0])
    assert clip_grad_norm_([a, b], 1.0) == 5.0 and b.grad is None
    np.testing.assert_allclose(a.grad, [0.6, 0.8], rtol=1e-6)
    assert clip_grad_norm_(a, 10.0) == pytest.approx(1.0, rel=1e-6)
    assert clip_grad_norm_([b], 1.0) == 0.0


def test_nonfinite_total():
    a = am.Tensor(np.zeros(3), requires_grad=True)
    a.grad = np.array([1.0, np.inf, 2.0])
    with pytest.raises(FloatingPointError, match="inf"):
        clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(a.grad, [1.0, np.inf, 2.0])  # untouched when raising
    a.grad = np.array([1.0, np.nan, 2.0])
    total = clip_grad_norm_([a], 1.0)
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor([1.0, np.nan, 2.0], dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_([t], 1.0)
    assert np.isnan(total)
    np.testing.assert_array_equal(np.isnan(a.grad.data), np.isnan(t.grad.numpy()))


def test_clip_grad_value_matches_torch():
    ours, theirs = params_pair(2.0, seed=1)
    clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())
    assert max(np.abs(p.grad.data).max() for p in ours) == 0.7


def test_read_only_gradient_is_replaced_not_written():
    a = am.Tensor(np.zeros(3), requires_grad=True)
    shared = np.full(3, 4.0)
    shared.flags.writeable = False
    a.grad = shared
    clip_grad_value_([a], 1.0)
    np.testing.assert_array_equal(a.grad, 1.0)
    np.testing.assert_array_equal(shared, 4.0)


def test_invalid_arguments():
    a = am.Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_([a], -1.0)
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_([a], 1.0, norm_type=0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_([a], -0.5)
