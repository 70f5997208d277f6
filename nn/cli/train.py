"""`autograd-mini train`: train an MLP, evaluate it on the test set and write the artefacts."""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..training.blas import MAX_BLAS_THREADS
from .errors import EXIT_INTERRUPTED, EXIT_OK, CommandError, UsageError
from .loading import _load_data
from .report import _architecture, _draw_graph, _say, _write_json

# Options of `train` that are part of the recipe (stored in checkpoints, compared on resume).
CONFIG_OPTIONS = ("model", "cell", "hidden", "activation", "optimizer", "lr", "epochs",
                  "batch_size", "dropout", "batchnorm", "weight_decay", "scheduler", "seed")


@dataclass
class _Resume:
    """The validated checkpoint a run continues from, and the epochs it now runs to."""

    path: Path
    state: dict[str, Any]
    epochs: int  # larger than the checkpoint's when --epochs extends the run

    @property
    def extended(self) -> bool:
        """Whether --epochs asks for more epochs than the checkpoint's run planned."""
        return self.epochs != self.state["epochs"]

    def note(self) -> str:
        done = f"{self.state['step']} steps and {self.state['epoch']} epochs done"
        return (f"resuming from {self.path}: {done}"
                + (f"; extending the run from {self.state['epochs']} to {self.epochs} epochs"
                   if self.extended else ""))

    def state_for(self, fresh: dict[str, Any]) -> dict[str, Any]:
        """The checkpoint to restore into a trainer whose state_dict() is `fresh`. Extending a
        run stretches its schedule to the new length: the schedule's shape (cosine T_max,
        step size) comes from the fresh scheduler, its position from the checkpoint."""
        if not self.extended:
            return self.state
        state = {**self.state, "epochs": self.epochs,
                 "config": {**self.state["config"], "epochs": self.epochs}}
        if state["scheduler"] is not None and fresh["scheduler"] is not None:
            position = ("last_epoch", "_last_lr", "base_lrs")
            state["scheduler"] = {**state["scheduler"], **{
                k: v for k, v in fresh["scheduler"].items() if k not in position}}
        return state


def _train_config(args: argparse.Namespace, out: Path) -> tuple[dict[str, Any], _Resume | None]:
    """The run's config (recipe plus data and threads, as stored in checkpoints), and the
    checkpoint being resumed (None: a new run)."""
    from ..training.recipes import default_config, validate_config

    given = {key: getattr(args, key) for key in CONFIG_OPTIONS if getattr(args, key) is not None}
    config = {**default_config(args.data), **given}
    threads = args.threads or 1
    resume = None
    last = out / "last.npz"
    if not args.resume:
        _refuse_to_overwrite(out, args.overwrite)
    elif not last.exists():
        print(f"nothing to resume in {out} (no last.npz yet): starting a new run",
              file=sys.stderr)
    else:
        state = _resumable_state(last)
        saved = state["config"]
        if saved.get("data", args.data) != args.data:
            raise UsageError(f"{last} was written for --data {saved['data']}, not "
                             f"--data {args.data}")
        if args.threads is not None:
            given["threads"] = args.threads
        epochs = int(given.pop("epochs", saved["epochs"]))
        if epochs != saved["epochs"] and epochs <= state["epoch"]:
            raise UsageError(f"--epochs {epochs}: the run in {out} has already done "
                             f"{state['epoch']} epochs; to extend it, give more (or drop "
                             "--epochs to finish it as planned)")
        if epochs != saved["epochs"] and state["stop_training"]:
            raise UsageError(f"the run in {out} was stopped early (by --patience) after "
                             f"{state['epoch']} epochs; there is nothing to extend")
        differing = [k for k, v in given.items() if _plain(v) != _plain(saved.get(k))]
        if differing:
            shown = ", ".join(f"--{k.replace('_', '-')} {_plain(saved.get(k))}"
                              for k in differing)
            raise UsageError(f"--resume continues the run in {out}, which used {shown}; "
                             "drop those options (only --epochs may grow, to extend the run) "
                             "or choose another --out")
        config = {**config, **{k: v for k, v in saved.items() if k in config}, "epochs": epochs}
        threads = int(saved["threads"])
        resume = _Resume(last, state, epochs)
    try:
        config = validate_config(config)
    except ValueError as error:
        raise UsageError(str(error)) from error
    return {**config, "threads": threads}, resume


