"""Embedding lookup (a learnt row per index) and one-hot encoding."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from . import init
from .arguments import check_int
from .module import Module, Parameter

__all__ = ["Embedding", "embedding", "one_hot"]


def _indices(indices: Any, who: str, size: int | None = None) -> np.ndarray:
    array = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got dtype {array.dtype}")
    if size is not None and array.size and (array.min() < 0 or array.max() >= size):
        raise IndexError(f"{who}: indices must lie in [0, {size}), got values from "
                         f"{array.min()} to {array.max()}")
    return array


def embedding(indices: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """weight[indices]: (*indices.shape, embedding_dim); repeated indices accumulate their
    gradients, and the row `padding_idx` gets none (as in PyTorch)."""
    weight = am.as_tensor(weight)
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be (num_embeddings, embedding_dim), got "
                         f"shape {weight.shape}")
    idx = _indices(indices, "embedding", weight.shape[0])
    rows = weight[idx]  # (*indices.shape, dim)
    if padding_idx is None:
        return rows
    frozen = Tensor(weight.data[idx])  # the same values, outside the graph
    keep = (idx != padding_idx % weight.shape[0])[..., None]  # (*indices.shape, 1)
    return am.where(keep, rows, frozen)


def one_hot(indices: Any, num_classes: int = -1) -> Tensor:
    """(*indices.shape, num_classes) int64 tensor with a 1 at each index (PyTorch's default
    num_classes = -1: one more than the largest index)."""
    idx = _indices(indices, "one_hot")
    num_classes = check_int("one_hot", "num_classes", num_classes, -1)
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    _indices(idx, "one_hot", num_classes)
    return Tensor((idx[..., None] == np.arange(num_classes)).astype(np.int64), dtype=np.int64)


class Embedding(Module):
    """A table of `num_embeddings` learnt vectors of size `embedding_dim`, rows ~ N(0, 1) as in
    PyTorch; input integer indices of any shape, output (*input.shape, embedding_dim)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype: Any = np.float32, rng: init.RNG = None) -> None:
        super().__init__()
        self.num_embeddings = check_int("Embedding", "num_embeddings", num_embeddings, 1)
        self.embedding_dim = check_int("Embedding", "embedding_dim", embedding_dim, 1)
        if padding_idx is not None:
            padding_idx = check_int("Embedding", "padding_idx", padding_idx)
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must lie in [-{num_embeddings}, "
                                 f"{num_embeddings}), got {padding_idx}")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        init.normal_(self.weight, 0.0, 1.0, rng)
        if padding_idx is not None:
            self.weight.data[padding_idx] = 0.0

    def forward(self, indices: Any) -> Tensor:
        return embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        extra = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{extra}"
