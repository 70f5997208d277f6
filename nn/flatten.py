"""Flatten and Unflatten: reshape a range of axes to one, or one axis to several."""

from __future__ import annotations

import math
from typing import Any

from autograd_mini import ShapeError, Tensor, as_tensor

from .arguments import check_int
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Join axes start_dim..end_dim into one: (batch, C, H, W) -> (batch, C·H·W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = check_int("Flatten", "start_dim", start_dim)
        self.end_dim = check_int("Flatten", "end_dim", end_dim)

    def forward(self, x: Any) -> Tensor:
        t = as_tensor(x)
        start, end = self.start_dim, self.end_dim
        if not (-t.ndim <= start < max(t.ndim, 1) and -t.ndim <= end < max(t.ndim, 1)):
            raise ShapeError(f"Flatten(start_dim={start}, end_dim={end}): out of range for an "
                             f"input of shape {t.shape}")
        start, end = start % max(t.ndim, 1), end % max(t.ndim, 1)
        if start > end:
            raise ShapeError(f"Flatten: start_dim {self.start_dim} comes after end_dim "
                             f"{self.end_dim} for an input of shape {t.shape}")
        joined = math.prod(t.shape[start:end + 1])
        return t.reshape(t.shape[:start] + (joined,) + t.shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis `dim` into `unflattened_size`: (batch, 784) -> (batch, 1, 28, 28)."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim = check_int("Unflatten", "dim", dim)
        self.unflattened_size = tuple(check_int("Unflatten", "unflattened_size", n, -1)
                                      for n in unflattened_size)

    def forward(self, x: Any) -> Tensor:
        t = as_tensor(x)
        if not -t.ndim <= self.dim < t.ndim:
            raise ShapeError(f"Unflatten(dim={self.dim}): out of range for input {t.shape}")
        dim = self.dim % t.ndim
        sizes = self.unflattened_size
        known = math.prod(n for n in sizes if n != -1)
        if (-1 not in sizes and known != t.shape[dim]) or (
                -1 in sizes and (known == 0 or t.shape[dim] % known)):
            raise ShapeError(f"Unflatten: axis {self.dim} of size {t.shape[dim]} cannot be split "
                             f"into {sizes} (input {t.shape})")
        return t.reshape(t.shape[:dim] + sizes + t.shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
