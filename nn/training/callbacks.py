"""What `Trainer.fit` calls between steps and epochs: `Callback` hooks and `EarlyStopping`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["Callback", "EarlyStopping"]


@dataclass
class EarlyStopping:
    """Stop when the monitored value has not improved by more than `min_delta` for `patience`
    epochs; `restore_best` puts the best epoch's weights back at the end."""

    patience: int = 10
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int) \
                or self.patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an int >= 1, got {self.patience!r}")
        if not (isinstance(self.min_delta, (int, float)) and self.min_delta >= 0):
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {self.min_delta!r}")


class Callback:
    """Hooks called by `Trainer.fit`; set `trainer.stop_training = True` to stop after the
    current epoch."""

    def on_epoch_begin(self, trainer: Trainer) -> None:
        """Before the first batch of an epoch (not called when resuming mid-epoch)."""

    def on_step_end(self, trainer: Trainer, loss: float) -> None:
        """After each optimizer step (and any step checkpoint); `loss` is the batch loss."""

    def on_epoch_end(self, trainer: Trainer, record: dict[str, Any]) -> None:
        """After validation, scheduling and the epoch's checkpoint; `record` is the new row."""
