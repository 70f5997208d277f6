"""Convolution and pooling primitives over N spatial axes, inputs laid out (batch, channels, *S).

Convolution is im2col: a strided window view of the padded input (no copy), one copy into
columns, and one BLAS product per group. Its three bilinear primitives are each other's VJPs,
so gradients of any order stay convolutions:

    conv(x, w)                    y[n,o,q] = Σ_{c,k} x̃[n,c,q·s + k·d] w[o,c,k]   (x̃: padded x)
    conv_transpose(g, w; shape)   the adjoint of x ↦ conv(x, w)   (∂/∂x, col2im)
    conv_weight(x, g; shape)      the adjoint of w ↦ conv(x, w)   (∂/∂w)

col2im accumulates with one strided slice per kernel offset (kh·kw adds), never a loop over
pixels or batch items. Pooling has the same shape: a window view forward, and a linear
"route" (the adjoint of gathering one element per window) for the gradient.

Geometry parameters reach the primitives normalised: `stride`, `dilation`, `kernel` are tuples
with one int per spatial axis, `padding` a tuple of (before, after) pairs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..engine import apply
from ..errors import ShapeError
from ..tensor import Tensor
from .args import as_int, as_tensor, is_int
from .expose import composite, defop, parsed

Pairs = tuple[tuple[int, int], ...]


# ---- geometry ---------------------------------------------------------------------------------
def output_size(size: int, kernel: int, stride: int, pad: tuple[int, int], dilation: int) -> int:
    """Number of window positions along one axis: ⌊(L + p₀ + p₁ − d(k−1) − 1)/s⌋ + 1."""
    return (size + pad[0] + pad[1] - dilation * (kernel - 1) - 1) // stride + 1


def _pad(x: np.ndarray, padding: Pairs, value: float = 0.0) -> np.ndarray:
    if not any(lo or hi for lo, hi in padding):
        return x
    return np.pad(x, ((0, 0), (0, 0)) + tuple(padding), constant_values=value)


def _windows(xpad: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...],
             dilation: tuple[int, ...], out: tuple[int, ...]) -> np.ndarray:
    """A view (N, C, *out, *kernel) of the padded input: window q, offset k at q·s + k·d."""
    d = len(kernel)
    span = tuple(dil * (k - 1) + 1 for k, dil in zip(kernel, dilation))
    view = sliding_window_view(xpad, span, axis=tuple(range(2, 2 + d)))
    index = (slice(None),) * 2 + tuple(slice(None, s * (q - 1) + 1, s)
                                       for s, q in zip(stride, out))
    index += tuple(slice(None, None, dil) for dil in dilation)
    return view[index]


def _offset_slices(k: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
                   out: tuple[int, ...]) -> tuple[slice, ...]:
    """The padded-input positions q·s + k·d of kernel offset k over all windows q."""
    return tuple(slice(ki * dil, ki * dil + s * (q - 1) + 1, s)
                 for ki, s, dil, q in zip(k, stride, dilation, out))


def _padded_shape(shape: tuple[int, ...], padding: Pairs) -> tuple[int, ...]:
    return shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(shape[2:], padding))


def _unpad(xpad: np.ndarray, padding: Pairs) -> np.ndarray:
    index = (slice(None),) * 2 + tuple(slice(lo, n - hi) for n, (lo, hi)
                                       in zip(xpad.shape[2:], padding))
    return xpad[index]


# ---- convolution ------------------------------------------------------------------------------
def _columns(x: np.ndarray, kernel: tuple[int, ...], groups: int, stride, padding, dilation,
             out: tuple[int, ...] | None = None) -> tuple[np.ndarray, tuple[int, ...]]:
    """im2col: (groups, C/groups·K, N·Q) columns of the padded input, and the output size Q
    (all windows that fit, or the first `out` of them)."""
    n, c = x.shape[:2]
    d = len(kernel)
    if out is None:
        out = tuple(output_size(size, k, s, p, dil) for size, k, s, p, dil
                    in zip(x.shape[2:], kernel, stride, padding, dilation))
    win = _windows(_pad(x, padding), kernel, stride, dilation, out)  # (N, C, *Q, *K)
    win = win.reshape((n, groups, c // groups) + win.shape[2:])  # (N, G, C/G, *Q, *K)
    perm = (1, 2) + tuple(range(3 + d, 3 + 2 * d)) + (0,) + tuple(range(3, 3 + d))
    # (G, C/G, *K, N, *Q): the one copy, each kernel offset a run of whole output rows
    cols = np.ascontiguousarray(win.transpose(perm))
    return cols.reshape(groups, -1, n * math.prod(out)), out


class _KeptColumns:
    """The forward's im2col columns of x, kept on a conv node whose weight needs a gradient:
    conv_weight(x, g) in its VJP takes them instead of building the same columns again (one
    of the four im2col copies of a conv layer's training step). They are let go once taken,
    so they live from the forward to the backward; a later backward (retain_graph) or a JVP
    rebuilds them. Taken only for the very array they were made from (`x is`), and the
    engine refuses a backward through an input written in place since."""

    __slots__ = ("x", "cols")

    def __init__(self) -> None:
        self.x = self.cols = None

    def keep(self, x: np.ndarray, cols: np.ndarray) -> None:
        self.x, self.cols = x, cols

    def take(self, x: np.ndarray, out: tuple[int, ...]) -> np.ndarray | None:
        cols = self.cols if self.x is x and self.cols is not None and \
            self.cols.shape[-1] == x.shape[0] * math.prod(out) else None
        self.x = self.cols = None
        return cols

    def __repr__(self) -> str:
        return "<kept columns>" if self.cols is not None else "<no columns>"


def _conv_forward(x, w, *, stride, padding, dilation, groups, _keep=None):
    n, o = x.shape[0], w.shape[0]
    cols, out = _columns(x, w.shape[2:], groups, stride, padding, dilation)
    if _keep is not None:
        _keep.keep(x, cols)
    w2 = w.reshape(groups, o // groups, -1)  # (G, O/G, C/G·K)
    y = np.matmul(w2, cols)  # (G, O/G, N·Q): one BLAS product per group
    y = y.reshape((o, n) + out)
    return np.ascontiguousarray(y.swapaxes(0, 1))  # (N, O, *Q)


def _grouped_output(g: np.ndarray, groups: int) -> np.ndarray:
    """g (N, O, *Q) as (G, O/G, N·Q), matching the columns' order."""
    n, o = g.shape[:2]
    return np.ascontiguousarray(g.swapaxes(0, 1)).reshape(groups, o // groups, -1)


def _conv_transpose_forward(g, w, *, stride, padding, dilation, groups, shape):
    """col2im: scatter the columns Wᵀ·g back onto the padded input, one add per kernel offset.

    The batch axis goes last, in the columns (C, *K, *Q, N) and in the accumulator (C, *S, N):
    each offset's add then runs over rows of Q·N contiguous elements rather than N·C·… rows of
    Q_last, which costs more than the two transposing copies of g and of the result (conv2's
    input gradient in the LeNet step: 1.52 → 0.87 ms at batch 64, 8.3 → 5.5 ms at 256)."""
    kernel = w.shape[2:]
    n, out = g.shape[0], g.shape[2:]
    c = shape[1]
    w2 = w.reshape(groups, w.shape[0] // groups, -1)  # (G, O/G, C/G·K)
    g_last = np.ascontiguousarray(np.moveaxis(g, 0, -1))  # (O, *Q, N)
    g_last = g_last.reshape(groups, g.shape[1] // groups, -1)  # (G, O/G, Q·N)
    dcols = np.matmul(w2.transpose(0, 2, 1), g_last)  # (G, C/G·K, Q·N)
    dcols = dcols.reshape((c,) + tuple(kernel) + tuple(out) + (n,))  # (C, *K, *Q, N)
    padded = _padded_shape(tuple(shape), padding)
    gx = np.zeros((c,) + padded[2:] + (n,), dtype=dcols.dtype)  # (C, *S, N)
    for k in itertools.product(*(range(size) for size in kernel)):
        gx[(slice(None),) + _offset_slices(k, stride, dilation, out)] += \
            dcols[(slice(None),) + k]
    return np.ascontiguousarray(_unpad(np.moveaxis(gx, -1, 0), padding))


def _conv_weight_forward(x, g, *, stride, padding, dilation, groups, shape, _keep=None):
    cols = None if _keep is None else _keep.take(x, g.shape[2:])
    if cols is None:
        cols, _ = _columns(x, tuple(shape[2:]), groups, stride, padding, dilation,
                           g.shape[2:])
    # gwᵀ = cols · gᵀ: the long N·Q axis is contracted with the columns as the left, row-major
    # operand, twice as fast as g · colsᵀ for LeNet's conv1 (the transpose back is small)
    gw = np.matmul(cols, _grouped_output(g, groups).transpose(0, 2, 1))  # (G, C/G·K, O/G)
    return np.ascontiguousarray(gw.transpose(0, 2, 1)).reshape(shape)


def _conv_vjp(g, out, inputs, needs, xp, *, _keep=None, **geo):
    x, w = inputs
    gx = xp.conv_transpose(g, w, shape=x.shape, **geo) if needs[0] else None
    gw = xp.conv_weight(x, g, shape=w.shape, _keep=_keep, **geo) if needs[1] else None
    return gx, gw


def _bilinear_jvp(op):
    """The JVP of an op linear in each of its two inputs (conv, conv_transpose, conv_weight):
    f(t_a, b) + f(a, t_b), leaving out a term whose tangent is None."""
    def jvp(t, out, inputs, xp, *, _keep=None, **params):
        f = getattr(xp, op)  # (conv's kept columns are x's, not a tangent's: left out)
        a, b = inputs
        parts = []
        if t[0] is not None:
            parts.append(f(t[0], b, **params))
        if t[1] is not None:
            parts.append(f(a, t[1], **params))
        return parts[0] if len(parts) == 1 else parts[0] + parts[1]

    return jvp


def _cropped(y, shape):
    """y's leading windows, as many as `shape` has: an output_padding row (or a row a strided
    convolution never reached) would add windows that g never had."""
    if y.shape == tuple(shape):
        return y
    return y[(slice(None),) * 2 + tuple(slice(None, n) for n in shape[2:])]


def _conv_transpose_vjp(gg, out, inputs, needs, xp, *, shape, **geo):
    g, w = inputs  # out = conv_transpose(g, w) has x's shape; gg does too
    gg_g = _cropped(xp.conv(gg, w, **geo), g.shape) if needs[0] else None
    gg_w = xp.conv_weight(gg, g, shape=w.shape, **geo) if needs[1] else None
    return gg_g, gg_w


def _conv_weight_vjp(gw, out, inputs, needs, xp, *, shape, _keep=None, **geo):
    x, g = inputs  # out = conv_weight(x, g) has w's shape; gw does too
    gx = xp.conv_transpose(g, gw, shape=x.shape, **geo) if needs[0] else None
    gg = _cropped(xp.conv(x, gw, **geo), g.shape) if needs[1] else None
    return gx, gg


# ---- argument checks --------------------------------------------------------------------------
def spatial(value: Any, d: int, op: str, what: str, minimum: int) -> tuple[int, ...]:
    """An int or a sequence of d ints (each >= minimum) as a d-tuple."""
    values = (value,) * d if is_int(value) else value
    if not isinstance(values, (tuple, list)) or len(values) != d:
        raise ValueError(f"{op}: {what} must be an int or {d} ints (one per spatial axis), "
                         f"got {value!r}")
    out = tuple(as_int(v, op, what) for v in values)
    if any(v < minimum for v in out):
        raise ValueError(f"{op}: {what} must be >= {minimum}, got {value!r}")
    return out


def padding_pairs(padding: Any, d: int, op: str, kernel: tuple[int, ...] = (),
                  dilation: tuple[int, ...] = (), stride: tuple[int, ...] = ()) -> Pairs:
    """padding: an int, d ints, d (before, after) pairs, 'valid' or 'same' (stride 1 only;
    the odd extra element goes after, as in PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * d
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' needs stride 1 (as in PyTorch), got "
                                 f"stride {stride}")
            total = [dil * (k - 1) for k, dil in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got "
                         f"{padding!r}")
    if isinstance(padding, (tuple, list)) and len(padding) == d and all(
            isinstance(p, (tuple, list)) for p in padding):
        pairs = tuple((as_int(p[0], op, "padding"), as_int(p[1], op, "padding"))
                      for p in padding if len(p) == 2)
        if len(pairs) != d:
            raise ValueError(f"{op}: padding pairs must be (before, after), got {padding!r}")
    else:
        pairs = tuple((p, p) for p in spatial(padding, d, op, "padding", 0))
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        raise ValueError(f"{op}: padding must be >= 0, got {padding!r}")
    return pairs


def _check_input(t: Tensor, op: str, what: str = "x") -> int:
    if t.ndim < 3:
        raise ShapeError(f"{op}: expected {what} (batch, channels, *spatial) with at least one "
                         f"spatial axis, got shape {t.shape}")
    return t.ndim - 2


def _conv_parse(x: Any, weight: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                groups: int = 1) -> tuple:
    tw = as_tensor(weight, x if isinstance(x, Tensor) else None, "conv")
    tx = as_tensor(x, tw, "conv")
    d = _check_input(tx, "conv")
    if tw.ndim != tx.ndim:
        raise ShapeError(f"conv: weight must be (out_channels, in_channels/groups, *kernel) "
                         f"with {d} kernel axes for input {tx.shape}, got weight {tw.shape}")
    groups = as_int(groups, "conv", "groups")
    c, o = tx.shape[1], tw.shape[0]
    if groups < 1 or c % groups or o % groups:
        raise ValueError(f"conv: groups={groups} must divide in_channels={c} and "
                         f"out_channels={o}")
    if tw.shape[1] * groups != c:
        raise ShapeError(f"conv: input has {c} channels but weight {tw.shape} expects "
                         f"{tw.shape[1] * groups} (in_channels/groups = {tw.shape[1]}, "
                         f"groups = {groups})")
    kernel = tw.shape[2:]
    stride = spatial(stride, d, "conv", "stride", 1)
    dilation = spatial(dilation, d, "conv", "dilation", 1)
    pads = padding_pairs(padding, d, "conv", kernel, dilation, stride)
    for size, k, p, dil in zip(tx.shape[2:], kernel, pads, dilation):
        if size + p[0] + p[1] < dil * (k - 1) + 1:
            raise ShapeError(f"conv: input spatial size {tx.shape[2:]} with padding {pads} is "
                             f"smaller than the dilated kernel {kernel} (dilation {dilation})")
    params = {"stride": stride, "padding": pads, "dilation": dilation, "groups": groups}
    if tw.requires_grad:  # its gradient will need x's columns: the forward keeps them
        params["_keep"] = _KeptColumns()
    return (tx, tw), params


def _conv_transpose_parse(g: Any, weight: Any, stride: Any = 1, padding: Any = 0,
                          output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
                          shape: Sequence[int] | None = None) -> tuple:
    """PyTorch's conv_transpose: weight (in_channels, out_channels/groups, *kernel); `shape`
    (the full output shape) picks among the sizes a strided convolution maps to g's size."""
    op = "conv_transpose"
    tw = as_tensor(weight, g if isinstance(g, Tensor) else None, op)
    tg = as_tensor(g, tw, op)
    d = _check_input(tg, op)
    if tw.ndim != tg.ndim:
        raise ShapeError(f"{op}: weight must be (in_channels, out_channels/groups, *kernel) "
                         f"with {d} kernel axes for input {tg.shape}, got weight {tw.shape}")
    groups = as_int(groups, op, "groups")
    if groups < 1 or tg.shape[1] % groups:
        raise ValueError(f"{op}: groups={groups} must divide in_channels={tg.shape[1]}")
    if tw.shape[0] != tg.shape[1]:
        raise ShapeError(f"{op}: input has {tg.shape[1]} channels but weight {tw.shape} "
                         f"expects {tw.shape[0]}")
    kernel = tw.shape[2:]
    stride = spatial(stride, d, op, "stride", 1)
    dilation = spatial(dilation, d, op, "dilation", 1)
    extra = spatial(output_padding, d, op, "output_padding", 0)
    if any(e >= max(s, dil) for e, s, dil in zip(extra, stride, dilation)):
        raise ValueError(f"{op}: output_padding {extra} must be smaller than stride {stride} "
                         f"or dilation {dilation}")
    pads = padding_pairs(padding, d, op, kernel, dilation, stride)
    # the smallest output whose convolution gives g's size; output_padding adds rows at the end
    base = tuple((q - 1) * s - lo - hi + dil * (k - 1) + 1 for q, s, (lo, hi), dil, k
                 in zip(tg.shape[2:], stride, pads, dilation, kernel))
    if shape is None:
        sizes = tuple(b + e for b, e in zip(base, extra))
    else:
        sizes = tuple(as_int(n, op, "shape") for n in tuple(shape)[2:])
        if len(sizes) != d or any(not b <= n < b + max(s, dil) for n, b, s, dil
                                  in zip(sizes, base, stride, dilation)):
            raise ShapeError(f"{op}: output shape {tuple(shape)} is impossible for input "
                             f"{tg.shape}: each spatial size must lie in [{base}, base + stride)")
    if any(n < 1 for n in sizes):
        raise ShapeError(f"{op}: padding {padding} leaves no output for input {tg.shape}")
    shape = (tg.shape[0], tw.shape[1] * groups) + sizes
    return (tg, tw), {"stride": stride, "padding": pads, "dilation": dilation, "groups": groups,
                      "shape": shape}


CONV = defop(
    "conv", _conv_forward, _conv_vjp, jvp=_bilinear_jvp("conv"),
    math="conv(x, w) = Σ_{c,k} x[q·s + k·d] w[o,c,k];  ∂/∂x = conv_transpose(g, w),  "
         "∂/∂w = conv_weight(x, g)",
    expose=[parsed("conv", _conv_parse)],
)

CONV_TRANSPOSE = defop(
    "conv_transpose", _conv_transpose_forward, _conv_transpose_vjp,
    jvp=_bilinear_jvp("conv_transpose"),
    math="conv_transpose(g, w) = adjoint of x ↦ conv(x, w);  ∂/∂g = conv(gg, w),  "
         "∂/∂w = conv_weight(gg, g)",
    expose=[parsed("conv_transpose", _conv_transpose_parse,
                   on_arrays=lambda g, w, **p: _conv_transpose_forward(g, w, **p))],
)

CONV_WEIGHT = defop(
    "conv_weight", _conv_weight_forward, _conv_weight_vjp, jvp=_bilinear_jvp("conv_weight"),
    math="conv_weight(x, g) = adjoint of w ↦ conv(x, w);  ∂/∂x = conv_transpose(g, gw),  "
         "∂/∂g = conv(x, gw)",
    expose=[parsed("conv_weight", lambda x, g, **p: ((as_tensor(x), as_tensor(g)), p),
                   internal=True,
                   on_arrays=lambda x, g, **p: _conv_weight_forward(x, g, **p))],
)


# ---- pooling ----------------------------------------------------------------------------------
def _offset_views(x, kernel, stride, padding, dilation, value):
    """The padded input at q·s + k·d for every window q, one strided view per kernel offset k
    (an elementwise pass per offset is much faster than reducing a window view's small axes)."""
    xpad = _pad(x, padding, value)
    out = tuple(output_size(n, k, s, p, dil) for n, k, s, p, dil
                in zip(x.shape[2:], kernel, stride, padding, dilation))
    for k in itertools.product(*(range(size) for size in kernel)):
        yield xpad[(slice(None),) * 2 + _offset_slices(k, stride, dilation, out)]


def _argmax(x, kernel, stride, padding, dilation):
    """Each window's maximum as an offset into the flattened kernel, by PyTorch's CPU rule: a
    later element wins only if strictly larger or NaN (so a tie keeps the first maximum).

    Without NaN that is the first offset equal to the window's maximum, counted without
    masked writes (which cost several times an elementwise pass): the offset is the number of
    leading offsets that all differ from the maximum."""
    if np.isnan(x).any():
        return _argmax_nan(x, kernel, stride, padding, dilation)
    best = _max_pool_forward(x, kernel=kernel, stride=stride, padding=padding,
                             dilation=dilation)  # (N, C, *Q)
    count = math.prod(kernel)
    index = np.zeros(best.shape, dtype=np.uint8 if count <= 256 else np.intp)
    missed = np.ones(best.shape, dtype=bool)  # no offset so far equals the maximum
    differs = np.empty(best.shape, dtype=bool)
    for _, view in zip(range(count - 1), _offset_views(x, kernel, stride, padding, dilation,
                                                       -np.inf)):
        np.not_equal(view, best, out=differs)
        missed &= differs
        index += missed
    return index


def _argmax_nan(x, kernel, stride, padding, dilation):
    """_argmax's rule with NaN in x (a NaN wins over whatever came before it, even a NaN)."""
    views = _offset_views(x, kernel, stride, padding, dilation, -np.inf)
    best = next(views).copy()
    index = np.zeros(best.shape, dtype=np.intp)  # (N, C, *Q)
    for flat, view in enumerate(views, start=1):
        wins = (view > best) | np.isnan(view)
        np.copyto(best, view, where=wins)
        index[wins] = flat
    return index


def _max_pool_forward(x, *, kernel, stride, padding, dilation):
    views = _offset_views(x, kernel, stride, padding, dilation, -np.inf)
    best = next(views).copy()  # (N, C, *Q)
    for view in views:
        np.maximum(best, view, out=best)  # a NaN propagates, as in PyTorch
    return best


def _flat_positions(argmax, kernel, stride, dilation, padded):
    """Where each window's argmax lies in the padded input (N, C, *S), as flat positions: the
    window's first element q·s plus the argmax offset's k·d (row-major over the padded size)."""
    out = argmax.shape[2:]
    start = np.zeros(out, dtype=np.intp)  # q·s per window, flattened over S
    step = np.zeros(kernel, dtype=np.intp)  # k·d per kernel offset, flattened over S
    size = 1
    for axis in reversed(range(len(kernel))):
        shape = [1] * len(kernel)
        shape[axis] = -1
        start = start + (np.arange(out[axis]) * (stride[axis] * size)).reshape(shape)
        step = step + (np.arange(kernel[axis]) * (dilation[axis] * size)).reshape(shape)
        size *= padded[2 + axis]
    planes = np.arange(padded[0] * padded[1], dtype=np.intp) * size  # each (n, c) plane
    return planes.reshape(padded[:2] + (1,) * len(out)) + start + step.ravel()[argmax]


def _route_forward(g, *, argmax, kernel, stride, padding, dilation, shape):
    """Send each window's gradient to the element its argmax names: one scatter by flat
    position (a plain assignment when windows cannot overlap, else a bincount that sums)."""
    padded = _padded_shape(tuple(shape), padding)
    where = _flat_positions(argmax, kernel, stride, dilation, padded).ravel()
    if all(s >= dil * (k - 1) + 1 for k, s, dil in zip(kernel, stride, dilation)):
        grad = np.zeros(padded, dtype=g.dtype)  # disjoint windows: each position once
        grad.reshape(-1)[where] = g.reshape(-1)
    elif g.dtype.kind == "f":
        grad = np.bincount(where, weights=g.reshape(-1), minlength=math.prod(padded))
        grad = grad.astype(g.dtype, copy=False).reshape(padded)
    else:  # bincount sums in float64 only
        grad = np.zeros(padded, dtype=g.dtype)
        np.add.at(grad.reshape(-1), where, g.reshape(-1))
    return _unpad(grad, padding)


def _gather_forward(x, *, argmax, kernel, stride, padding, dilation):
    """Each window's element at its argmax (the adjoint of route)."""
    xpad = _pad(x, padding)
    where = _flat_positions(argmax, kernel, stride, dilation, xpad.shape)
    return np.ascontiguousarray(xpad).reshape(-1)[where]


def _max_pool_vjp(g, out, inputs, needs, xp, **geo):
    x = xp.value(inputs[0])
    return (xp.pool_route(g, argmax=_argmax(x, **geo), shape=x.shape, **geo),)


def _max_pool_jvp(t, out, inputs, xp, **geo):
    return xp.pool_gather(t[0], argmax=_argmax(xp.value(inputs[0]), **geo), **geo)


def _pool_parse(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
                dilation: Any = 1, ceil_mode: bool = False, *, op: str = "max_pool") -> tuple:
    t = as_tensor(x, op=op)
    d = _check_input(t, op)
    kernel = spatial(kernel_size, d, op, "kernel_size", 1)
    stride = kernel if stride is None or stride == () else spatial(stride, d, op, "stride", 1)
    dilation = spatial(dilation, d, op, "dilation", 1)
    pads = spatial(padding, d, op, "padding", 0)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"{op}: padding {pads} must be at most half the kernel {kernel} "
                         "(as in PyTorch)")
    pairs = []
    for n, k, s, p, dil in zip(t.shape[2:], kernel, stride, pads, dilation):
        span = dil * (k - 1) + 1
        if n + 2 * p < span:
            raise ShapeError(f"{op}: input spatial size {t.shape[2:]} with padding {pads} is "
                             f"smaller than the kernel {kernel} (dilation {dilation})")
        extra = 0
        if ceil_mode:  # one more window if it starts inside the input or the left padding
            q = -(-(n + 2 * p - span) // s) + 1
            if (q - 1) * s >= n + p:
                q -= 1
            extra = max((q - 1) * s + span - (n + 2 * p), 0)
        pairs.append((p, p + extra))
    return (t,), {"kernel": kernel, "stride": stride, "padding": tuple(pairs),
                  "dilation": dilation}


MAX_POOL = defop(
    "max_pool", _max_pool_forward, _max_pool_vjp, jvp=_max_pool_jvp,
    math="max_pool(x) = max over each window;  ∂/∂x = g routed to the window's first maximum",
    expose=[parsed("max_pool", _pool_parse)],
)

POOL_ROUTE = defop(
    "pool_route", _route_forward,
    lambda gg, out, inputs, needs, xp, *, shape, **geo: (xp.pool_gather(gg, **geo),),
    jvp=lambda t, out, inputs, xp, **p: xp.pool_route(t[0], **p),
    math="pool_route(g; argmax) = g placed at each window's argmax;  ∂/∂g = pool_gather(gg)",
    expose=[parsed("pool_route", lambda g, **p: ((as_tensor(g),), p), internal=True,
                   on_arrays=lambda g, **p: _route_forward(g, **p))],
)

POOL_GATHER = defop(
    "pool_gather", _gather_forward,
    lambda g, out, inputs, needs, xp, **geo: (
        xp.pool_route(g, shape=inputs[0].shape, **geo),),
    jvp=lambda t, out, inputs, xp, **p: xp.pool_gather(t[0], **p),
    math="pool_gather(x; argmax) = x at each window's argmax;  ∂/∂x = pool_route(g)",
    expose=[parsed("pool_gather", lambda x, **p: ((as_tensor(x),), p), internal=True,
                   on_arrays=lambda x, **p: _gather_forward(x, **p))],
)


def _window_sum_forward(x, *, kernel, stride, padding, dilation):
    views = _offset_views(x, kernel, stride, padding, dilation, 0.0)
    total = next(views).copy()  # (N, C, *Q)
    for view in views:
        total += view
    return total


def _window_spread_forward(g, *, kernel, stride, padding, dilation, shape):
    """The adjoint of window_sum: each window's value added to every element it covers."""
    out = g.shape[2:]
    grad = np.zeros(_padded_shape(tuple(shape), padding), dtype=g.dtype)
    for k in itertools.product(*(range(size) for size in kernel)):
        grad[(slice(None),) * 2 + _offset_slices(k, stride, dilation, out)] += g
    return _unpad(grad, padding)


WINDOW_SUM = defop(
    "window_sum", _window_sum_forward,
    lambda g, out, inputs, needs, xp, **geo: (
        xp.window_spread(g, shape=inputs[0].shape, **geo),),
    jvp=lambda t, out, inputs, xp, **geo: xp.window_sum(t[0], **geo),
    math="window_sum(x) = Σ over each window;  ∂/∂x = window_spread(g)",
    expose=[parsed("window_sum", lambda x, **p: ((as_tensor(x),), p), internal=True,
                   on_arrays=lambda x, **p: _window_sum_forward(x, **p))],
)

WINDOW_SPREAD = defop(
    "window_spread", _window_spread_forward,
    lambda gg, out, inputs, needs, xp, *, shape, **geo: (xp.window_sum(gg, **geo),),
    jvp=lambda t, out, inputs, xp, **p: xp.window_spread(t[0], **p),
    math="window_spread(g) = g added over each window's elements;  ∂/∂g = window_sum(gg)",
    expose=[parsed("window_spread", lambda g, **p: ((as_tensor(g),), p), internal=True,
                   on_arrays=lambda g, **p: _window_spread_forward(g, **p))],
)


def pool_divisor(shape: Sequence[int], padding: Pairs, symmetric: Sequence[int],
                 count_include_pad: bool, kernel, stride, dilation) -> np.ndarray:
    """How many elements each average-pooling window divides by, PyTorch's rule: the
    symmetric padding counts when count_include_pad, the ceil_mode overhang never does."""
    ones = np.ones((1, 1) + tuple(shape), dtype=np.float64)
    if count_include_pad:
        ones = _pad(ones, tuple((p, p) for p in symmetric), 1.0)
        padding = tuple((0, hi - p) for (_, hi), p in zip(padding, symmetric))
    return _window_sum_forward(ones, kernel=kernel, stride=stride, padding=padding,
                               dilation=dilation)[0, 0]


@composite("avg_pool")
def avg_pool(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
             ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """avg_pool(x) = window_sum(x) / divisor, the divisor by PyTorch's rule (pool_divisor)."""
    (t,), geo = _pool_parse(x, kernel_size, stride, padding, 1, ceil_mode, op="avg_pool")
    symmetric = spatial(padding, t.ndim - 2, "avg_pool", "padding", 0)
    divisor = pool_divisor(t.shape[2:], geo["padding"], symmetric, bool(count_include_pad),
                           geo["kernel"], geo["stride"], geo["dilation"])
    sums = apply(WINDOW_SUM, (t,), geo)  # (N, C, *Q)
    dtype = t.dtype if t.dtype.kind == "f" else np.dtype(np.float64)
    return sums * (1.0 / divisor).astype(dtype)


__all__ = ["CONV", "CONV_TRANSPOSE", "CONV_WEIGHT", "MAX_POOL", "WINDOW_SUM", "avg_pool",
           "output_size",
           "padding_pairs", "pool_divisor", "spatial"]
