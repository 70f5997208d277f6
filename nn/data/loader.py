"""Mini-batching and splitting of numpy arrays, reproducible from a seed and checkpointable."""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from ..generators import RNG as Seed
from ..generators import as_generator


def _rng(name: str, seed: Seed) -> np.random.Generator:
    """None follows `nn.manual_seed` (fresh entropy if it was never called)."""
    return as_generator(seed, name, ValueError)  # this module raises ValueError throughout


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _as_samples(name: str, array: npt.ArrayLike) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim < 1:
        raise ValueError(f"{name} must have at least one dimension (samples first), got a scalar")
    return array


class DataLoader:
    """Iterate over (xb, yb) mini-batches of numpy arrays; yb is None when y is None.

    Each pass over the loader is one epoch: with shuffle=True it draws one permutation from its
    own generator and fancy-indexes X and y once. state_dict() captures the epoch count, the
    position inside the current epoch and the generator state, so load_state_dict() on a fresh
    loader resumes with exactly the batches the original would have produced next.
    """

    def __init__(
        self,
        X: npt.ArrayLike,
        y: npt.ArrayLike | None = None,
        batch_size: int = 32,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: Seed = None,
    ) -> None:
        self.X = _as_samples("X", X)
        self.y = None if y is None else _as_samples("y", y)
        if self.y is not None and len(self.y) != len(self.X):
            raise ValueError(f"y has {len(self.y)} samples but X has {len(self.X)}")
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.shuffle = _check_bool("shuffle", shuffle)
        self.drop_last = _check_bool("drop_last", drop_last)
        self._rng = _rng("seed", seed)
        self.epoch = 0  # completed epochs; an epoch abandoned with break does not count
        self._epoch_start_state: dict[str, Any] | None = None  # set while an epoch is running
        self._batches_done = 0
        self._resume_at = 0  # batch index the next epoch starts at (set by load_state_dict)

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n = len(self.X)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        """Start an epoch (or resume one restored by load_state_dict) and yield its batches."""
        start_state = copy.deepcopy(self._rng.bit_generator.state)
        if self.shuffle:
            order = self._rng.permutation(len(self.X))
            X, y = self.X[order], None if self.y is None else self.y[order]
        else:
            X, y = self.X, self.y
        first, self._resume_at = self._resume_at, 0
        self._epoch_start_state, self._batches_done = start_state, first
        for index in range(first, len(self)):
            batch = slice(index * self.batch_size, (index + 1) * self.batch_size)
            self._batches_done = index + 1
            yield X[batch], None if y is None else y[batch]
        self.epoch += 1
        self._epoch_start_state, self._batches_done = None, 0

    def state_dict(self) -> dict[str, Any]:
        """Epoch, batches done in the current epoch and generator state; plain Python values."""
        if self._epoch_start_state is not None:
            generator_state, batch = self._epoch_start_state, self._batches_done
        else:
            generator_state, batch = self._rng.bit_generator.state, 0
        return {
            "epoch": self.epoch,
            "batch": batch,
            "num_samples": len(self.X),
            "bit_generator": copy.deepcopy(generator_state),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state_dict(); the next iteration continues exactly where it was taken."""
        missing = {"epoch", "batch", "num_samples", "bit_generator"} - set(state)
        if missing:
            raise ValueError(f"state is missing keys {sorted(missing)}")
        if state["num_samples"] != len(self.X):
            raise ValueError(
                f"state was saved for {state['num_samples']} samples, this loader has {len(self.X)}"
            )
        epoch = _check_int("state['epoch']", state["epoch"], 0)
        batch = _check_int("state['batch']", state["batch"], 0)
        if batch > len(self):
            raise ValueError(f"state['batch'] is {batch}, but an epoch has only {len(self)}")
        try:
            self._rng.bit_generator.state = copy.deepcopy(state["bit_generator"])
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(
                f"state['bit_generator'] does not fit this generator: {error}"
            ) from error
        self.epoch, self._resume_at = epoch, batch
        self._epoch_start_state, self._batches_done = None, 0


def train_val_test_split(
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    val: float = 0.15,
    test: float = 0.15,
    stratify: bool = False,
    seed: Seed = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into X_train, y_train, X_val, y_val, X_test, y_test.

    Split sizes are round(val·n) and round(test·n); with stratify=True they are rounded per
    class, so each class keeps its proportion in every split (totals may differ by rounding).
    """
    X, y = _as_samples("X", X), _as_samples("y", y)
    if len(X) != len(y):
        raise ValueError(f"y has {len(y)} samples but X has {len(X)}")
    if len(X) == 0:
        raise ValueError("train_val_test_split: X and y hold no samples; expected at least one")
    for name, fraction in (("val", val), ("test", test)):
        if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real):
            raise ValueError(f"{name} must be a fraction in [0, 1), got {fraction!r}")
        if not 0 <= fraction < 1:
            raise ValueError(f"{name} must be a fraction in [0, 1), got {fraction!r}")
    if val + test >= 1:
        raise ValueError(f"val + test must be below 1 to leave training data, got {val + test}")
    stratify = _check_bool("stratify", stratify)
    rng = _rng("seed", seed)

    if stratify:
        if y.ndim != 1:
            raise ValueError(f"stratify=True needs 1-D class labels y, got shape {y.shape}")
        _, class_of = np.unique(y, return_inverse=True)
        groups = [np.flatnonzero(class_of == c) for c in range(class_of.max(initial=-1) + 1)]
    else:
        groups = [np.arange(len(X))]
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for group in groups:
        group = rng.permutation(group)
        n_val, n_test = round(val * len(group)), round(test * len(group))
        parts[1].append(group[:n_val])
        parts[2].append(group[n_val : n_val + n_test])
        parts[0].append(group[n_val + n_test :])
    train, val_idx, test_idx = (rng.permutation(np.concatenate(p)) for p in parts)
    if len(train) == 0:
        raise ValueError(f"val={val} and test={test} leave no training samples out of {len(X)}")
    return X[train], y[train], X[val_idx], y[val_idx], X[test_idx], y[test_idx]


class KFold:
    """K-fold cross-validation indices: fold sizes differ by at most one sample."""

    def __init__(self, n_splits: int = 5, shuffle: bool = False, seed: Seed = None) -> None:
        self.n_splits = _check_int("n_splits", n_splits, 2)
        self.shuffle = _check_bool("shuffle", shuffle)
        if seed is not None and not self.shuffle:
            raise ValueError("seed has no effect unless shuffle=True; pass shuffle=True")
        _rng("seed", seed)  # validate now, not on the first split
        self.seed = seed

    def split(self, X: npt.ArrayLike) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (train_idx, val_idx) int64 arrays; each sample is validated exactly once."""
        n = len(_as_samples("X", X))
        if n < self.n_splits:
            raise ValueError(f"n_splits={self.n_splits} is more than the {n} samples in X")
        order = np.arange(n, dtype=np.int64)
        if self.shuffle:
            # An int seed gives the same folds on every call; a Generator advances.
            order = _rng("seed", self.seed).permutation(order)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        stops = np.cumsum(sizes)
        for start, stop in zip(stops - sizes, stops, strict=True):
            yield np.concatenate([order[:start], order[stop:]]), order[start:stop]
