"""Convolution and pooling primitives without PyTorch: float64 finite differences, second
order, JVP against VJP, float32 staying float32, tie routing and bad-input errors."""

from __future__ import annotations

import numpy as np
import pytest
from conv_cases import conv_cases, pool_cases
from hypothesis import given, settings

import autograd_mini as am
from autograd_mini.engine import NUMPY_MODE
from autograd_mini.ops.conv import _conv_parse, _pool_parse
from autograd_mini.registry import REGISTRY


def _conv(case):
    return lambda x, w: am.conv(x, w, stride=case.stride, padding=case.padding,
                                dilation=case.dilation, groups=case.groups)


@settings(max_examples=8)
@given(conv_cases())
def test_conv_gradients_match_finite_differences(case):
    x, w = am.tensor(case.x, requires_grad=True), am.tensor(case.w, requires_grad=True)
    assert am.gradcheck(_conv(case), [x, w], atol=1e-7, rtol=1e-6)


@settings(max_examples=5)
@given(conv_cases())
def test_conv_second_order(case):
    """conv's VJP is made of conv_transpose and conv_weight, whose VJPs are convolutions."""
    x, w = am.tensor(case.x, requires_grad=True), am.tensor(case.w, requires_grad=True)
    assert am.gradgradcheck(_conv(case), [x, w], atol=1e-7, rtol=1e-6)


@settings(max_examples=5)
@given(conv_cases(dims=(2,)))
def test_conv_transpose_first_and_second_order(case):
    if case.padding == "same":
        return
    g = np.random.default_rng(0).standard_normal(_conv(case)(case.x, case.w).shape)

    def transpose(g, w):
        return am.conv_transpose(g, w, stride=case.stride, padding=case.padding,
                                 groups=case.groups, dilation=case.dilation)

    inputs = [am.tensor(g, requires_grad=True), am.tensor(case.w, requires_grad=True)]
    assert am.gradcheck(transpose, inputs, atol=1e-7, rtol=1e-6)
    assert am.gradgradcheck(transpose, inputs, atol=1e-7, rtol=1e-6)


def _jvp_against_vjp(name, inputs, params, seed=0):
    """⟨u, J v⟩ from the primitive's JVP equals ⟨Jᵀ u, v⟩ from its VJP."""
    prim = REGISTRY[name]
    rng = np.random.default_rng(seed)
    out = prim.forward(*inputs, **params)
    u = rng.standard_normal(out.shape)
    tangents = [rng.standard_normal(a.shape) for a in inputs]
    forward = np.vdot(u, prim.jvp(tangents, out, inputs, NUMPY_MODE, **params))
    cotangents = prim.vjp(u, out, inputs, [True] * len(inputs), NUMPY_MODE, **params)
    backward = sum(np.vdot(c, t) for c, t in zip(cotangents, tangents))
    np.testing.assert_allclose(forward, backward, rtol=1e-10)
    for i in range(len(inputs)):  # one tangent missing (None): the other term alone
        partial = [t if j == i else None for j, t in enumerate(tangents)]
        np.testing.assert_allclose(
            np.vdot(u, prim.jvp(partial, out, inputs, NUMPY_MODE, **params)),
            np.vdot(cotangents[i], tangents[i]), rtol=1e-10)


@settings(max_examples=8)
@given(conv_cases())
def test_conv_family_jvps_agree_with_vjps(case):
    (x, w), geo = _conv_parse(case.x, case.w, case.stride, case.padding, case.dilation,
                              case.groups)
    _jvp_against_vjp("conv", [x.data, w.data], geo)
    y = REGISTRY["conv"].forward(x.data, w.data, **geo)
    _jvp_against_vjp("conv_transpose", [y, w.data], {**geo, "shape": x.shape})
    _jvp_against_vjp("conv_weight", [x.data, y], {**geo, "shape": w.shape})


def test_conv_weight_gradient_reuses_the_forward_columns_once():
    """The conv node keeps x's im2col columns for its weight gradient and lets them go once
    used: a second backward (retain_graph) rebuilds them and gives the same gradients, and
    the drawing's op label does not show the kept columns."""
    import autograd_mini.ops.conv as conv_ops

    rng = np.random.default_rng(3)
    x = am.tensor(rng.standard_normal((4, 3, 9, 8)), requires_grad=True)
    w = am.tensor(rng.standard_normal((5, 3, 3, 2)), requires_grad=True)
    built = []
    columns = conv_ops._columns

    def counting(*args, **kwargs):
        built.append(args[0].shape)
        return columns(*args, **kwargs)

    conv_ops._columns = counting
    try:
        y = am.conv(x, w, stride=(2, 1), padding=1)
        kept = y.op_params["_keep"]
        assert "_keep" not in am.viz.dot._params_text(y.op_params)
        assert kept.cols is not None and len(built) == 1
        (y * y).sum().backward(retain_graph=True)
        assert kept.cols is None and len(built) == 1  # taken, not rebuilt
        first = (np.array(x.grad.data), np.array(w.grad.data))
        x.grad = w.grad = None
        (y * y).sum().backward()
        assert len(built) == 2  # the second backward rebuilt them
    finally:
        conv_ops._columns = columns
    np.testing.assert_array_equal(x.grad.data, first[0])
    np.testing.assert_array_equal(w.grad.data, first[1])
    xt, wt = x.detach(), w.detach()  # a weight without a gradient keeps nothing
    assert "_keep" not in am.conv(xt, wt).op_params


