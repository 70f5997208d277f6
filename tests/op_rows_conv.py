"""Op-table rows for the convolution family (autograd_mini/ops/conv.py): conv, conv_transpose,
max_pool and avg_pool over 1 or 2 spatial axes, with naive numpy references that loop over
output positions (clear, slow, independent of im2col)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_table import Case, Op

import autograd_mini as am
from autograd_mini import testing as amt


def _pairs(padding: Any, kernel, dilation) -> list[tuple[int, int]]:
    if padding == "same":
        totals = [dil * (k - 1) for k, dil in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in totals]
    return [(p, p) for p in padding]


def conv_ref(x, w, *, stride, padding, dilation, groups):
    """y[n, o, q] = Σ_{c in o's group, k} x̃[n, c, q·s + k·d] w[o, c, k], position by position."""
    d = x.ndim - 2
    kernel = w.shape[2:]
    pads = _pairs(padding, kernel, dilation)
    xp = np.pad(x, [(0, 0), (0, 0), *pads])
    out = [(xp.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
           for i in range(d)]
    o, cg = w.shape[0], w.shape[1]
    y = np.zeros((x.shape[0], o, *out))
    for q in itertools.product(*(range(n) for n in out)):
        index = tuple(slice(qi * s, qi * s + dil * (k - 1) + 1, dil)
                      for qi, s, dil, k in zip(q, stride, dilation, kernel))
        patch = xp[(slice(None), slice(None), *index)]  # (N, C, *K)
        for oc in range(o):
            g = oc // (o // groups)
            y[(slice(None), oc, *q)] = np.sum(
                patch[:, g * cg:(g + 1) * cg] * w[oc], axis=tuple(range(1, 2 + d)))
    return y


def conv_transpose_ref(g, w, *, stride, padding, output_padding, groups, dilation):
    """Scatter-add g[n, c, q]·w[c, o, k] onto position q·s + k·d − p, position by position."""
    d = g.ndim - 2
    kernel = w.shape[2:]
    size = [(g.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1)
            + 1 + output_padding[i] for i in range(d)]
    og = w.shape[1]
    cin_g = g.shape[1] // groups
    full = np.zeros((g.shape[0], og * groups, *[n + 2 * p for n, p in zip(size, padding)]))
    for q in itertools.product(*(range(n) for n in g.shape[2:])):
        for k in itertools.product(*(range(n) for n in kernel)):
            pos = tuple(qi * s + ki * dil for qi, s, ki, dil in zip(q, stride, k, dilation))
            if any(p >= n for p, n in zip(pos, full.shape[2:])):
                continue
            for c in range(g.shape[1]):
                grp = c // cin_g
                full[(slice(None), slice(grp * og, (grp + 1) * og), *pos)] += \
                    g[(slice(None), c, *q)][:, None] * w[(c, slice(None), *k)]
    crop = tuple(slice(p, p + n) for p, n in zip(padding, size))
    return full[(slice(None), slice(None), *crop)]


def _windows_ref(x, kernel, stride, padding, dilation, fill):
    """(output positions, list of window value arrays) with padding `fill`; floor mode."""
    d = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0), *[(p, p) for p in padding]], constant_values=fill)
    out = [(xp.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
           for i in range(d)]
    for q in itertools.product(*(range(n) for n in out)):
        index = tuple(slice(qi * s, qi * s + dil * (k - 1) + 1, dil)
                      for qi, s, dil, k in zip(q, stride, dilation, kernel))
        yield out, q, xp[(slice(None), slice(None), *index)]


def max_pool_ref(x, *, kernel_size, stride, padding, dilation, ceil_mode=False):
    y = None
    for out, q, patch in _windows_ref(x, kernel_size, stride, padding, dilation, -np.inf):
        y = np.zeros(x.shape[:2] + tuple(out)) if y is None else y
        y[(slice(None), slice(None), *q)] = patch.reshape(*x.shape[:2], -1).max(axis=-1)
    return y


def avg_pool_ref(x, *, kernel_size, stride, padding, ceil_mode=False, count_include_pad=True):
    ones = (1,) * len(kernel_size)
    y = None
    for out, q, patch in _windows_ref(x, kernel_size, stride, padding, ones, 0.0):
        y = np.zeros(x.shape[:2] + tuple(out)) if y is None else y
        y[(slice(None), slice(None), *q)] = patch.reshape(*x.shape[:2], -1).mean(axis=-1)
    return y


@st.composite
def _conv_case(draw, base) -> Case:
    shape = draw(base)  # (N, C, *spatial), 1 or 2 spatial axes
    d = len(shape) - 2
    groups = draw(st.sampled_from([1, 2]))
    c, o = groups * min(shape[1], 2), groups * draw(st.integers(1, 2))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(d))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(d))
    same = draw(st.booleans()) and draw(st.booleans())
    stride = (1,) * d if same else tuple(draw(st.integers(1, 2)) for _ in range(d))
    padding = "same" if same else tuple(draw(st.integers(0, 1)) for _ in range(d))
    sizes = tuple(max(n, dil * (k - 1) + 1) for n, k, dil in zip(shape[2:], kernel, dilation))
    x = draw(amt.arrays((shape[0], c, *sizes), domain="real"))
    w = draw(amt.arrays((o, c // groups, *kernel), domain="real"))
    return Case((x, w), {"stride": stride, "padding": padding, "dilation": dilation,
                         "groups": groups})


@st.composite
def _conv_transpose_case(draw, base) -> Case:
    shape = draw(base)
    d = len(shape) - 2
    groups = draw(st.sampled_from([1, 2]))
    c, o = groups * min(shape[1], 2), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(d))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(d))
    padding = tuple(draw(st.integers(0, (dil * (k - 1)) // 2)) for k, dil in zip(kernel,
                                                                                  dilation))
    extra = tuple(draw(st.integers(0, max(s, dil) - 1)) for s, dil in zip(stride, dilation))
    g = draw(amt.arrays((shape[0], c, *shape[2:]), domain="real"))
    w = draw(amt.arrays((c, o // groups, *kernel), domain="real"))
    return Case((g, w), {"stride": stride, "padding": padding, "output_padding": extra,
                         "groups": groups, "dilation": dilation})


def _pool_case(dilate: bool):
    @st.composite
    def case(draw, base) -> Case:
        shape = draw(base)
        d = len(shape) - 2
        kernel = tuple(draw(st.integers(1, 3)) for _ in range(d))
        stride = tuple(draw(st.integers(1, 2)) for _ in range(d))
        dilation = tuple(draw(st.integers(1, 2)) if dilate else 1 for _ in range(d))
        padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
        sizes = tuple(max(n, dil * (k - 1) + 1) for n, k, dil in zip(shape[2:], kernel,
                                                                      dilation))
        # distinct values: each window's maximum is unique (finite differences apply)
        x = draw(amt.distinct_values((shape[0], shape[1], *sizes)))
        params = {"kernel_size": kernel, "stride": stride, "padding": padding}
        return Case((x,), {**params, "dilation": dilation} if dilate else params)

    return case


def _torch_conv(x, w, **p):
    import warnings

    import torch.nn.functional as F

    with warnings.catch_warnings():  # torch notes that its "same" may copy the input
        warnings.simplefilter("ignore", UserWarning)
        return (F.conv1d if x.ndim == 3 else F.conv2d)(x, w, **p)


def _torch_conv_transpose(g, w, **p):
    import torch.nn.functional as F

    return (F.conv_transpose1d if g.ndim == 3 else F.conv_transpose2d)(g, w, **p)


def _torch_max_pool(x, **p):
    import torch.nn.functional as F

    return (F.max_pool1d if x.ndim == 3 else F.max_pool2d)(x, **p)


def _torch_avg_pool(x, **p):
    import torch.nn.functional as F

    return (F.avg_pool1d if x.ndim == 3 else F.avg_pool2d)(x, **p)


ROWS: list[Op] = [
    Op("conv", am.conv, conv_ref, 2, _conv_case, min_dims=3, torch=_torch_conv),
    Op("conv_transpose", am.conv_transpose, conv_transpose_ref, 2, _conv_transpose_case,
       min_dims=3, torch=_torch_conv_transpose),
    Op("max_pool", am.max_pool, max_pool_ref, 1, _pool_case(True), smooth=False, min_dims=3,
       torch=_torch_max_pool),
    Op("avg_pool", am.avg_pool, avg_pool_ref, 1, _pool_case(False), min_dims=3,
       torch=_torch_avg_pool),
]
