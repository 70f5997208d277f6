"""Weight initialisers, in place, with an explicit random generator (or seed).

Dense weights are shaped (in, out), so fan_in = shape[0] and fan_out = shape[1]. A weight with
more than two axes is a convolution kernel in PyTorch's layout (out_channels,
in_channels/groups, *kernel): fan_in = shape[1]·∏kernel and fan_out = shape[0]·∏kernel.
Every function fills the tensor (or array) in place, keeps its dtype and returns it.
`rng` is a `np.random.Generator`, an int seed, or None for fresh OS entropy
(or, after `nn.manual_seed`, a reproducible stream).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, TypeVar

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from .arguments import ArgumentTypeError, check_real
from .generators import RNG as RNG  # re-exported: layers annotate rng: init.RNG
from .generators import as_generator

__all__ = [
    "as_generator", "calculate_gain", "constant_", "fan_in_and_fan_out", "kaiming_normal_",
    "kaiming_uniform_", "normal_", "ones_", "uniform_", "xavier_normal_", "xavier_uniform_",
    "zeros_",
]

T = TypeVar("T", Tensor, np.ndarray)


def _array(tensor: Tensor | np.ndarray, fn: str) -> np.ndarray:
    array = tensor.data if isinstance(tensor, Tensor) else tensor
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        raise TypeError(f"{fn}: expected a floating Tensor or ndarray, got {type(tensor).__name__}"
                        + (f" of dtype {array.dtype}" if isinstance(array, np.ndarray) else ""))
    return array


def _fill(tensor: T, values: Any) -> T:
    """Write values into the tensor's own array (so optimizers keep their references)."""
    if isinstance(tensor, Tensor):
        with am.no_grad():
            tensor.copy_(values)  # bumps the version: graphs recorded before are now stale
    else:
        np.copyto(tensor, values, casting="same_kind")
    return tensor


def fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a dense (in, out) weight or a conv (out, in/groups, *kernel) one."""
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a weight with at least 2 axes (in, out), "
                         f"got shape {shape}")
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])  # each output sees in·∏kernel inputs (PyTorch's rule)
    return shape[1] * receptive, shape[0] * receptive


_GAINS = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0,
          "relu": math.sqrt(2.0), "selu": 0.75}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Recommended std gain for a nonlinearity (PyTorch's table): tanh 5/3, relu √2,
    leaky_relu √(2/(1 + slope²)) with slope `param` (default 0.01), linear/sigmoid 1."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope * slope))
    if nonlinearity in _GAINS:
        return _GAINS[nonlinearity]
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; known: "
                     f"{', '.join(sorted([*_GAINS, 'leaky_relu']))}")


def uniform_(tensor: T, a: float = 0.0, b: float = 1.0, rng: RNG = None) -> T:
    """Fill with U(a, b)."""
    array = _array(tensor, "uniform_")
    a = check_real("uniform_", "a", a, finite=True)
    b = check_real("uniform_", "b", b, finite=True)
    if a > b:
        raise ValueError(f"uniform_: needs a <= b, got a={a!r}, b={b!r}")
    return _fill(tensor, as_generator(rng).uniform(a, b, size=array.shape))


def normal_(tensor: T, mean: float = 0.0, std: float = 1.0, rng: RNG = None) -> T:
    """Fill with N(mean, std²)."""
    array = _array(tensor, "normal_")
    mean = check_real("normal_", "mean", mean, finite=True)
    std = check_real("normal_", "std", std, low=0.0, finite=True)
    return _fill(tensor, as_generator(rng).normal(mean, std, size=array.shape))


def constant_(tensor: T, value: float) -> T:
    """Fill with one value."""
    _array(tensor, "constant_")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"constant_: value must be a real number, got {value!r}")
    return _fill(tensor, value)


def zeros_(tensor: T) -> T:
    """Fill with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor: T) -> T:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: T, gain: float = 1.0, rng: RNG = None) -> T:
    """Glorot & Bengio: U(−a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(_array(tensor, "xavier_uniform_").shape)
    gain = check_real("xavier_uniform_", "gain", gain, finite=True)
    if fan_in + fan_out == 0:
        return tensor  # nothing to fill; PyTorch's rule for zero-element tensors
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(tensor: T, gain: float = 1.0, rng: RNG = None) -> T:
    """Glorot & Bengio: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(_array(tensor, "xavier_normal_").shape)
    gain = check_real("xavier_normal_", "gain", gain, finite=True)
    if fan_in + fan_out == 0:
        return tensor  # nothing to fill; PyTorch's rule for zero-element tensors
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def _kaiming_std(tensor: Tensor | np.ndarray, a: float, mode: str, nonlinearity: str,
                 fn: str) -> float | None:
    """gain / √fan, or None for a weight with no elements (a fan of 0: nothing to fill)."""
    fan_in, fan_out = fan_in_and_fan_out(_array(tensor, fn).shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{fn}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    a = check_real(fn, "a", a, finite=True)
    gain = calculate_gain(nonlinearity, a)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:  # PyTorch: "Initializing zero-element tensors is a no-op"
        return None
    return gain / math.sqrt(fan)


def kaiming_uniform_(tensor: T, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", rng: RNG = None) -> T:
    """He et al.: U(−b, b) with b = gain·√(3 / fan); `a` is the leaky_relu slope."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(tensor: T, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", rng: RNG = None) -> T:
    """He et al.: N(0, σ²) with σ = gain / √fan; `a` is the leaky_relu slope."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, rng)
