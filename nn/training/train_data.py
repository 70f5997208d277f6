"""What the Trainer accepts as training and validation data, checked before any epoch runs."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data import DataLoader
from ..module import Module
from ..normalization import BatchNorm1d

__all__ = ["as_train_loader", "check_val_data", "single_sample_last_batch"]

_HOW = ("pass a DataLoader, e.g. nn.data.DataLoader(X, y, batch_size=32), or the arrays "
        "as a pair (X, y)")


def as_train_loader(data: Any, *, batch_size: int = 32, shuffle: bool = True,
                    seed: Any = None, owner: str = "Trainer") -> DataLoader:
    """A DataLoader (or any sized iterable of (x, y) batches) unchanged; a pair (X, y) of
    arrays as a shuffling DataLoader of `batch_size`."""
    if isinstance(data, DataLoader):
        return data
    if _is_pair(data):
        X, y = np.asarray(data[0]), np.asarray(data[1])
        if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
            raise ValueError(f"{owner}: the training pair (X, y) must hold arrays with the same "
                             f"number of samples, got shapes {X.shape} and {y.shape}")
        return DataLoader(X, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
    if isinstance(data, np.ndarray):
        raise TypeError(f"{owner}: got one array of shape {data.shape} as the training data, "
                        f"but targets are needed too; {_HOW}")
    if isinstance(data, (tuple, list)) and data \
            and all(isinstance(part, np.ndarray) for part in data):  # (X,) or (X, y, w)
        shapes = ", ".join(str(part.shape) for part in data)
        raise TypeError(f"{owner}: the training data is a {type(data).__name__} of {len(data)} "
                        f"array{'s' if len(data) > 1 else ''} ({shapes}), but a pair (X, y) "
                        f"is expected; {_HOW}")
    if hasattr(data, "__iter__") and hasattr(data, "__len__") and not isinstance(data, dict):
        return data  # batches of (x, y) with a length; checkpoints also need state_dict()
    raise TypeError(f"{owner}: cannot train on a {type(data).__name__}; {_HOW}")


def _is_pair(data: Any) -> bool:
    """(X, y) or [X, y]; two batches would be two (x, y) tuples instead."""
    return isinstance(data, (tuple, list)) and len(data) == 2 \
        and not any(isinstance(part, tuple) for part in data)


def check_val_data(val_data: Any, owner: str = "Trainer") -> tuple[np.ndarray, np.ndarray] | None:
    """None, or a pair (X, y) of arrays with the same number (at least 1) of samples.

    An empty validation set has no loss: scored as 0.0 it would win best-model selection and
    early stopping, so it is refused here, before training starts."""
    if val_data is None:
        return None
    if not isinstance(val_data, (tuple, list)) or len(val_data) != 2:
        raise TypeError(f"{owner}: val_data must be a pair (X_val, y_val) or None, got "
                        f"{type(val_data).__name__}")
    X, y = (np.asarray(part) for part in val_data)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"{owner}: val_data (X_val, y_val) must hold arrays with the same "
                         f"number of samples, got shapes {X.shape} and {y.shape}")
    if len(X) == 0:
        raise ValueError(f"{owner}: val_data holds 0 samples, so there is no validation loss "
                         "to select the best model or stop early by; pass val_data=None to "
                         "train without validation")
    return X, y


def single_sample_last_batch(model: Module, loader: Any, owner: str = "Trainer") -> bool:
    """True when `loader`'s last batch holds one sample and `model` has BatchNorm1d, which
    cannot normalise one sample in training mode (PyTorch raises too): that batch is skipped,
    as drop_last=True would. Every batch being a single sample is refused at once."""
    if not any(isinstance(m, BatchNorm1d) for m in model.modules()):
        return False
    size, samples = getattr(loader, "batch_size", None), getattr(loader, "X", None)
    if not isinstance(size, int) or samples is None or getattr(loader, "drop_last", False):
        return False
    if size == 1 or len(samples) == 1:
        raise ValueError(f"{owner}: the model has BatchNorm1d, which cannot train on batches of "
                         f"one sample, but every batch holds one (batch_size={size}, "
                         f"{len(samples)} samples); use batch_size >= 2")
    return len(samples) % size == 1
