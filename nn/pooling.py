"""Pooling layers in PyTorch's layouts, input (batch, channels, *spatial) or unbatched
(channels, *spatial): max (the gradient goes to each window's first maximum, as in PyTorch),
average (count_include_pad and ceil_mode as in PyTorch) and adaptive average pooling."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import ShapeError, Tensor

from .arguments import check_bool, check_int
from .module import Module

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d",
    "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "max_pool1d", "max_pool2d",
]

_AXES = {1: "L", 2: "H, W"}


def _batched(x: Any, d: int, who: str) -> tuple[Tensor, bool]:
    t = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    if t.ndim not in (d + 1, d + 2):
        raise ShapeError(f"{who}: expected (batch, channels, {_AXES[d]}) or (channels, "
                         f"{_AXES[d]}), got {t.shape}")
    if t.dtype.kind != "f":
        t = am.astype(t, np.float64)
    if t.ndim == d + 1:
        return t.reshape((1,) + t.shape), True
    return t, False


def _unbatch(out: Tensor, unbatched: bool) -> Tensor:
    return out.reshape(out.shape[1:]) if unbatched else out


def _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, d, who) -> Tensor:
    t, unbatched = _batched(x, d, who)
    out = am.max_pool(t, kernel_size, stride, padding, dilation, ceil_mode)
    return _unbatch(out, unbatched)


def _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, d, who) -> Tensor:
    t, unbatched = _batched(x, d, who)
    out = am.avg_pool(t, kernel_size, stride, padding, ceil_mode, count_include_pad)
    return _unbatch(out, unbatched)


def max_pool1d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """The maximum of each window along L (padding counts as −∞)."""
    return _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, 1, "max_pool1d")


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """The maximum of each (kH, kW) window (padding counts as −∞)."""
    return _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, 2, "max_pool2d")


def avg_pool1d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """The mean of each window along L."""
    return _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, 1,
                     "avg_pool1d")


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """The mean of each (kH, kW) window."""
    return _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, 2,
                     "avg_pool2d")


def _bins(size: int, out: int, dtype: Any) -> np.ndarray:
    """(out, size) averaging matrix of PyTorch's adaptive bins [⌊i·L/out⌋, ⌈(i+1)·L/out⌉)."""
    matrix = np.zeros((out, size), dtype=dtype)
    for i in range(out):  # one row per output position, not per pixel
        start, stop = (i * size) // out, -(-((i + 1) * size) // out)
        matrix[i, start:stop] = 1.0 / (stop - start)
    return matrix


def adaptive_avg_pool2d(x: Any, output_size: Any) -> Tensor:
    """Average over PyTorch's adaptive bins, as two matrix products: A_H · x · A_Wᵀ."""
    t, unbatched = _batched(x, 2, "adaptive_avg_pool2d")
    sizes = (output_size,) * 2 if not isinstance(output_size, (tuple, list)) \
        else tuple(output_size)
    if len(sizes) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or 2 ints (None "
                         f"keeps that axis), got {output_size!r}")
    h, w = (t.shape[2 + i] if n is None else check_int("adaptive_avg_pool2d", "output_size",
                                                          n, 1)
            for i, n in enumerate(sizes))
    rows = Tensor(_bins(t.shape[2], h, t.dtype))  # (h, H)
    cols = Tensor(_bins(t.shape[3], w, t.dtype).T.copy())  # (W, w)
    return _unbatch(rows @ t @ cols, unbatched)  # (batch, channels, h, w)


class _Pool(Module):
    draw_as_box = True  # drawings show the layer as one box, not its inner ops
    _d = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride
        self.ceil_mode = check_bool(type(self).__name__, "ceil_mode", ceil_mode)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                f"{', ceil_mode=True' if self.ceil_mode else ''}")


class _MaxPool(_Pool):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = dilation

    def forward(self, x: Any) -> Tensor:
        return _max_pool(x, self.kernel_size, self.stride, self.padding, self.dilation,
                         self.ceil_mode, self._d, f"{type(self).__name__}({self.extra_repr()})")


class _AvgPool(_Pool):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = check_bool(type(self).__name__, "count_include_pad",
                                            count_include_pad)

    def forward(self, x: Any) -> Tensor:
        return _avg_pool(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                         self.count_include_pad, self._d,
                         f"{type(self).__name__}({self.extra_repr()})")


class MaxPool1d(_MaxPool):
    """Max over windows along L: (batch, channels, L) -> (batch, channels, L_out)."""

    _d = 1


class MaxPool2d(_MaxPool):
    """Max over (kH, kW) windows: (batch, channels, H, W) -> (batch, channels, H_out, W_out)."""


class AvgPool1d(_AvgPool):
    """Mean over windows along L: (batch, channels, L) -> (batch, channels, L_out)."""

    _d = 1


class AvgPool2d(_AvgPool):
    """Mean over (kH, kW) windows: (batch, channels, H, W) -> (batch, channels, H_out, W_out)."""


class AdaptiveAvgPool2d(Module):
    """Mean over PyTorch's adaptive bins: (batch, channels, H, W) -> (batch, channels, *size)."""

    draw_as_box = True  # drawings show the layer as one box, not its inner ops

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
