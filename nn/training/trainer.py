"""The training loop: `Trainer`/`fit` with validation, metrics, early stopping, checkpoints and
exact resume.

Determinism is the design constraint. A checkpoint holds everything that decides the next
weights: model, optimizer and scheduler state, the DataLoader's epoch, batch position and
generator state, every random generator the model owns (e.g. Dropout's), the partial sums of
the running epoch, the best-so-far state and the history (and a gradient monitor's records,
so its plot covers the whole run). Resuming from a checkpoint taken after any step therefore
ends with bitwise the same weights as a run that never stopped.

Ctrl-C does not interrupt a step half-way: the first SIGINT sets a flag, the loop finishes the
current step, writes a checkpoint and raises `TrainingInterrupted`; a second one aborts at once.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ..data import DataLoader
from ..losses import CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, cross_entropy, mse_loss
from ..module import Module
from ..optim import Optimizer
from ..optim.lr_scheduler import LRScheduler
from .callbacks import Callback, EarlyStopping
from .checkpoint import (
    CheckpointError,
    generator_states,
    load_checkpoint,
    restore_generator_states,
    save_checkpoint,
)
from .checkpoint_tree import CHECKPOINT_KIND, CHECKPOINT_VERSION, check_training_state
from .history import COLUMNS, History
from .interrupts import TrainingInterrupted, _catch_sigint, _InterruptFlag
from .metrics import RunningMetric, make_running_metric
from .number_format import format_loss, format_metric
from .progress import Progress

__all__ = ["Callback", "EarlyStopping", "Trainer", "TrainingInterrupted", "fit"]

LAST = "last.npz"
BEST = "best.npz"
HISTORY = "history.json"

Loss = Callable[[Any, Any], Tensor]


def default_metric(loss_fn: Any) -> str | None:
    """'accuracy' for cross-entropy, 'r2' for regression losses, None otherwise."""
    if isinstance(loss_fn, CrossEntropyLoss) or loss_fn is cross_entropy:
        return "accuracy"
    if isinstance(loss_fn, (MSELoss, L1Loss, HuberLoss)) or loss_fn is mse_loss:
        return "r2"
    return None


class _Epoch:
    """Running sums of the epoch in progress; checkpointed so a resumed epoch sums the same."""

    def __init__(self, metric: RunningMetric | None) -> None:
        self.loss_sum = 0.0
        self.samples = 0
        self.batches = 0
        self.seconds = 0.0
        self.metric = metric

    def state_dict(self) -> dict[str, Any]:
        return {"loss_sum": self.loss_sum, "samples": self.samples, "batches": self.batches,
                "seconds": self.seconds,
                "metric": None if self.metric is None else self.metric.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.loss_sum, self.samples = float(state["loss_sum"]), int(state["samples"])
        self.batches, self.seconds = int(state["batches"]), float(state["seconds"])
        if self.metric is not None and state.get("metric") is not None:
            self.metric.load_state_dict(state["metric"])


class Trainer:
    """Mini-batch training of `model` on `train_loader` for `epochs` epochs.

    - `loss_fn(output, y)` must average over the batch (nn losses do by default).
    - `metric`: 'accuracy', 'r2', None, or 'auto' (accuracy for cross-entropy, R² for MSE).
    - `val_data=(X, y)` is evaluated after every epoch in eval mode.
    - `scheduler` steps once per epoch, or per batch with `scheduler_interval='step'`.
    - `monitor`: the History column that defines the best epoch (default val_loss, else
      train_loss); loss columns are minimised, metric columns (or val_accuracy) maximised.
    - `early_stopping`: stop after `patience` epochs without improvement of `monitor`.
    - `checkpoint_dir`: write last.npz (each epoch and every `checkpoint_every` steps),
      best.npz (best model) and history.json there; `fit(resume=True)` continues from last.npz.
    - `max_grad_norm` clips the global gradient norm; `gradient_monitor` (nn.GradientMonitor)
      records every `monitor_every` steps, before clipping.
    - `config`: a dict stored in checkpoints; resuming with a different one is refused.
    - `generators`: extra np.random.Generators to checkpoint (the model's are found
      automatically).
    The History's `time` column is each epoch's training time, without validation.
    """

    def __init__(
        self,
        model: Module,
        optimizer: Optimizer,
        loss_fn: Loss,
        train_loader: DataLoader,
        *,
        epochs: int,
        val_data: tuple[np.ndarray, np.ndarray] | None = None,
        scheduler: LRScheduler | None = None,
        scheduler_interval: str = "epoch",
        metric: str | None = "auto",
        monitor: str | None = None,
        early_stopping: EarlyStopping | None = None,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        checkpoint_every: int | None = None,
        max_grad_norm: float | None = None,
        gradient_monitor: Any = None,
        monitor_every: int = 1,
        callbacks: Sequence[Callback] = (),
        progress: bool = True,
        use_tqdm: bool | None = None,
        eval_batch_size: int = 2048,
        config: Mapping[str, Any] | None = None,
        generators: Mapping[str, np.random.Generator] | None = None,
        log: Callable[[str], None] | None = print,
    ) -> None:
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"Trainer: epochs must be an int >= 0, got {epochs!r}")
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError(f"Trainer: scheduler_interval must be 'epoch' or 'step', got "
                             f"{scheduler_interval!r}")
        if checkpoint_every is not None and (isinstance(checkpoint_every, bool)
                                             or not isinstance(checkpoint_every, int)
                                             or checkpoint_every < 1):
            raise ValueError(f"Trainer: checkpoint_every must be an int >= 1 or None, got "
                             f"{checkpoint_every!r}")
        if checkpoint_every is not None and checkpoint_dir is None:
            raise ValueError("Trainer: checkpoint_every needs a checkpoint_dir")
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.train_loader = train_loader
        self.epochs = epochs
        self.val_data = val_data
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
        self.metric = default_metric(loss_fn) if metric == "auto" else metric
        make_running_metric(self.metric)  # validates the name
        self.monitor = monitor or ("val_loss" if val_data is not None else "train_loss")
        if self.monitor.startswith("val") and val_data is None:
            raise ValueError(f"Trainer: monitor={self.monitor!r} needs val_data")
        if _column(self.monitor) not in COLUMNS or _column(self.monitor) in ("epoch", "lr"):
            raise ValueError(f"Trainer: cannot monitor {self.monitor!r}; use train_loss, "
                             "val_loss, train_metric or val_metric")
        self.mode = "min" if self.monitor.endswith("loss") else "max"
        self.early_stopping = early_stopping
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_every = checkpoint_every
        self.max_grad_norm = max_grad_norm
        self.gradient_monitor, self.monitor_every = gradient_monitor, max(int(monitor_every), 1)
        self.callbacks = list(callbacks)
        self.progress, self.use_tqdm = progress, use_tqdm
        self.eval_batch_size = eval_batch_size
        self.config = dict(config or {})
        self.generators = dict(generators or {})
        self.log = log
        self.history = History(self.metric)
        self.epoch = 0  # completed epochs
        self.step = 0  # optimizer steps taken
        self.stop_training = False
        self.best_value: float | None = None
        self.best_epoch: int | None = None
        self.wait = 0  # epochs since the last improvement
        self._best_state: dict[str, np.ndarray] | None = None
        self._running: _Epoch | None = None  # the epoch in progress, if any
        self._interrupt = _InterruptFlag()

    # ---- paths -----------------------------------------------------------------------------
    def _path(self, name: str) -> Path | None:
        return None if self.checkpoint_dir is None else self.checkpoint_dir / name

    @property
    def last_checkpoint(self) -> Path | None:
        """Where the latest checkpoint is written (None without a checkpoint_dir)."""
        return self._path(LAST)

    @property
    def best_checkpoint(self) -> Path | None:
        """Where the best model is written (None without a checkpoint_dir)."""
        return self._path(BEST)

    # ---- evaluation ------------------------------------------------------------------------
    def predict(self, X: np.ndarray) -> np.ndarray:
        """Model outputs for X in eval mode, without recording a graph, in batches."""
        was_training = self.model.training
        self.model.eval()
        try:
            with am.no_grad():
                outputs = [self.model(Tensor(X[i: i + self.eval_batch_size])).data
                           for i in range(0, len(X), self.eval_batch_size)]
        finally:
            self.model.train(was_training)
        return np.concatenate(outputs) if outputs else np.empty((0,))

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> dict[str, float | None]:
        """{'loss': mean loss, metric name: value} on (X, y), in eval mode."""
        output = self.predict(X)
        with am.no_grad():
            loss = 0.0
            for i in range(0, len(X), self.eval_batch_size):
                part = slice(i, i + self.eval_batch_size)
                batch_loss = float(self.loss_fn(Tensor(output[part]), y[part]).item())
                loss += batch_loss * len(output[part])
        result: dict[str, float | None] = {"loss": loss / max(len(X), 1)}
        metric = make_running_metric(self.metric)
        if metric is not None:
            metric.update(y, output)
            result[metric.name] = metric.value()
        return result

    # ---- state -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: see the module docstring."""
        return {
            "kind": CHECKPOINT_KIND,
            "version": CHECKPOINT_VERSION,
            "config": self.config,
            "epochs": self.epochs,
            "epoch": self.epoch,
            "step": self.step,
            "stop_training": self.stop_training,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "loader": self.train_loader.state_dict(),
            "generators": generator_states(self.model, self.generators),
            "history": self.history.to_dict(),
            "running_epoch": None if self._running is None else self._running.state_dict(),
            "best": {"monitor": self.monitor, "value": self.best_value,
                     "epoch": self.best_epoch, "wait": self.wait},
            "best_model": self._best_state,
            "gradient_monitor": (None if self.gradient_monitor is None
                                 else self.gradient_monitor.state_dict()),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore `state_dict()` into this trainer, its model, optimizer, scheduler and loader."""
        check_training_state(state, like=self.state_dict())  # the whole tree, before any change
        saved_config = state.get("config") or {}
        if self.config and saved_config and _normalise(saved_config) != _normalise(self.config):
            changed = sorted(k for k in set(saved_config) | set(self.config)
                             if _normalise(saved_config.get(k)) != _normalise(self.config.get(k)))
            details = ", ".join(f"{k}: checkpoint {saved_config.get(k)!r}, now "
                                f"{self.config.get(k)!r}" for k in changed)
            raise CheckpointError(f"the checkpoint was written with a different configuration "
                                  f"({details}); use the same settings to resume")
        if (self.scheduler is None) != (state.get("scheduler") is None):
            raise CheckpointError("the checkpoint and this trainer disagree on having a scheduler")
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            if self.scheduler is not None:
                self.scheduler.load_state_dict(state["scheduler"])
            self.train_loader.load_state_dict(state["loader"])
        except (ValueError, KeyError, TypeError) as error:
            raise CheckpointError(f"the checkpoint does not fit this model/optimizer/data: "
                                  f"{error}") from error
        restore_generator_states(self.model, state["generators"], self.generators)
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self.stop_training = bool(state["stop_training"])
        self.history = History.from_dict(state["history"])
        best = state["best"]
        self.best_value, self.best_epoch = best["value"], best["epoch"]
        self.wait = int(best["wait"])
        self._best_state = state.get("best_model")
        monitor_state = state.get("gradient_monitor")  # absent in older checkpoints
        if monitor_state is not None and self.gradient_monitor is not None:
            self.gradient_monitor.load_state_dict(monitor_state)
        self._running = None
        if state.get("running_epoch") is not None:
            self._running = _Epoch(make_running_metric(self.metric))
            self._running.load_state_dict(state["running_epoch"])

    def save_checkpoint(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write `state_dict()` atomically to `path` (default: checkpoint_dir/last.npz)."""
        target = Path(path) if path is not None else self.last_checkpoint
        if target is None:
            raise ValueError("Trainer.save_checkpoint: no path and no checkpoint_dir")
        return save_checkpoint(self.state_dict(), target)

    def load_checkpoint(self, path: str | os.PathLike[str] | None = None) -> None:
        """Read a checkpoint (default: checkpoint_dir/last.npz) into this trainer."""
        target = Path(path) if path is not None else self.last_checkpoint
        if target is None:
            raise ValueError("Trainer.load_checkpoint: no path and no checkpoint_dir")
        self.load_state_dict(load_checkpoint(target))

    # ---- training --------------------------------------------------------------------------
    def fit(self, resume: bool | str | os.PathLike[str] = False) -> History:
        """Train until `epochs` epochs are done or early stopping fires; returns the History.

        `resume=True` continues from checkpoint_dir/last.npz, a path from that file.
        """
        if resume:
            self.load_checkpoint(None if resume is True else resume)
            if self.log is not None:
                where = f"epoch {self.epoch + 1}" + (
                    f", batch {self._running.batches + 1}" if self._running else "")
                self.log(f"resumed from step {self.step}: continuing at {where}")
        self._interrupt.requested = False
        with _catch_sigint(self._interrupt):
            while self.epoch < self.epochs and not self.stop_training:
                self._run_epoch()
        if self.early_stopping is not None and self.early_stopping.restore_best \
                and self._best_state is not None:
            self.model.load_state_dict(self._best_state)
        return self.history

    def _train_step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, np.ndarray]:
        output = self.model(Tensor(xb))
        loss = self.loss_fn(output, yb)
        self.optimizer.zero_grad()
        loss.backward()
        monitored = self.gradient_monitor is not None and self.step % self.monitor_every == 0
        if monitored:
            self.gradient_monitor.record(step=self.step)  # before clipping, as it expects
        if self.max_grad_norm is not None:
            from ..utils import clip_grad_norm_

            clip_grad_norm_(self.model.parameters(), self.max_grad_norm)
        self.optimizer.step()
        if monitored:
            self.gradient_monitor.record_update()
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()
        return float(loss.item()), output.data

    def _current_lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def _run_epoch(self) -> None:
        resuming = self._running is not None
        if self._running is None:
            self._running = _Epoch(make_running_metric(self.metric))
            for callback in self.callbacks:
                callback.on_epoch_begin(self)
        running = self._running
        lr = self._current_lr()
        self.model.train()
        description = f"epoch {self.epoch + 1}/{self.epochs}"
        bar = Progress(len(self.train_loader), description, initial=running.batches,
                       enabled=self.progress, use_tqdm=self.use_tqdm)
        started = time.perf_counter()
        try:
            for xb, yb in self.train_loader:
                loss, output = self._train_step(xb, yb)
                running.loss_sum += loss * len(xb)
                running.samples += len(xb)
                running.batches += 1
                if running.metric is not None:
                    running.metric.update(yb, output)
                self.step += 1
                bar.update(running.loss_sum / running.samples, len(xb))
                if self.checkpoint_every and self.step % self.checkpoint_every == 0:
                    running.seconds += time.perf_counter() - started
                    started = time.perf_counter()
                    self.save_checkpoint()
                for callback in self.callbacks:
                    callback.on_step_end(self, loss)
                if self._interrupt.requested:
                    running.seconds += time.perf_counter() - started
                    started = time.perf_counter()
                    self._stop_interrupted()
        finally:
            bar.close()
        running.seconds += time.perf_counter() - started
        self._finish_epoch(running, lr, bar.samples_per_second(), resuming)

    def _finish_epoch(self, running: _Epoch, lr: float, speed: float, resumed: bool) -> None:
        train_loss = running.loss_sum / running.samples if running.samples else math.nan
        train_metric = None if running.metric is None else running.metric.value()
        val: dict[str, float | None] = {}
        if self.val_data is not None:
            val = self.evaluate(*self.val_data)
        if self.scheduler is not None and self.scheduler_interval == "epoch":
            self.scheduler.step()
        record = dict(epoch=self.epoch + 1, train_loss=train_loss, train_metric=train_metric,
                      val_loss=val.get("loss"), val_metric=val.get(self.metric or ""), lr=lr,
                      time=running.seconds)
        self.history.append(**record)
        self.epoch += 1
        self._running = None
        self._update_best(self.history.records[-1])
        if self.checkpoint_dir is not None:
            self.save_checkpoint()
            try:
                self.history.save(self.checkpoint_dir / HISTORY)
            except OSError as error:
                raise CheckpointError(f"could not write {self.checkpoint_dir / HISTORY}: "
                                      f"{error}") from error
        if self.log is not None:
            self.log(self._summary(self.history.records[-1], speed, resumed))
        for callback in self.callbacks:
            callback.on_epoch_end(self, self.history.records[-1])
        if self._interrupt.requested:
            self._stop_interrupted()

    def _update_best(self, record: dict[str, Any]) -> None:
        value = record[_column(self.monitor)]
        if value is None:
            return
        delta = self.early_stopping.min_delta if self.early_stopping is not None else 0.0
        sign = 1.0 if self.mode == "min" else -1.0
        if self.best_value is None or sign * (self.best_value - value) > delta:
            self.best_value, self.best_epoch, self.wait = value, record["epoch"], 0
            if self.early_stopping is not None and self.early_stopping.restore_best \
                    or self.checkpoint_dir is not None:
                self._best_state = self.model.state_dict()
            if self.best_checkpoint is not None:
                save_checkpoint({"model": self.model.state_dict(), "epoch": record["epoch"],
                                 "monitor": self.monitor, "value": value,
                                 "config": self.config}, self.best_checkpoint)
            return
        self.wait += 1
        if self.early_stopping is not None and self.wait >= self.early_stopping.patience:
            self.stop_training = True
            if self.log is not None:
                self.log(f"early stopping: {self.monitor} has not improved for {self.wait} "
                         f"epochs (best {self.best_value:.4g} at epoch {self.best_epoch})")

    def _stop_interrupted(self) -> None:
        path = self.save_checkpoint() if self.checkpoint_dir is not None else None
        where = f"checkpoint saved to {path}" if path else "no checkpoint_dir, nothing saved"
        raise TrainingInterrupted(f"training interrupted at epoch {self.epoch + 1}, step "
                                  f"{self.step}: {where}", path, self.epoch, self.step)

    def _summary(self, record: dict[str, Any], speed: float, resumed: bool) -> str:
        short = {"accuracy": "acc", "r2": "r2"}.get(self.metric or "", "metric")
        parts = [f"epoch {record['epoch']}/{self.epochs}"]
        if record["train_loss"] is not None:
            parts.append(f"loss {format_loss(record['train_loss'])}")
        if record["train_metric"] is not None:
            parts.append(f"{short} {format_metric(self.metric, record['train_metric'])}")
        if record["val_loss"] is not None:
            parts.append(f"val_loss {format_loss(record['val_loss'])}")
        if record["val_metric"] is not None:
            parts.append(f"val_{short} {format_metric(self.metric, record['val_metric'])}")
        parts.append(f"lr {record['lr']:.3g}")
        parts.append(f"{record['time']:.1f}s")
        if not resumed:
            parts.append(f"{speed:,.0f} samples/s")
        return "  ".join(parts)


def _column(monitor: str) -> str:
    """History column for a monitor name: 'val_accuracy'/'val_r2' -> 'val_metric'."""
    for prefix in ("train", "val"):
        if monitor in (f"{prefix}_accuracy", f"{prefix}_r2"):
            return f"{prefix}_metric"
    return monitor


def _normalise(value: Any) -> Any:
    """Compare configs saved through JSON: tuples as lists, numpy scalars as Python."""
    if isinstance(value, Mapping):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def fit(
    model: Module,
    optimizer: Optimizer,
    loss_fn: Loss,
    train_loader: DataLoader,
    epochs: int,
    *,
    resume: bool | str | os.PathLike[str] = False,
    **options: Any,
) -> History:
    """Train with a `Trainer(model, optimizer, loss_fn, train_loader, epochs=..., **options)`."""
    trainer = Trainer(model, optimizer, loss_fn, train_loader, epochs=epochs, **options)
    return trainer.fit(resume=resume)
