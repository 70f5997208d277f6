"""The training loop: `Trainer`/`fit` with validation, metrics, checkpoints and exact resume.

The Trainer runs the loop; the policy around it lives in small modules: best-model selection
in `best.py`, early stopping and the NaN stop as callbacks in `callbacks.py`, the checkpoint's
schema in `trainer_state.py`, what counts as training data in `train_data.py`.

Determinism is the design constraint: a checkpoint holds everything that decides the next
weights, so resuming from one taken after any step ends with bitwise the same weights as a run
that never stopped (see `trainer_state.py`).

Ctrl-C does not interrupt a step half-way: the first SIGINT sets a flag, the loop finishes the
current step, writes a checkpoint and raises `TrainingInterrupted`; a second one aborts at once.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from ..arguments import check_bool, check_int, check_real
from ..data import DataLoader
from ..losses import CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, cross_entropy, mse_loss
from ..module import Module
from ..optim import Optimizer
from ..optim.lr_scheduler import LRScheduler
from .best import BestModel, monitor_column
from .callbacks import Callback, EarlyStopping, TerminateOnNaN, TrainingDiverged
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .checkpoint_tree import check_training_state
from .history import History
from .interrupts import TrainingInterrupted, _catch_sigint, _InterruptFlag
from .metrics import RunningMetric, make_running_metric
from .number_format import format_loss, format_metric
from .progress import Progress
from .train_data import as_train_loader, check_val_data, single_sample_last_batch
from .trainer_state import restore_trainer_state, trainer_state

__all__ = ["Callback", "EarlyStopping", "TerminateOnNaN", "Trainer", "TrainingDiverged",
           "TrainingInterrupted", "fit"]

LAST = "last.npz"
BEST = "best.npz"
HISTORY = "history.json"

Loss = Callable[[Any, Any], Tensor]


class _PrintUnlessQuiet:
    """The default `log`: print, unless progress=False asked for silence."""


_DEFAULT_LOG: Any = _PrintUnlessQuiet()


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

    - `train_loader`: an nn.data.DataLoader, or a pair (X, y) (batches of 32, shuffled).
    - `loss_fn(output, y)` must average over the batch (nn losses do by default).
    - `metric`: 'accuracy', 'r2', None, or 'auto' (accuracy for cross-entropy, R² for MSE).
    - `val_data=(X, y)` is evaluated after every epoch in eval mode (an empty one is refused).
    - `scheduler` steps once per epoch, or per batch with `scheduler_interval='step'`.
    - `monitor`: the History column that defines the best epoch (default val_loss, else
      train_loss); loss columns are minimised, metric columns (or val_accuracy) maximised.
    - `callbacks`: `Callback`s such as `EarlyStopping(patience)` (`early_stopping=` is a
      deprecated spelling of adding one).
    - `stop_on_nan` (default True): a NaN or infinite batch loss raises `TrainingDiverged`
      naming the epoch; False keeps training (the epoch lines then show nan).
    - `checkpoint_dir`: write last.npz (each epoch and every `checkpoint_every` steps),
      best.npz (best model) and history.json there; `fit(resume=True)` continues from last.npz.
    - `max_grad_norm` clips the global gradient norm; `gradient_monitor` (nn.GradientMonitor)
      records every `monitor_every` steps, before clipping.
    - `config`: a dict stored in checkpoints; resuming with a different one is refused.
    - `generators`: extra np.random.Generators to checkpoint (the model's are found
      automatically).
    - `progress=False` prints nothing (no bar, no epoch lines) unless a `log` is given.
    With BatchNorm1d in the model, a last batch of one sample is skipped each epoch (it cannot
    be normalised), and the Trainer says so once. The History's `time` column is each epoch's
    training time, without validation.
    """

    def __init__(
        self,
        model: Module,
        optimizer: Optimizer,
        loss_fn: Loss,
        train_loader: DataLoader | tuple[np.ndarray, np.ndarray],
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
        log: Callable[[str], None] | None = _DEFAULT_LOG,
        stop_on_nan: bool = True,
    ) -> None:
        self.epochs = check_int("Trainer", "epochs", epochs, 0)
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError(f"Trainer: scheduler_interval must be 'epoch' or 'step', got "
                             f"{scheduler_interval!r}")
        if checkpoint_every is not None:
            checkpoint_every = check_int("Trainer", "checkpoint_every", checkpoint_every, 1)
            if checkpoint_dir is None:
                raise ValueError("Trainer: checkpoint_every needs a checkpoint_dir")
        if max_grad_norm is not None:
            max_grad_norm = check_real("Trainer", "max_grad_norm", max_grad_norm, low=0.0)
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.train_loader = as_train_loader(train_loader)
        self.val_data = check_val_data(val_data)
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
        self.metric = default_metric(loss_fn) if metric == "auto" else metric
        make_running_metric(self.metric)  # validates the name
        self.callbacks = _with_policies(callbacks, early_stopping, stop_on_nan)
        stopping = [c for c in self.callbacks if isinstance(c, EarlyStopping)]
        monitor = monitor or ("val_loss" if self.val_data is not None else "train_loss")
        if monitor.startswith("val") and self.val_data is None:
            raise ValueError(f"Trainer: monitor={monitor!r} needs val_data")
        self.best = BestModel(monitor, stopping[0].min_delta if stopping else 0.0,
                              keep_weights=checkpoint_dir is not None
                              or any(s.restore_best for s in stopping))
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_every = checkpoint_every
        self.max_grad_norm = max_grad_norm
        self.gradient_monitor = gradient_monitor
        self.monitor_every = check_int("Trainer", "monitor_every", monitor_every, 1)
        self.progress = check_bool("Trainer", "progress", progress)
        self.use_tqdm = use_tqdm
        self.eval_batch_size = check_int("Trainer", "eval_batch_size", eval_batch_size, 1)
        self.config = dict(config or {})
        self.generators = dict(generators or {})
        self.log = (print if self.progress else None) if log is _DEFAULT_LOG else log
        self.skip_single_sample_batch = single_sample_last_batch(model, self.train_loader)
        self.history = History(self.metric)
        self.epoch = 0  # completed epochs
        self.step = 0  # optimizer steps taken
        self.stop_training = False
        self._running: _Epoch | None = None  # the epoch in progress, if any
        self._interrupt = _InterruptFlag()

    # ---- policy, as read by older code -----------------------------------------------------
    @property
    def monitor(self) -> str:
        """The History column (or alias such as val_accuracy) that defines the best epoch."""
        return self.best.monitor

    @property
    def mode(self) -> str:
        """'min' for loss columns, 'max' for metric columns."""
        return self.best.mode

    @property
    def best_value(self) -> float | None:
        """The monitored value of the best epoch so far."""
        return self.best.value

    @property
    def best_epoch(self) -> int | None:
        """The best epoch so far (1-based)."""
        return self.best.epoch

    @property
    def wait(self) -> int:
        """Epochs since the best one."""
        return self.best.wait

    @property
    def early_stopping(self) -> EarlyStopping | None:
        """The EarlyStopping callback, if any."""
        return next((c for c in self.callbacks if isinstance(c, EarlyStopping)), None)

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
        if len(X) == 0:
            raise ValueError("Trainer.evaluate: X holds 0 samples; a loss over no samples is "
                             "undefined (not 0)")
        output = self.predict(X)
        with am.no_grad():
            loss = 0.0
            for i in range(0, len(X), self.eval_batch_size):
                part = slice(i, i + self.eval_batch_size)
                batch_loss = float(self.loss_fn(Tensor(output[part]), y[part]).item())
                loss += batch_loss * len(output[part])
        result: dict[str, float | None] = {"loss": loss / len(X)}
        metric = make_running_metric(self.metric)
        if metric is not None:
            metric.update(y, output)
            result[metric.name] = metric.value()
        return result

    # ---- state -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: see `trainer_state.py`."""
        return trainer_state(self)

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore `state_dict()` into this trainer, its model, optimizer, scheduler and loader."""
        check_training_state(state, like=self.state_dict())  # the whole tree, before any change
        restore_trainer_state(self, state)

    def _restore_running_epoch(self, state: Mapping[str, Any] | None) -> None:
        self._running = None
        if state is not None:
            self._running = _Epoch(make_running_metric(self.metric))
            self._running.load_state_dict(state)

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
        """Train until `epochs` epochs are done or a callback stops; returns the History.

        `resume=True` continues from checkpoint_dir/last.npz, a path from that file.
        """
        if resume:
            self.load_checkpoint(None if resume is True else resume)
            if self.log is not None:
                where = f"epoch {self.epoch + 1}" + (
                    f", batch {self._running.batches + 1}" if self._running else "")
                self.log(f"resumed from step {self.step}: continuing at {where}")
        if self.skip_single_sample_batch and self.log is not None:
            self.log("note: the last batch of each epoch holds 1 sample, which BatchNorm1d "
                     "cannot normalise in training mode; it is skipped (as drop_last=True "
                     "would). Choose another batch size to use every sample.")
        self._interrupt.requested = False
        for callback in self.callbacks:
            callback.on_train_begin(self)
        with _catch_sigint(self._interrupt):
            while self.epoch < self.epochs and not self.stop_training:
                self._run_epoch()
        for callback in self.callbacks:
            callback.on_train_end(self)
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
        skip_single = self.skip_single_sample_batch
        bar = Progress(len(self.train_loader) - skip_single, description,
                       initial=running.batches, enabled=self.progress, use_tqdm=self.use_tqdm)
        started = time.perf_counter()
        try:
            for xb, yb in self.train_loader:
                if skip_single and len(xb) == 1:
                    continue  # BatchNorm cannot train on it: see single_sample_last_batch
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
        """Score the epoch: update the best one (and best.npz), then let the policies decide
        (before the epoch's checkpoint, so a resumed run decides the same)."""
        if self.best.update(record, self.model) and self.best_checkpoint is not None:
            save_checkpoint({"model": self.model.state_dict(), "epoch": record["epoch"],
                             "monitor": self.monitor, "value": self.best.value,
                             "config": self.config}, self.best_checkpoint)
        for callback in self.callbacks:
            callback.on_epoch_record(self, record)

    def _stop_interrupted(self) -> None:
        path = self.save_checkpoint() if self.checkpoint_dir is not None else None
        where = f"checkpoint saved to {path}" if path else "no checkpoint_dir, nothing saved"
        raise TrainingInterrupted(f"training interrupted at epoch {self.epoch + 1}, step "
                                  f"{self.step}: {where}", path, self.epoch, self.step)

    def _summary(self, record: dict[str, Any], speed: float, resumed: bool) -> str:
        """One epoch line; a NaN loss shows as nan (never dropped: a diverged run must show)."""
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


def _with_policies(callbacks: Sequence[Callback], early_stopping: EarlyStopping | None,
                   stop_on_nan: bool) -> list[Callback]:
    """The user's callbacks, then `early_stopping`, then the NaN stop (after the user's, so a
    caller's own divergence message comes first)."""
    chosen = list(callbacks)
    for callback in chosen:
        if not isinstance(callback, Callback):
            raise TypeError(f"Trainer: callbacks must be nn.training.Callback instances, got "
                            f"{callback!r}")
    if early_stopping is not None:
        warnings.warn("Trainer(early_stopping=...) is deprecated: pass it in callbacks=[...]",
                      DeprecationWarning, stacklevel=3)  # the caller of Trainer()
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(f"Trainer: early_stopping must be an EarlyStopping, got "
                            f"{early_stopping!r}")
        chosen.append(early_stopping)
    if sum(isinstance(c, EarlyStopping) for c in chosen) > 1:
        raise ValueError("Trainer: more than one EarlyStopping given (early_stopping= and in "
                         "callbacks=?); pass one")
    if check_bool("Trainer", "stop_on_nan", stop_on_nan) \
            and not any(isinstance(c, TerminateOnNaN) for c in chosen):
        chosen.append(TerminateOnNaN())
    return chosen


_column = monitor_column  # older name


def fit(
    model: Module,
    optimizer: Optimizer,
    loss_fn: Loss,
    train_loader: DataLoader | tuple[np.ndarray, np.ndarray] | np.ndarray,
    *args: Any,
    epochs: int | None = None,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = None,
    resume: bool | str | os.PathLike[str] = False,
    **options: Any,
) -> History:
    """Train with a `Trainer(model, optimizer, loss_fn, loader, epochs=..., **options)`.

    The data may be a DataLoader, a pair (X, y), or X and y as two arguments (the Keras habit):
    `fit(model, opt, loss, loader, 10)`, `fit(model, opt, loss, (X, y), 10, batch_size=64)`,
    `fit(model, opt, loss, X, y, epochs=10)`. Arrays are batched by `batch_size` (default 32),
    shuffled unless `shuffle=False`, from `seed`.
    """
    if isinstance(train_loader, np.ndarray) and args \
            and not isinstance(args[0], (int, np.integer)):  # fit(..., X, y, epochs)
        train_loader, args = (train_loader, args[0]), args[1:]
    if len(args) > 1:
        raise TypeError(f"fit: too many positional arguments after the data; call "
                        f"fit(model, optimizer, loss_fn, data, epochs) with data a DataLoader "
                        f"or (X, y), or fit(model, optimizer, loss_fn, X, y, epochs), got "
                        f"{len(args)} more: {', '.join(type(a).__name__ for a in args)}")
    if args:
        if epochs is not None:
            raise TypeError("fit: epochs given both by position and as epochs=")
        epochs = args[0]
    if epochs is None:
        raise TypeError("fit: missing epochs, e.g. fit(model, optimizer, loss_fn, loader, 10)")
    if isinstance(train_loader, DataLoader) \
            and (batch_size is not None or seed is not None or not shuffle):
        raise ValueError("fit: batch_size, shuffle and seed apply to arrays; a DataLoader has "
                         "its own (set them when you build it)")
    loader = as_train_loader(train_loader, batch_size=32 if batch_size is None else batch_size,
                             shuffle=shuffle, seed=seed, owner="fit")
    trainer = Trainer(model, optimizer, loss_fn, loader, epochs=epochs, **options)
    return trainer.fit(resume=resume)
