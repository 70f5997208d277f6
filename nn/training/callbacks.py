"""Training policy as `Callback`s that `Trainer.fit` calls: `EarlyStopping`, `TerminateOnNaN`.

The Trainer runs the loop; what to decide between steps and epochs lives here. Order of the
hooks in one epoch: on_epoch_begin, on_step_end after each step, on_epoch_record once the
epoch's History row exists and the best epoch is updated (decisions made there are saved in
the epoch's checkpoint, so a resumed run decides the same), then on_epoch_end after the
checkpoint. on_train_begin / on_train_end frame the whole `fit` (on_train_end only when the
loop finishes, not on an interruption or an error).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["Callback", "EarlyStopping", "TerminateOnNaN", "TrainingDiverged"]


class Callback:
    """Hooks called by `Trainer.fit`; set `trainer.stop_training = True` to stop after the
    current epoch."""

    def on_train_begin(self, trainer: Trainer) -> None:
        """Before the first epoch of `fit` (also when resuming)."""

    def on_epoch_begin(self, trainer: Trainer) -> None:
        """Before the first batch of an epoch (not called when resuming mid-epoch)."""

    def on_step_end(self, trainer: Trainer, loss: float) -> None:
        """After each optimizer step (and any step checkpoint); `loss` is the batch loss."""

    def on_epoch_record(self, trainer: Trainer, record: dict[str, Any]) -> None:
        """After the epoch's record is added and the best epoch updated, before its checkpoint."""

    def on_epoch_end(self, trainer: Trainer, record: dict[str, Any]) -> None:
        """After validation, scheduling and the epoch's checkpoint; `record` is the new row."""

    def on_train_end(self, trainer: Trainer) -> None:
        """After the last epoch (or the epoch where training was stopped)."""


@dataclass
class EarlyStopping(Callback):
    """Stop when the monitored value has not improved by more than `min_delta` for `patience`
    epochs; `restore_best` puts the best epoch's weights back at the end.

    Pass it in `callbacks=[...]` (`Trainer(early_stopping=...)` still works, deprecated); the
    Trainer's `monitor` names the column it watches.
    """

    patience: int = 10
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int) \
                or self.patience < 1:
            raise ValueError(f"EarlyStopping: patience must be an int >= 1, got {self.patience!r}")
        if isinstance(self.min_delta, bool) or not (isinstance(self.min_delta, (int, float))
                                                    and self.min_delta >= 0):
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {self.min_delta!r}")

    def on_epoch_record(self, trainer: Trainer, record: dict[str, Any]) -> None:
        best = trainer.best
        if best.wait >= self.patience and not trainer.stop_training:
            trainer.stop_training = True
            if trainer.log is not None:
                shown = "none" if best.value is None else f"{best.value:.4g}"
                trainer.log(f"early stopping: {best.monitor} has not improved for {best.wait} "
                            f"epochs (best {shown} at epoch {best.epoch})")

    def on_train_end(self, trainer: Trainer) -> None:
        if self.restore_best and trainer.best.weights is not None:
            trainer.model.load_state_dict(trainer.best.weights)


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite: the weights are lost (the message says what
    to change)."""

    def __init__(self, message: str, epoch: int, step: int, loss: float) -> None:
        super().__init__(message)
        self.epoch, self.step, self.loss = epoch, step, loss


class TerminateOnNaN(Callback):
    """Raise `TrainingDiverged` at the first NaN or infinite batch loss, naming the epoch and
    step and suggesting a lower learning rate (the Trainer adds it unless stop_on_nan=False)."""

    def on_step_end(self, trainer: Trainer, loss: float) -> None:
        if math.isfinite(loss):
            return
        lr = float(trainer.optimizer.param_groups[0]["lr"])
        raise TrainingDiverged(
            f"training diverged: the batch loss is {loss} at epoch {trainer.epoch + 1}, step "
            f"{trainer.step}, with lr={lr:g}; the weights are no longer finite. Lower the "
            f"learning rate (e.g. lr={lr / 10:g}) and start again, or pass stop_on_nan=False "
            "to keep training.", trainer.epoch + 1, trainer.step, loss)
