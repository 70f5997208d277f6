"""`autograd-mini train`: train an MLP, evaluate it on the test set and write the artefacts."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .errors import EXIT_INTERRUPTED, EXIT_OK, CommandError, UsageError
from .loading import _load_data
from .report import _architecture, _draw_graph, _say, _write_json

# Options of `train` that are part of the recipe (stored in checkpoints, compared on resume).
CONFIG_OPTIONS = ("hidden", "activation", "optimizer", "lr", "epochs", "batch_size", "dropout",
                  "batchnorm", "weight_decay", "scheduler", "seed")


def _train_config(args: argparse.Namespace, out: Path) -> tuple[dict[str, Any], str | None]:
    """The run's config (recipe plus data and threads, as stored in checkpoints), and a note
    on the checkpoint being resumed (None: a new run)."""
    from ..training.checkpoint import CheckpointError, load_checkpoint
    from ..training.recipes import default_config, validate_config

    given = {key: getattr(args, key) for key in CONFIG_OPTIONS if getattr(args, key) is not None}
    config = {**default_config(args.data), **given}
    threads = args.threads or 1
    resuming = None
    if args.resume:
        last = out / "last.npz"
        if not last.exists():
            print(f"nothing to resume in {out} (no last.npz yet): starting a new run",
                  file=sys.stderr)
        else:
            try:
                state = load_checkpoint(last)
            except CheckpointError as error:
                raise CommandError(f"cannot resume: {error}") from error
            saved = state.get("config") or {}
            if saved.get("data", args.data) != args.data:
                raise UsageError(f"{last} was written for --data {saved['data']}, not "
                                 f"--data {args.data}")
            if args.threads is not None:
                given["threads"] = args.threads
            differing = [k for k, v in given.items() if _plain(v) != _plain(saved.get(k))]
            if differing:
                shown = ", ".join(f"--{k.replace('_', '-')} {_plain(saved.get(k))}"
                                  for k in differing)
                raise UsageError(f"--resume continues the run in {out}, which used {shown}; "
                                 "drop those options or choose another --out")
            config = {**config, **{k: v for k, v in saved.items() if k in config}}
            threads = int(saved.get("threads", threads))
            resuming = (f"resuming from {last}: {state.get('step')} steps and "
                        f"{state.get('epoch')} epochs done")
    try:
        config = validate_config(config)
    except ValueError as error:
        raise UsageError(str(error)) from error
    return {**config, "threads": threads}, resuming


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def cmd_train(args: argparse.Namespace) -> int:
    """`autograd-mini train`: train, evaluate on the test set, write artefacts."""
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
    run_config, resuming = _train_config(args, out)
    if resuming:
        print(resuming, file=sys.stderr)
    set_blas_threads(run_config["threads"])  # results depend on it: part of the run's config
    config = {k: v for k, v in run_config.items() if k != "threads"}
    try:
        check_writable(out)
    except CheckpointError as error:
        raise CommandError(f"{error}; choose another --out") from error
    dataset = _load_data(args.data, args.data_dir, args.download)
    if len(dataset.X_val) == 0:  # it would score val_loss 0.0 and win every comparison
        raise CommandError(f"the {args.data} data leave no validation samples (train "
                           f"{len(dataset.X_train)}, val 0): use a larger data set")
    trainer = build_trainer(
        config, dataset.X_train, dataset.y_train, task=dataset.task,
        out_features=dataset.out_features, val_data=(dataset.X_val, dataset.y_val),
        checkpoint_dir=out, checkpoint_every=args.checkpoint_every, progress=not args.quiet,
        monitor_every=args.monitor_gradients or 1, config=run_config, log=say,
        callbacks=[StopIfDiverged(), *([EarlyStopping(args.patience)] if args.patience else [])],
    )
    model, loss_fn, monitor = trainer.model, trainer.loss_fn, None
    if args.monitor_gradients:
        from ..monitor import GradientMonitor

        monitor = trainer.gradient_monitor = GradientMonitor(model)
    say(f"{'resuming' if resuming else 'training'} MLP {_architecture(config, dataset)} on "
        f"{dataset.name}: train {len(dataset.X_train)}, val {len(dataset.X_val)}, test "
        f"{len(dataset.X_test)} | {config['optimizer']} lr {config['lr']:g}, "
        f"{config['scheduler']} schedule, {config['epochs']} epochs, batch "
        f"{config['batch_size']}, seed {config['seed']}")
    from ..training.trainer import TrainingInterrupted

    try:
        history = trainer.fit(resume=resuming is not None)
    except TrainingInterrupted as interrupted:
        print(f"\n{interrupted}", file=sys.stderr)
        if interrupted.checkpoint is not None:
            print(f"resume with: autograd-mini train --data {args.data} --out {out} --resume",
                  file=sys.stderr)
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
    print()
    matrix = None
    if dataset.task == "classification":
        matrix = confusion_matrix(dataset.y_test, trainer.predict(dataset.X_test),
                                  dataset.out_features)
        correct, total = int(np.trace(matrix)), int(matrix.sum())
        metrics.update(test_accuracy=test["accuracy"], confusion_matrix=matrix.tolist())
        print(f"test accuracy {100 * test['accuracy']:.2f}% ({correct}/{total}), test loss "
              f"{test['loss']:.4f}")
        print("confusion matrix:")
        print(format_confusion_matrix(matrix))
    else:
        metrics.update(test_r2=test["r2"], test_mse=test["loss"])
        print(f"test R² {test['r2']:.5f}, test MSE {test['loss']:.3e}")
        if dataset.X_test.shape == dataset.y_test.shape:  # a one-step map x_t -> x_(t+1)
            _report_one_step_map(dataset, trainer.predict(dataset.X_test), metrics)
    if monitor is not None and monitor.history:
        findings = monitor.diagnose()
        print(f"\ngradient health ({len(monitor.history)} records, latest at step "
              f"{monitor.history[-1]['step']}):")
        for finding in findings or ["no problems found"]:
            print(f"  - {finding}")

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
    print("\nwrote:")
    width = max(len(label) for label, _ in written)
    for label, where in written:
        print(f"  {label.ljust(width)}  {where}")
    print(f"total time {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def _report_one_step_map(dataset: Any, predicted: np.ndarray, metrics: dict[str, Any]) -> None:
    """Next-state R² flatters a one-step map: copying the input already scores near 1. Print
    that baseline and the R² of the increment x_(t+1) − x_t, which the model must earn."""
    from ..training.metrics import r2_score

    X, y = dataset.X_test, dataset.y_test
    baseline = r2_score(y, X)
    increment = r2_score(y - X, predicted - X)
    metrics.update(test_r2_copy_input_baseline=baseline, test_r2_increment=increment)
    print(f"  (copying the input scores R² {baseline:.5f}; R² of the step x(t+1) − x(t): "
          f"{increment:.5f})")