@settings(max_examples=8)
@given(pool_cases())
def test_pool_gradients_match_finite_differences(case):
    x = am.tensor(case.x, requires_grad=True)
    args = (case.kernel, case.stride, case.padding, case.dilation, case.ceil_mode)
    assert am.gradcheck(lambda t: am.max_pool(t, *args), [x], atol=1e-7, rtol=1e-6)
    assert am.gradgradcheck(lambda t: am.max_pool(t, *args) ** 2, [x], atol=1e-7, rtol=1e-6)
    avg = (case.kernel, case.stride, case.padding, case.ceil_mode)
    assert am.gradcheck(lambda t: am.avg_pool(t, *avg), [x], atol=1e-7, rtol=1e-6)
    assert am.gradgradcheck(lambda t: am.avg_pool(t, *avg) ** 2, [x], atol=1e-7, rtol=1e-6)


@settings(max_examples=8)
@given(pool_cases())
def test_pool_jvps_agree_with_vjps(case):
    (x,), geo = _pool_parse(case.x, case.kernel, case.stride, case.padding,
                                        case.dilation, case.ceil_mode)
    _jvp_against_vjp("max_pool", [x.data], geo)
    _jvp_against_vjp("window_sum", [x.data], geo)


def test_max_pool_gives_a_tie_to_the_first_maximum():
    """PyTorch's rule: the window's first maximum (in row-major order) takes all of g."""
    x = am.tensor(np.array([[[[1.0, 3.0, 0.0, 0.0], [3.0, 2.0, 0.0, 0.0]]]]),
                  requires_grad=True)
    am.max_pool(x, 2).sum().backward()  # two windows, each with a tie
    np.testing.assert_array_equal(x.grad, [[[[0, 1, 1, 0], [0, 0, 0, 0]]]])


def test_max_pool_nan_propagates():
    x = am.tensor(np.array([[[1.0, np.nan, 2.0, 0.5]]]), requires_grad=True)
    y = am.max_pool(x, 2)
    assert np.isnan(y.data[0, 0, 0]) and y.data[0, 0, 1] == 2.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[[0, 1, 1, 0]]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_and_pools_keep_the_dtype(dtype):
    rng = np.random.default_rng(0)
    x = am.tensor(rng.standard_normal((2, 3, 6, 6)).astype(dtype), requires_grad=True)
    w = am.tensor(rng.standard_normal((4, 3, 3, 3)).astype(dtype), requires_grad=True)
    y = am.conv(x, w, padding=1)
    z = am.max_pool(y, 2) + am.avg_pool(y, 2, padding=1, ceil_mode=True)[..., :3, :3]
    assert y.dtype == dtype and z.dtype == dtype
    z.sum().backward()
    assert x.grad.dtype == dtype and w.grad.dtype == dtype


def test_conv_with_float32_is_close_to_float64():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((5, 3, 3, 3))
    y64 = am.conv(x, w, stride=2, padding=1).data
    y32 = am.conv(x.astype(np.float32), w.astype(np.float32), stride=2, padding=1).data
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("call", "message"), [
    (lambda x, w: am.conv(x[0, 0], w), r"conv: expected x \(batch, channels, \*spatial\)"),
    (lambda x, w: am.conv(x, w[:, :2]), r"input has 3 channels but weight \(4, 2, 3, 3\)"),
    (lambda x, w: am.conv(x, w, groups=2), "groups=2 must divide in_channels=3"),
    (lambda x, w: am.conv(x, w, stride=0), "stride must be >= 1"),
    (lambda x, w: am.conv(x, w, stride=(1, 1, 1)), "stride must be an int or 2 ints"),
    (lambda x, w: am.conv(x, w, padding=-1), "padding must be >= 0"),
    (lambda x, w: am.conv(x, w, padding="full"), "padding must be an int, a tuple, 'valid'"),
    (lambda x, w: am.conv(x, w, padding="same", stride=2), "'same' needs stride 1"),
    (lambda x, w: am.conv(x[..., :2, :2], w), r"smaller than the dilated kernel \(3, 3\)"),
    (lambda x, w: am.conv(x, w[..., 0]), "weight must be"),
    (lambda x, w: am.max_pool(x, 2, padding=2), "at most half the kernel"),
    (lambda x, w: am.max_pool(x, 9), r"smaller than the kernel \(9, 9\)"),
    (lambda x, w: am.conv_transpose(x, w, stride=2, output_padding=2),
     "output_padding .* must be smaller than stride"),
])
@pytest.mark.hardening("engine/nn-conv-layout")
def test_bad_geometry_names_the_op_and_the_value(call, message):
    x = am.tensor(np.zeros((2, 3, 6, 6)))
    w = am.tensor(np.zeros((4, 3, 3, 3)))
    if "conv_transpose" in message or "output_padding" in message:
        x = am.tensor(np.zeros((2, 4, 6, 6)))
    with pytest.raises((ValueError, TypeError, am.ShapeError), match=message):
        call(x, w)
