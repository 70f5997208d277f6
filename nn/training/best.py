"""Best-model selection: which epoch is best by the monitored History column, and its weights."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..module import Module
from .history import COLUMNS

__all__ = ["BestModel", "monitor_column"]


def monitor_column(monitor: str) -> str:
    """History column for a monitor name: 'val_accuracy'/'val_r2' -> 'val_metric'."""
    for prefix in ("train", "val"):
        if monitor in (f"{prefix}_accuracy", f"{prefix}_r2"):
            return f"{prefix}_metric"
    return monitor


class BestModel:
    """Tracks the best epoch by `monitor`: loss columns are minimised, metric columns maximised.

    An epoch is an improvement when it beats the best so far by more than `min_delta`; `wait`
    counts the epochs since the last improvement (early stopping reads it). With `keep_weights`
    the best epoch's weights are copied (for restoring and for best.npz). NaN never wins.
    """

    def __init__(self, monitor: str, min_delta: float = 0.0, keep_weights: bool = False) -> None:
        column = monitor_column(monitor)
        if column not in COLUMNS or column in ("epoch", "lr", "time"):
            raise ValueError(f"Trainer: cannot monitor {monitor!r}; use train_loss, "
                             "val_loss, train_metric or val_metric")
        self.monitor, self.column = monitor, column
        self.mode = "min" if monitor.endswith("loss") else "max"
        self.min_delta = float(min_delta)
        self.keep_weights = keep_weights
        self.value: float | None = None
        self.epoch: int | None = None
        self.wait = 0  # epochs since the last improvement
        self.weights: dict[str, np.ndarray] | None = None

    def update(self, record: Mapping[str, Any], model: Module | None = None) -> bool:
        """Consider one epoch's History record; True when it is the new best."""
        value = record.get(self.column)
        if value is None:
            return False
        if math.isnan(value):  # a diverged epoch is never the best, and it does count as waiting
            self.wait += 1
            return False
        sign = 1.0 if self.mode == "min" else -1.0
        if self.value is None or sign * (self.value - value) > self.min_delta:
            self.value, self.epoch, self.wait = float(value), int(record["epoch"]), 0
            if self.keep_weights and model is not None:
                self.weights = model.state_dict()
            return True
        self.wait += 1
        return False

    def state_dict(self) -> dict[str, Any]:
        """The checkpoint's 'best' entry (plain values; the weights are stored beside it)."""
        return {"monitor": self.monitor, "value": self.value, "epoch": self.epoch,
                "wait": self.wait}

    def load_state_dict(self, state: Mapping[str, Any],
                        weights: dict[str, np.ndarray] | None) -> None:
        """Restore `state_dict()` and the best weights saved with it."""
        self.value, self.epoch = state["value"], state["epoch"]
        self.wait = int(state["wait"])
        self.weights = weights
