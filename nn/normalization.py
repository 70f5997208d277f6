"""Batch normalisation over the batch axis, composed from Tensor ops (no hand-written backward)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import ShapeError, Tensor

from .arguments import check_bool, check_int, check_real
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "batch_norm", "layer_norm"]


def batch_norm(
    x: Any, running_mean: Tensor | None, running_var: Tensor | None,
    weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
    momentum: float = 0.1, eps: float = 1e-5,
) -> Tensor:
    """γ (x − μ) / √(σ² + ε) + β per feature of x (batch, features).

    Training (or no running stats): μ, σ² are the batch mean and biased variance, and the
    running stats (if given) move toward the batch mean and *unbiased* variance by `momentum`,
    as in PyTorch. Evaluation: μ, σ² are the running stats.
    """
    t = am.as_tensor(x)
    if t.ndim != 2:
        raise ShapeError(f"batch_norm: expected input (batch, features), got shape {t.shape}")
    if training or running_mean is None or running_var is None:
        n = t.shape[0]
        if n < 2 and training:
            raise ValueError(f"batch_norm: training needs more than 1 sample per feature, got "
                             f"input of shape {t.shape}")
        mean = t.mean(axis=0)  # (features,)
        centered = t - mean  # (batch, features)
        var = (centered * centered).mean(axis=0)  # (features,) biased, as used to normalise
        normalized = centered * (var + eps) ** -0.5  # (batch, features)
        if training and running_mean is not None and running_var is not None:
            with am.no_grad():
                unbiased = var.data * (n / (n - 1))
                running_mean.copy_(running_mean.data * (1 - momentum) + mean.data * momentum)
                running_var.copy_(running_var.data * (1 - momentum) + unbiased * momentum)
        if weight is not None:
            normalized = normalized * weight
        return normalized if bias is None else normalized + bias
    # Evaluation: fold the fixed statistics into one scale and shift per feature, so the
    # (batch, features) work is a single multiply and add.
    inv_std = ((running_var.data + eps) ** -0.5).astype(t.dtype, copy=False)  # (features,)
    shift = -(running_mean.data * inv_std)
    if weight is None:
        out: Tensor = t * inv_std + shift
        return out if bias is None else out + bias
    scale = weight * inv_std  # (features,)
    offset = weight * shift if bias is None else weight * shift + bias
    folded: Tensor = t * scale + offset  # (batch, features)
    return folded


class BatchNorm1d(Module):
    """Normalise each of `num_features` over the batch: input and output (batch, features).

    weight γ starts at 1, bias β at 0 (if `affine`); buffers `running_mean`, `running_var`
    (float, saved in state_dict) and `num_batches_tracked` (int) exist if `track_running_stats`.
    `momentum=None` uses a cumulative average of all batches, as in PyTorch. `dtype` is that of
    the parameters and running statistics (float32 unless given; `module.to(dtype)` changes
    it); the input is cast to it, as in Linear. Without either, the input keeps its dtype.
    """

    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.num_features = check_int(type(self).__name__, "num_features", num_features, 1)
        self.eps = check_real(type(self).__name__, "eps", eps, low=0.0, low_open=True, finite=True)
        if momentum is not None:
            momentum = check_real(type(self).__name__, "momentum", momentum, low=0.0, high=1.0)
        self.momentum = momentum
        self.affine = affine = check_bool(type(self).__name__, "affine", affine)
        self.track_running_stats = check_bool(type(self).__name__, "track_running_stats",
                                              track_running_stats)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    @property
    def dtype(self) -> np.dtype | None:
        """The dtype of the parameters (or running statistics); None when there are neither."""
        own = self.weight if self.weight is not None else self.running_mean
        return None if own is None else own.dtype

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.running_mean is not None and self.running_var is not None \
                and self.num_batches_tracked is not None:
            with am.no_grad():
                self.running_mean.fill_(0)
                self.running_var.fill_(1)
                self.num_batches_tracked.fill_(0)

    def forward(self, x: Any) -> Tensor:
        t = am.as_tensor(x)
        if t.ndim != 2 or t.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm1d({self.num_features}): expected input (batch, "
                             f"{self.num_features}), got shape {t.shape}")
        return self._normalize(t)

    def _normalize(self, t: Tensor) -> Tensor:
        """batch_norm of t (rows, features) with this layer's parameters and statistics."""
        dtype = self.dtype  # read from the tensors, so module.to(np.float64) is honoured
        if dtype is not None and t.dtype != dtype:
            t = am.astype(t, dtype)  # a float32 layer stays float32, as in Linear
        momentum = self.momentum
        tracked = self.num_batches_tracked
        if self.training and tracked is not None:
            with am.no_grad():
                tracked += 1
            if momentum is None:  # cumulative moving average
                momentum = 1.0 / int(tracked.item())
        return batch_norm(t, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training or not self.track_running_stats, momentum or 0.0,
                          self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm2d(BatchNorm1d):
    """Normalise each of `num_features` channels over (batch, H, W): input and output
    (batch, channels, H, W); parameters, buffers and state_dict names as BatchNorm1d's."""

    def forward(self, x: Any) -> Tensor:
        t = am.as_tensor(x)
        c = self.num_features
        if t.ndim != 4 or t.shape[1] != c:
            raise ShapeError(f"BatchNorm2d({c}): expected (batch, channels, H, W) with "
                             f"channels = {c}, got {t.shape}")
        n, _, h, w = t.shape
        rows = t.transpose(0, 2, 3, 1).reshape(n * h * w, c)  # one row per pixel
        return self._normalize(rows).reshape(n, h, w, c).transpose(0, 3, 1, 2)


def layer_norm(x: Any, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """γ (x − μ) / √(σ² + ε) + β with μ, σ² (biased) over the trailing `normalized_shape`."""
    t = am.as_tensor(x)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or t.shape[t.ndim - len(shape):] != shape:
        raise ShapeError(f"layer_norm: normalized_shape {shape} must equal the trailing axes of "
                         f"the input, got input {t.shape}")
    axes = tuple(range(t.ndim - len(shape), t.ndim))
    centered = t - t.mean(axis=axes, keepdims=True)
    var = (centered * centered).mean(axis=axes, keepdims=True)
    out = centered * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


class LayerNorm(Module):
    """Normalise each sample over its trailing `normalized_shape` axes; weight γ = 1 and bias
    β = 0 of that shape when `elementwise_affine` (state_dict names as PyTorch's)."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, dtype: Any = np.float32) -> None:
        super().__init__()
        shape = (normalized_shape,) if not isinstance(normalized_shape, (tuple, list)) \
            else tuple(normalized_shape)
        self.normalized_shape = tuple(check_int("LayerNorm", "normalized_shape", n, 1)
                                      for n in shape)
        self.eps = check_real("LayerNorm", "eps", eps, low=0.0, low_open=True, finite=True)
        affine = check_bool("LayerNorm", "elementwise_affine", elementwise_affine)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            if check_bool("LayerNorm", "bias", bias):
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))

    def forward(self, x: Any) -> Tensor:
        t = am.as_tensor(x)
        if self.weight is not None and t.dtype != self.weight.dtype:
            t = am.astype(t, self.weight.dtype)
        if t.shape[t.ndim - len(self.normalized_shape):] != self.normalized_shape:
            raise ShapeError(f"LayerNorm({self.normalized_shape}): expected an input whose "
                             f"trailing axes are {self.normalized_shape}, got {t.shape}")
        return layer_norm(t, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.weight is not None}")