def _refuse_to_overwrite(out: Path, overwrite: bool) -> None:
    """A new run into a directory that holds another run's files would replace its
    checkpoints and model without a word: say so, unless --overwrite asks for it."""
    existing = [name for name in ("last.npz", "best.npz", "model.npz") if (out / name).exists()]
    if existing and not overwrite:
        raise UsageError(f"{out} already holds a run ({', '.join(existing)}); pass --resume "
                         "to continue it, --overwrite to replace it, or choose another --out")


def _resume_command(args: argparse.Namespace, out: Path) -> str:
    """The command that continues this run: the data and where it is, the output directory,
    and every option a checkpoint does not store (the recipe it does)."""
    parts = ["autograd-mini", "train", "--data", args.data]
    if args.data_dir:
        parts += ["--data-dir", args.data_dir]
    parts += ["--out", str(out), "--resume"]
    if args.patience:
        parts += ["--patience", str(args.patience)]
    if args.checkpoint_every:
        parts += ["--checkpoint-every", str(args.checkpoint_every)]
    if args.monitor_gradients:
        parts += ["--monitor-gradients", str(args.monitor_gradients)]
    parts += [flag for flag, on in (("--no-plots", args.no_plots), ("--quiet", args.quiet)) if on]
    return " ".join(shlex.quote(part) for part in parts)


