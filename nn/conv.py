"""Convolution layers in PyTorch's layouts: input (batch, channels, *spatial), weight
(out_channels, in_channels/groups, *kernel), built on `am.conv` (im2col and one BLAS product).

A 1-d layer takes (batch, channels, L), a 2-d layer (batch, channels, H, W); an unbatched input
(channels, *spatial) is accepted as in PyTorch and returned unbatched.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import ShapeError, Tensor

from . import init
from .arguments import check_bool, check_int
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d", "conv1d", "conv2d", "conv_transpose2d"]

_AXES = {1: "L", 2: "H, W", 3: "D, H, W"}


def layout_error(who: str, x: Any, d: int, channels: int) -> ShapeError:
    """The error for an input whose shape is not (batch, channels, *spatial), naming the layout
    expected and, for a channels-last input, the transpose that fixes it."""
    shape = tuple(np.shape(x.data if isinstance(x, Tensor) else x))
    message = (f"{who}: expected (batch, channels, {_AXES[d]}) with channels = {channels}, "
               f"got {shape}")
    if len(shape) == d + 2 and shape[-1] == channels:
        order = (0, d + 1) + tuple(range(1, d + 1))
        message += f"; a channels-last input can be moved with x.transpose{order}"
    return ShapeError(message)


def as_batched(x: Any, d: int, channels: int, who: str, dtype: Any) -> tuple[Tensor, bool]:
    """x as a (batch, channels, *spatial) Tensor of `dtype`, and whether it came unbatched."""
    t = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{who}: input must hold numbers, got dtype {t.dtype}")
    unbatched = t.ndim == d + 1
    if unbatched:
        t = t.reshape((1,) + t.shape)
    if t.ndim != d + 2 or t.shape[1] != channels:
        raise layout_error(who, x, d, channels)
    if dtype is not None and t.dtype != dtype:
        t = am.astype(t, dtype)  # a float32 layer stays float32, as in Linear
    return t, unbatched


def _add_bias(out: Tensor, bias: Tensor | None) -> Tensor:
    if bias is None:
        return out
    return out + bias.reshape((1, bias.shape[0]) + (1,) * (out.ndim - 2))  # per channel


def _conv(x: Any, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
          dilation: Any, groups: int, d: int, who: str) -> Tensor:
    weight = am.as_tensor(weight)
    if weight.ndim != d + 2:
        raise ShapeError(f"{who}: weight must be (out_channels, in_channels/groups, "
                         f"{_AXES[d]} kernel), got shape {weight.shape}")
    t, unbatched = as_batched(x, d, weight.shape[1] * groups, who, weight.dtype)
    out = _add_bias(am.conv(t, weight, stride=stride, padding=padding, dilation=dilation,
                            groups=groups), bias)  # (batch, out_channels, *spatial)
    return out.reshape(out.shape[1:]) if unbatched else out


def conv1d(x: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """y[n,o,l] = b[o] + Σ_{c,k} x[n,c,l·s + k·d − p] w[o,c,k]; x (batch, in, L)."""
    return _conv(x, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(x: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """y[n,o,i,j] = b[o] + Σ_{c,k,l} x[n,c,i·s+k·d, j·s+l·d] w[o,c,k,l] (x padded by p);
    x (batch, in, H, W), weight (out, in/groups, kH, kW)."""
    return _conv(x, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv_transpose2d(x: Any, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The adjoint (gradient) of conv2d with respect to its input; weight
    (in_channels, out_channels/groups, kH, kW), as in PyTorch."""
    weight = am.as_tensor(weight)
    if weight.ndim != 4:
        raise ShapeError(f"conv_transpose2d: weight must be (in_channels, out_channels/groups, "
                         f"kH, kW), got shape {weight.shape}")
    t, unbatched = as_batched(x, 2, weight.shape[0], "conv_transpose2d", weight.dtype)
    out = am.conv_transpose(t, weight, stride=stride, padding=padding,
                            output_padding=output_padding, groups=groups, dilation=dilation)
    out = _add_bias(out, bias)
    return out.reshape(out.shape[1:]) if unbatched else out


class _ConvNd(Module):
    """Weights and options shared by the convolution layers."""

    draw_as_box = True  # drawings show the layer as one box, not its inner ops
    _d = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 dtype: Any = np.float32, rng: init.RNG = None) -> None:
        super().__init__()
        who = type(self).__name__
        self.in_channels = check_int(who, "in_channels", in_channels, 1)
        self.out_channels = check_int(who, "out_channels", out_channels, 1)
        self.groups = check_int(who, "groups", groups, 1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{who}: groups={groups} must divide in_channels={in_channels} "
                             f"and out_channels={out_channels}")
        self.kernel_size = _tuple(kernel_size, self._d, who, "kernel_size", 1)
        self.stride = _tuple(stride, self._d, who, "stride", 1)
        self.dilation = _tuple(dilation, self._d, who, "dilation", 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self._transposed:
                raise ValueError(f"{who}: padding must be an int or a tuple"
                                 + ("" if self._transposed else ", 'same' or 'valid'")
                                 + f", got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{who}: padding='same' needs stride 1, got {self.stride}")
            self.padding: Any = padding
        else:
            self.padding = _tuple(padding, self._d, who, "padding", 0)
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        generator = init.as_generator(rng)
        # PyTorch's default: kaiming_uniform_(a=√5), i.e. U(±1/√fan_in), bias U(±1/√fan_in)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5.0), rng=generator)
        self.bias: Parameter | None = None
        if check_bool(who, "bias", bias):
            fan_in, _ = init.fan_in_and_fan_out(shape)
            bound = 1.0 / math.sqrt(fan_in)
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
            init.uniform_(self.bias, -bound, bound, generator)

    def describe(self) -> str:
        """The layer as its constructor call, for error messages."""
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self._d:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._d:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


def _tuple(value: Any, d: int, who: str, name: str, minimum: int) -> tuple[int, ...]:
    values = (value,) * d if not isinstance(value, (tuple, list)) else tuple(value)
    if len(values) != d:
        raise ValueError(f"{who}: {name} must be an int or {d} ints, got {value!r}")
    return tuple(check_int(who, name, v, minimum) for v in values)


class Conv1d(_ConvNd):
    """1-d convolution: (batch, in_channels, L) -> (batch, out_channels, L_out)."""

    _d = 1

    def forward(self, x: Any) -> Tensor:
        return _conv(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                     self.groups, 1, self.describe())


class Conv2d(_ConvNd):
    """2-d convolution: (batch, in_channels, H, W) -> (batch, out_channels, H_out, W_out)."""

    def forward(self, x: Any) -> Tensor:
        return _conv(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                     self.groups, 2, self.describe())


class ConvTranspose2d(_ConvNd):
    """Transposed 2-d convolution (the gradient of Conv2d with respect to its input):
    (batch, in_channels, H, W) -> (batch, out_channels, H_out, W_out); weight
    (in_channels, out_channels/groups, kH, kW) as in PyTorch."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, dtype: Any = np.float32, rng: init.RNG = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, dtype, rng)
        self.output_padding = _tuple(output_padding, 2, "ConvTranspose2d", "output_padding", 0)

    def forward(self, x: Any) -> Tensor:
        t, unbatched = as_batched(x, 2, self.in_channels, self.describe(), self.weight.dtype)
        out = conv_transpose2d(t, self.weight, self.bias, self.stride, self.padding,
                               self.output_padding, self.groups, self.dilation)
        return out.reshape(out.shape[1:]) if unbatched else out
