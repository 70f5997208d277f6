"""Convolution and pooling against PyTorch (float64, rtol 1e-10): forward and both gradients
over hypothesis-drawn shapes, strides, paddings, dilations and groups."""

from __future__ import annotations

import numpy as np
import pytest
from conv_cases import conv_cases, pool_cases
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
import nn

torch = pytest.importorskip("torch")
F = torch.nn.functional
RTOL, ATOL = 1e-10, 1e-12


def _close(ours, theirs) -> None:
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), rtol=RTOL, atol=ATOL)


def _backward_both(ours, theirs, seed: int = 0) -> None:
    g = np.random.default_rng(seed).standard_normal(ours.shape)
    (ours * am.tensor(g)).sum().backward()
    theirs.backward(torch.tensor(g))


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own copy
@settings(max_examples=25)
@given(conv_cases())
def test_conv_matches_torch(case):
    d = case.x.ndim - 2
    x, w, b = (am.tensor(a, requires_grad=True) for a in (case.x, case.w, case.b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (case.x, case.w, case.b))
    ours = (nn.functional.conv1d if d == 1 else nn.functional.conv2d)(
        x, w, b, case.stride, case.padding, case.dilation, case.groups)
    theirs = (F.conv1d if d == 1 else F.conv2d)(tx, tw, tb, case.stride, case.padding,
                                                case.dilation, case.groups)
    _close(ours.data, theirs)
    _backward_both(ours, theirs)
    for mine, reference in ((x, tx), (w, tw), (b, tb)):
        _close(mine.grad, reference.grad)


@settings(max_examples=15)
@given(conv_cases(dims=(2,)), st.integers(0, 1))
def test_conv_transpose2d_matches_torch(case, extra):
    if case.padding == "same":
        return
    # conv_transpose maps conv's output shape back to (at least) its input shape; its weight
    # (in_channels, out_channels/groups, kH, kW) is conv's (O, C/G, kH, kW)
    conv_out = am.conv(case.x, case.w, stride=case.stride, padding=case.padding,
                       dilation=case.dilation, groups=case.groups).shape
    g = np.random.default_rng(1).standard_normal(conv_out)
    output_padding = tuple(min(extra, max(s, dil) - 1) for s, dil in zip(case.stride,
                                                                          case.dilation))
    bias = np.random.default_rng(2).standard_normal(case.w.shape[1] * case.groups)
    ours_in = [am.tensor(a, requires_grad=True) for a in (g, case.w, bias)]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in (g, case.w, bias)]
    ours = nn.functional.conv_transpose2d(*ours_in, case.stride, case.padding, output_padding,
                                          case.groups, case.dilation)
    theirs = F.conv_transpose2d(*theirs_in, case.stride, case.padding, output_padding,
                                case.groups, case.dilation)
    _close(ours.data, theirs)
    _backward_both(ours, theirs)
    for mine, reference in zip(ours_in, theirs_in):
        _close(mine.grad, reference.grad)


@settings(max_examples=25)
@given(pool_cases(ties=True))
def test_max_pool_matches_torch_including_ties(case):
    """Ties route the whole gradient to the first maximum, as PyTorch's CPU kernel does."""
    d = case.x.ndim - 2
    x, tx = am.tensor(case.x, requires_grad=True), torch.tensor(case.x, requires_grad=True)
    args = (case.kernel, case.stride, case.padding, case.dilation, case.ceil_mode)
    ours = (nn.functional.max_pool1d if d == 1 else nn.functional.max_pool2d)(x, *args)
    theirs = (F.max_pool1d if d == 1 else F.max_pool2d)(tx, *args)
    _close(ours.data, theirs)
    _backward_both(ours, theirs)
    _close(x.grad, tx.grad)


@settings(max_examples=25)
@given(pool_cases(dilate=False), st.booleans())
def test_avg_pool_matches_torch(case, count_include_pad):
    d = case.x.ndim - 2
    x, tx = am.tensor(case.x, requires_grad=True), torch.tensor(case.x, requires_grad=True)
    args = (case.kernel, case.stride, case.padding, case.ceil_mode, count_include_pad)
    ours = (nn.functional.avg_pool1d if d == 1 else nn.functional.avg_pool2d)(x, *args)
    theirs = (F.avg_pool1d if d == 1 else F.avg_pool2d)(tx, *args)
    _close(ours.data, theirs)
    _backward_both(ours, theirs)
    _close(x.grad, tx.grad)


@settings(max_examples=10)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 5), st.integers(1, 5))
def test_adaptive_avg_pool2d_matches_torch(h, w, oh, ow):
    data = np.random.default_rng(h * 10 + w).standard_normal((2, 3, h, w))
    x, tx = am.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours = nn.functional.adaptive_avg_pool2d(x, (oh, ow))
    theirs = F.adaptive_avg_pool2d(tx, (oh, ow))
    _close(ours.data, theirs)
    _backward_both(ours, theirs)
    _close(x.grad, tx.grad)


def test_max_pool_with_nans_routes_as_torch():
    """PyTorch's CPU kernel lets a later NaN replace an earlier one: the gradient follows."""
    data = np.array([[[1.0, np.nan, 2.0, np.nan, 5.0, 4.0]]])
    x, tx = am.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours, theirs = am.max_pool(x, 3, 1), F.max_pool1d(tx, 3, 1)
    np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
    _backward_both(ours, theirs)
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 1), (3, 2)])
def test_max_pool_float32_with_relu_ties_routes_as_torch(kernel, stride):
    """float32 after a ReLU (windows of zeros tie), disjoint and overlapping windows alike: the
    gradient stays float32 and goes where PyTorch's does (overlaps sum what they receive)."""
    data = np.maximum(np.random.default_rng(3).standard_normal((3, 2, 9, 8)), 0)
    data = data.astype(np.float32)
    x, tx = am.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours, theirs = nn.functional.max_pool2d(x, kernel, stride), F.max_pool2d(tx, kernel, stride)
    g = np.random.default_rng(4).standard_normal(ours.shape).astype(np.float32)
    (ours * am.tensor(g)).sum().backward()
    theirs.backward(torch.tensor(g))
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6, atol=1e-6)