def _resumable_state(last: Path) -> dict[str, Any]:
    """The checkpoint `last`, its tree and its recipe checked, or CommandError 'cannot resume'."""
    from ..training.checkpoint import CheckpointError, load_checkpoint
    from ..training.checkpoint_tree import check_training_state
    from ..training.recipes import BASE_CONFIG, LATER_KEYS, validate_config

    try:
        state = load_checkpoint(last)
    except CheckpointError as error:
        raise CommandError(f"cannot resume: {error}") from error
    try:
        check_training_state(state)
        saved = state["config"]
        missing = sorted(set(BASE_CONFIG) - set(saved) - set(LATER_KEYS))
        if missing:
            raise CheckpointError(f"its config lacks {missing} (not written by "
                                  "autograd-mini train?)")
        saved = {**LATER_KEYS, **saved}  # written before those keys existed
        try:
            validate_config({k: saved[k] for k in BASE_CONFIG})
        except ValueError as error:
            raise CheckpointError(f"its config is invalid: {error}") from None
        threads = saved.get("threads", 1)
        if isinstance(threads, bool) or not isinstance(threads, int) or not \
                1 <= threads <= MAX_BLAS_THREADS:
            raise CheckpointError(f"its config has threads {threads!r}; expected an "
                                  f"integer in [1, {MAX_BLAS_THREADS}]")
    except CheckpointError as error:
        raise CommandError(f"cannot resume: {last} holds a checkpoint this version cannot "
                           f"continue: {error}") from error
    return {**state, "config": {**saved, "threads": threads}}


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def cmd_train(args: argparse.Namespace) -> int:
    """`autograd-mini train`: train, evaluate on the test set, write artefacts."""
    from autograd_mini.allocator import retain_freed_memory

    from ..serialization import save
    from ..training.blas import set_blas_threads
    from ..training.checkpoint import CheckpointError, check_writable
    from ..training.metrics import confusion_matrix, format_confusion_matrix
    from ..training.plots import (
        PlotUnavailable,
        matplotlib_available,
        plot_confusion_matrix,
        plot_gradient_health,
        plot_history,
    )
    from ..training.recipes import build_trainer
    from ..training.trainer import Callback, EarlyStopping, Trainer

    class StopIfDiverged(Callback):
        """A NaN or infinite batch loss means the weights are lost: stop now and say why,
        rather than train on NaN to the last epoch and exit 0 with NaN metrics."""

        def on_step_end(self, trainer: Trainer, loss: float) -> None:
            if not math.isfinite(loss):
                lr = config["lr"]
                raise CommandError(
                    f"training diverged: the batch loss is {loss} at epoch {trainer.epoch + 1}, "
                    f"step {trainer.step}, with --lr {lr:g}; the weights are no longer finite. "
                    f"Lower the learning rate (e.g. --lr {lr / 10:g}) and start a new run."
                )

    started = time.perf_counter()
    out = Path(args.out) if args.out else Path("runs") / args.data
    say = _say(args.quiet)
    run_config, resume = _train_config(args, out)
    if resume is not None:
        print(resume.note(), file=sys.stderr)
    set_blas_threads(run_config["threads"])  # results depend on it: part of the run's config
    retain_freed_memory()  # the numbers are unchanged, the page faults go (allocator.py)
    config = {k: v for k, v in run_config.items() if k != "threads"}
    try:
        check_writable(out)
    except CheckpointError as error:
        raise CommandError(f"{error}; choose another --out") from error
    dataset = _load_data(args.data, args.data_dir, args.download)
    if len(dataset.X_val) == 0:  # it would score val_loss 0.0 and win every comparison
        raise CommandError(f"the {args.data} data leave no validation samples (train "
                           f"{len(dataset.X_train)}, val 0): use a larger data set")
    try:
        trainer = build_trainer(
            config, dataset.X_train, dataset.y_train, task=dataset.task,
            out_features=dataset.out_features, val_data=(dataset.X_val, dataset.y_val),
            checkpoint_dir=out, checkpoint_every=args.checkpoint_every, progress=not args.quiet,
            monitor_every=args.monitor_gradients or 1, config=run_config, log=say,
            callbacks=[StopIfDiverged(),
                       *([EarlyStopping(args.patience)] if args.patience else [])],
        )
    except ValueError as error:  # a model that does not fit the data (--model cnn on moons)
        raise UsageError(f"--data {args.data}: {error}") from error
    model, loss_fn, monitor = trainer.model, trainer.loss_fn, None
    if args.monitor_gradients:
        from ..monitor import GradientMonitor

        monitor = trainer.gradient_monitor = GradientMonitor(model)
    say(f"{'resuming' if resume else 'training'} {config['model'].upper()} "
        f"{_architecture(config, dataset)} on "
        f"{dataset.name}: train {len(dataset.X_train)}, val {len(dataset.X_val)}, test "
        f"{len(dataset.X_test)} | {config['optimizer']} lr {config['lr']:g}, "
        f"{config['scheduler']} schedule, {config['epochs']} epochs, batch "
        f"{config['batch_size']}, seed {config['seed']}")
    from ..training.trainer import TrainingInterrupted

    try:
        if resume is not None:
            try:  # the checkpoint read and checked once, above
                trainer.load_state_dict(resume.state_for(trainer.state_dict()))
            except CheckpointError as error:
                raise CommandError(f"cannot resume: {resume.path}: {error}") from error
            if resume.extended and trainer.scheduler is not None:
                trainer.scheduler.last_epoch -= 1  # set the current lrs from the stretched
                trainer.scheduler.step()  # schedule, at the position the run had reached
            running = resume.state["running_epoch"]
            say(f"resumed from step {trainer.step}: continuing at epoch {trainer.epoch + 1}"
                + (f", batch {running['batches'] + 1}" if running else ""))
        history = trainer.fit()
    except TrainingInterrupted as interrupted:
        print(f"\n{interrupted}", file=sys.stderr)
        if interrupted.checkpoint is not None:
            print(f"resume with: {_resume_command(args, out)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CheckpointError as error:
        raise CommandError(str(error)) from error
    finally:
        if monitor is not None:
            monitor.remove()  # detach its forward hooks from the activation modules
    train_seconds = time.perf_counter() - started

    test = trainer.evaluate(dataset.X_test, dataset.y_test)
    metrics: dict[str, Any] = {"data": args.data, "test_loss": test["loss"],
                               "train_seconds": round(train_seconds, 3),
                               "epochs_run": len(history), "config": run_config}
    # The report is printed only after the result files are written: a failing stdout (a full
    # disk under `> log`) must not lose model.npz and metrics.json.
    report = [""]
    matrix = None
    if dataset.task == "classification":
        matrix = confusion_matrix(dataset.y_test, trainer.predict(dataset.X_test),
                                  dataset.out_features)
        correct, total = int(np.trace(matrix)), int(matrix.sum())
        metrics.update(test_accuracy=test["accuracy"], confusion_matrix=matrix.tolist())
        report += [f"test accuracy {100 * test['accuracy']:.2f}% ({correct}/{total}), test loss "
                   f"{test['loss']:.4f}", "confusion matrix:", format_confusion_matrix(matrix)]
    else:
        metrics.update(test_r2=test["r2"], test_mse=test["loss"])
        report.append(f"test R² {test['r2']:.5f}, test MSE {test['loss']:.3e}")
        if dataset.X_test.shape == dataset.y_test.shape:  # a one-step map x_t -> x_(t+1)
            report.append(_report_one_step_map(dataset, trainer.predict(dataset.X_test),
                                               metrics))
    if monitor is not None and monitor.history:
        findings = monitor.diagnose()
        report.append(f"\ngradient health ({len(monitor.history)} records, latest at step "
                      f"{monitor.history[-1]['step']}):")
        report += [f"  - {finding}" for finding in findings or ["no problems found"]]

    written: list[tuple[str, str]] = []
    try:
        model_path = out / "model.npz"
        save({"model": model.state_dict(), "config": run_config,
              "in_features": dataset.in_features, "out_features": dataset.out_features,
              "task": dataset.task}, model_path)
        written.append(("model", str(model_path)))
        written.append(("history", str(history.save(out / "history.json"))))
        written.append(("metrics", str(_write_json(out / "metrics.json", metrics))))
        if args.no_plots:
            pass
        elif matplotlib_available():
            try:
                title = f"{args.data}: {_architecture(config, dataset)}"
                written.append(("learning curves",
                                str(plot_history(history, out / "learning_curves.png", title))))
                if matrix is not None:
                    written.append(("confusion matrix",
                                    str(plot_confusion_matrix(matrix,
                                                              out / "confusion_matrix.png"))))
                if monitor is not None and monitor.history:
                    written.append(("gradient health",
                                    str(plot_gradient_health(monitor,
                                                             out / "gradient_health.png"))))
            except PlotUnavailable as error:
                written.append(("plots", f"skipped ({error})"))
        else:
            written.append(("plots", "skipped (matplotlib not installed: "
                                     "pip install 'autograd_mini[plot]')"))
        if not args.no_plots:
            written.append(("graph", _draw_graph(model, dataset, loss_fn, out / "graph.svg")))
    except OSError as error:
        raise CommandError(f"could not write results to {out}: {error}") from error
    written.append(("checkpoints", f"{out / 'last.npz'} (resume), {out / 'best.npz'} (best val)"))
    print("\n".join(report))
    print("\nwrote:")
    width = max(len(label) for label, _ in written)
    for label, where in written:
        print(f"  {label.ljust(width)}  {where}")
    print(f"total time {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def _report_one_step_map(dataset: Any, predicted: np.ndarray, metrics: dict[str, Any]) -> str:
    """Next-state R² flatters a one-step map: copying the input already scores near 1. Print
    that baseline and the R² of the increment x_(t+1) − x_t, which the model must earn."""
    from ..training.metrics import r2_score

    X, y = dataset.X_test, dataset.y_test
    baseline = r2_score(y, X)
    increment = r2_score(y - X, predicted - X)
    metrics.update(test_r2_copy_input_baseline=baseline, test_r2_increment=increment)
    return (f"  (copying the input scores R² {baseline:.5f}; R² of the step x(t+1) − x(t): "
            f"{increment:.5f})")
