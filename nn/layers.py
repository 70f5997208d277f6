"""The dense (fully connected) layer: z = x W + b with W shaped (in, out)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from . import init
from .arguments import check_bool, check_int
from .module import Module, Parameter

__all__ = ["Dense", "Linear", "linear"]


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W + b as one fused node; x is cast to W's dtype (so a float32 layer stays float32)."""
    if isinstance(x, Tensor):
        if x.dtype != weight.dtype:
            x = am.astype(x, weight.dtype)
    else:
        array = np.asarray(x)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"linear: input must hold numbers, got dtype {array.dtype}")
        x = Tensor(array.astype(weight.dtype, copy=False))
    return am.linear(x, weight, bias)  # (batch, out)


class Linear(Module):
    """Affine map x (batch, in) -> x W + b (batch, out); weight (in, out), bias (out,).

    Default initialisation (PyTorch's distribution): weight and bias both ~ U(−k, k) with
    k = 1/√in_features, drawn from `rng` (a Generator, an int seed, or None for fresh entropy).
    Re-initialise with `nn.init`, e.g. `nn.init.kaiming_normal_(layer.weight, rng=0)`.
    Parameters are float32 unless `dtype` says otherwise; inputs are cast to that dtype.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = np.float32, rng: init.RNG = None) -> None:
        super().__init__()
        in_features = check_int("Linear", "in_features", in_features, 1)
        out_features = check_int("Linear", "out_features", out_features, 1)
        bias = check_bool("Linear", "bias", bias)
        self.in_features, self.out_features = in_features, out_features
        generator = init.as_generator(rng)
        k = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(np.empty((in_features, out_features), dtype=dtype))
        init.uniform_(self.weight, -k, k, generator)
        self.bias: Parameter | None = None
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
            init.uniform_(self.bias, -k, k, generator)

    def forward(self, x: Any) -> Tensor:
        return linear(x, self.weight, self.bias)  # (batch, in) -> (batch, out)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


Dense = Linear
