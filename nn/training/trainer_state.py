"""The training checkpoint's schema: what `Trainer.state_dict()` holds and how it is restored.

Everything that decides the next weights is in it: model, optimizer and scheduler state, the
DataLoader's epoch, batch position and generator state, every random generator the model owns
(e.g. Dropout's), the partial sums of the running epoch, the best-so-far state, the history and
a gradient monitor's records. Resuming from it ends with bitwise the same weights as a run that
never stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .checkpoint import CheckpointError, generator_states, restore_generator_states
from .history import History

if TYPE_CHECKING:
    from .trainer import Trainer

__all__ = ["CHECKPOINT_KIND", "CHECKPOINT_VERSION", "restore_trainer_state", "trainer_state"]

CHECKPOINT_KIND = "autograd_mini.training.checkpoint"
CHECKPOINT_VERSION = 1


def trainer_state(trainer: Trainer) -> dict[str, Any]:
    """The checkpoint tree of `trainer` (plain values and arrays; see the module docstring)."""
    running = trainer._running
    return {
        "kind": CHECKPOINT_KIND,
        "version": CHECKPOINT_VERSION,
        "config": trainer.config,
        "epochs": trainer.epochs,
        "epoch": trainer.epoch,
        "step": trainer.step,
        "stop_training": trainer.stop_training,
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": None if trainer.scheduler is None else trainer.scheduler.state_dict(),
        "loader": trainer.train_loader.state_dict(),
        "generators": generator_states(trainer.model, trainer.generators),
        "history": trainer.history.to_dict(),
        "running_epoch": None if running is None else running.state_dict(),
        "best": trainer.best.state_dict(),
        "best_model": trainer.best.weights,
        "gradient_monitor": (None if trainer.gradient_monitor is None
                             else trainer.gradient_monitor.state_dict()),
    }


def restore_trainer_state(trainer: Trainer, state: Mapping[str, Any]) -> None:
    """Load `trainer_state()` output into `trainer`, its model, optimizer, scheduler, loader."""
    if state.get("kind") != CHECKPOINT_KIND:
        raise CheckpointError("not a training checkpoint (written by something else?)")
    if state.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(f"training checkpoint version {state.get('version')} is not "
                              f"supported (this version reads {CHECKPOINT_VERSION})")
    _check_same_config(state.get("config") or {}, trainer.config)
    if (trainer.scheduler is None) != (state.get("scheduler") is None):
        raise CheckpointError("the checkpoint and this trainer disagree on having a scheduler")
    try:
        trainer.model.load_state_dict(state["model"])
        trainer.optimizer.load_state_dict(state["optimizer"])
        if trainer.scheduler is not None:
            trainer.scheduler.load_state_dict(state["scheduler"])
        trainer.train_loader.load_state_dict(state["loader"])
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"the checkpoint does not fit this model/optimizer/data: "
                              f"{error}") from error
    restore_generator_states(trainer.model, state["generators"], trainer.generators)
    trainer.epoch, trainer.step = int(state["epoch"]), int(state["step"])
    trainer.stop_training = bool(state["stop_training"])
    trainer.history = History.from_dict(state["history"])
    trainer.best.load_state_dict(state["best"], state.get("best_model"))
    monitor_state = state.get("gradient_monitor")  # absent in older checkpoints
    if monitor_state is not None and trainer.gradient_monitor is not None:
        trainer.gradient_monitor.load_state_dict(monitor_state)
    trainer._restore_running_epoch(state.get("running_epoch"))


def _check_same_config(saved: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    """Refuse to resume with settings other than the checkpoint's, naming each difference."""
    if not current or not saved or _normalise(saved) == _normalise(current):
        return
    changed = sorted(k for k in set(saved) | set(current)
                     if _normalise(saved.get(k)) != _normalise(current.get(k)))
    details = ", ".join(f"{k}: checkpoint {saved.get(k)!r}, now {current.get(k)!r}"
                        for k in changed)
    raise CheckpointError(f"the checkpoint was written with a different configuration "
                          f"({details}); use the same settings to resume")


def _normalise(value: Any) -> Any:
    """Compare configs saved through JSON: tuples as lists, numpy scalars as Python."""
    if isinstance(value, Mapping):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
