"""The `autograd-mini` command: train, check and search.

    autograd-mini train                      # MLP on the bundled 8x8 digits, >= 97% test accuracy
    autograd-mini train --data mnist --data-dir ../shared/data/mnist
    autograd-mini train --out runs/digits --resume
    autograd-mini check                      # delta equations and gradchecks, per layer
    autograd-mini search --lr 1e-3 1e-2 --hidden 64 128,64 --cv 3

Exit status: 0 success, 1 error (missing data, unwritable output, failed check), 2 bad usage,
130 interrupted (a checkpoint was saved; rerun with --resume).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# Options of `train` that are part of the recipe (stored in checkpoints, compared on resume).
CONFIG_OPTIONS = ("hidden", "activation", "optimizer", "lr", "epochs", "batch_size", "dropout",
                  "batchnorm", "weight_decay", "scheduler", "seed")


class UsageError(Exception):
    """A bad command line: reported with the usage line and exit status 2."""


class CommandError(Exception):
    """A failure the user can fix (data, files, a failed check): message only, exit status 1."""


class Parser(argparse.ArgumentParser):
    """argparse with exit status 2 and a hint to --help on every usage error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n"
                              f"run '{self.prog} --help' for the options\n")


# ---- option types -----------------------------------------------------------------------------
def _widths(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer widths like 256,128, got {text!r}") from None
    if any(w < 1 for w in widths):
        raise argparse.ArgumentTypeError(f"layer widths must be positive, got {text!r}")
    return widths


def _number(kind: Callable[[str], Any], low: float, high: float | None = None,
            open_low: bool = False, what: str = "a number") -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if value < low or (open_low and value == low) or (high is not None and value >= high):
            bound = f"{'>' if open_low else '>='} {low}" + (f" and < {high}" if high else "")
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}")
        return value

    convert.__name__ = what  # argparse names the type in some messages
    return convert


POSITIVE_FLOAT = _number(float, 0.0, open_low=True, what="a positive number")
NON_NEGATIVE_FLOAT = _number(float, 0.0, what="a non-negative number")
PROBABILITY = _number(float, 0.0, 1.0, what="a probability in [0, 1)")
POSITIVE_INT = _number(int, 1, what="a positive integer")
NON_NEGATIVE_INT = _number(int, 0, what="a non-negative integer")


# ---- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `autograd-mini` and its subcommands."""
    from .training.recipes import ACTIVATIONS, DATASETS, OPTIMIZERS, SCHEDULERS, default_config

    parser = Parser(prog="autograd-mini",
                    description="Train, check and tune small neural networks on autograd_mini.",
                    epilog="Exit status: 0 ok, 1 error, 2 usage, 130 interrupted.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def data_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data", choices=DATASETS, default="digits",
                       help="data set (default digits, bundled; mnist/fashion-mnist need files)")
        p.add_argument("--data-dir", metavar="DIR",
                       help="directory with the MNIST IDX files (default: $AUTOGRAD_MINI_DATA)")
        p.add_argument("--download", action="store_true",
                       help="fetch missing MNIST files into --data-dir (needs internet)")

    def recipe_options(p: argparse.ArgumentParser, many: bool) -> None:
        nargs = "+" if many else None
        p.add_argument("--hidden", type=_widths, nargs=nargs, metavar="W1,W2",
                       help="hidden layer widths, e.g. 256,128 ('none': no hidden layer)")
        p.add_argument("--activation", choices=sorted(ACTIVATIONS), nargs=nargs)
        p.add_argument("--optimizer", choices=OPTIMIZERS, nargs=nargs)
        p.add_argument("--lr", type=POSITIVE_FLOAT if not many else str, nargs=nargs,
                       help="learning rate" + (" (values, or LOW..HIGH for random search on a "
                                               "log scale)" if many else ""))
        p.add_argument("--batch-size", type=POSITIVE_INT, nargs=nargs)
        p.add_argument("--weight-decay", type=NON_NEGATIVE_FLOAT if not many else str,
                       nargs=nargs, help="L2 weight decay (AdamW: decoupled)")
        p.add_argument("--dropout", type=PROBABILITY if not many else str, nargs=nargs,
                       help="dropout probability after each hidden activation")
        p.add_argument("--epochs", type=POSITIVE_INT)
        p.add_argument("--scheduler", choices=SCHEDULERS,
                       help="learning-rate schedule per epoch (default cosine)")
        p.add_argument("--seed", type=NON_NEGATIVE_INT, help="seed of every random choice")
        p.add_argument("--quiet", action="store_true", help="no progress bar or epoch lines")
        p.add_argument("--threads", type=POSITIVE_INT,
                       help="BLAS threads for matrix products (default 1: small MLPs gain "
                            "little from more and lose badly on a busy CPU; results depend on "
                            "it, so a resumed run keeps the original's)")

    recipes = "\n".join(
        f"  {name:13} " + " ".join(f"--{k.replace('_', '-')} {_option_text(v)}"
                                   for k, v in default_config(name).items()
                                   if k in ("hidden", "activation", "lr", "epochs", "batch_size",
                                            "dropout"))
        for name in DATASETS)
    train = commands.add_parser(
        "train", help="train an MLP and report test metrics",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train an MLP (defaults: 64-128-64-10 ReLU on the bundled digits, Adam, "
                    "cosine schedule)\nand write the model, history, plots and checkpoints.",
        epilog=f"defaults per --data (Adam, cosine schedule, seed 0):\n{recipes}\n\n"
               "exit status: 0 ok, 1 error, 2 usage, 130 interrupted (resume with --resume)")
    data_options(train)
    recipe_options(train, many=False)
    train.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=None,
                       help="BatchNorm1d after each hidden Linear")
    train.add_argument("--patience", type=POSITIVE_INT,
                       help="early stopping: epochs without val-loss improvement (default off)")
    train.add_argument("--out", metavar="DIR", help="output directory (default ./runs/<data>)")
    train.add_argument("--resume", action="store_true",
                       help="continue from the checkpoint in --out")
    train.add_argument("--checkpoint-every", type=POSITIVE_INT, metavar="N",
                       help="also checkpoint every N optimizer steps (default: every epoch)")
    train.add_argument("--no-plots", action="store_true",
                       help="skip the PNG plots and the graph SVG")
    train.add_argument("--monitor-gradients", type=POSITIVE_INT, metavar="N", nargs="?",
                       const=10, help="record gradient health every N steps (default 10), "
                                      "print the diagnosis and plot gradient_health.png")
    train.set_defaults(handler=cmd_train)

    check = commands.add_parser(
        "check", help="cross-check gradients: delta equations and finite differences",
        description="Run nn.delta_check on small seeded MLPs and am.gradcheck on each layer "
                    "type; print the per-layer tables; exit 1 on any mismatch.")
    check.add_argument("--seed", type=NON_NEGATIVE_INT, default=0)
    check.add_argument("--hidden", type=_widths, default=[6, 5], metavar="W1,W2")
    check.set_defaults(handler=cmd_check)

    search = commands.add_parser(
        "search", help="grid or random hyperparameter search",
        description="Grid search (default) or random search (--random N) over the values "
                    "given, scored by k-fold cross-validation (--cv K) or a validation split "
                    "of the training data. Example: autograd-mini search --lr 1e-3 1e-2 "
                    "--hidden 64 128,64 --cv 3")
    data_options(search)
    recipe_options(search, many=True)
    search.add_argument("--cv", type=_number(int, 2, what="an integer >= 2"), metavar="K",
                        help="k-fold cross-validation (default: one validation split)")
    search.add_argument("--val-fraction", type=_number(float, 0.0, 1.0, open_low=True,
                                                       what="a fraction in (0, 1)"),
                        default=0.2)
    search.add_argument("--random", type=POSITIVE_INT, metavar="N",
                        help="random search with N trials instead of the full grid")
    search.add_argument("--out", metavar="DIR", help="also write results.json here")
    search.set_defaults(handler=cmd_search)
    return parser


# ---- shared helpers ---------------------------------------------------------------------------
def _say(quiet: bool) -> Callable[[str], None]:
    return (lambda message: None) if quiet else (lambda message: print(message, flush=True))


def _load_data(name: str, data_dir: str | None, download: bool = False) -> Any:
    from .data import DataError
    from .training.recipes import load_dataset

    try:
        return load_dataset(name, data_dir, download=download)
    except DataError as error:
        if name not in ("mnist", "fashion-mnist"):
            raise CommandError(f"cannot load {name}: {error}") from error
        from .data.mnist import ENV_VAR

        reason = str(error)
        if not reason.startswith((f"{name} files not found", "could not download",
                                  "no data directory", "cannot create the data directory")):
            # The files were found but do not read as MNIST: "not found" would mislead.
            raise CommandError(
                f"the {name} files are damaged: {reason}.\nTo fix: delete the file named above "
                f"and run again with --download to fetch an intact copy (md5-checked), or point "
                f"--data-dir at a good one."
            ) from error
        if data_dir is None and not os.environ.get(ENV_VAR):
            reason = f"no --data-dir given and {ENV_VAR} is not set"
        raise CommandError(
            f"{name} data not found ({reason}).\n"
            f"To fix: put the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            f"t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; .gz or not) in a directory DIR "
            f"(or DIR/{name}) and pass --data-dir DIR or set {ENV_VAR}=DIR; or add --download "
            f"to fetch them from the public mirrors (md5-checked) into that directory."
        ) from error


def _architecture(config: dict[str, Any], dataset: Any) -> str:
    widths = [dataset.in_features, *config["hidden"], dataset.out_features]
    extras = [config["activation"]]
    if config["batchnorm"]:
        extras.append("batchnorm")
    if config["dropout"]:
        extras.append(f"dropout {config['dropout']:g}")
    return "-".join(str(w) for w in widths) + f" ({', '.join(extras)})"


def _write_json(path: Path, data: Any) -> Path:
    from .training.history import write_text_atomic

    return write_text_atomic(path, json.dumps(data, indent=1) + "\n")


def _draw_graph(model: Any, dataset: Any, loss_fn: Any, path: Path) -> str:
    """Draw one tiny forward/loss graph as SVG; returns the path or why it was skipped."""
    if shutil.which("dot") is None:
        return "skipped (graphviz's `dot` program is not installed)"
    from autograd_mini.viz import draw_graph as draw
    from autograd_mini.viz import save_graph as save
    from autograd_mini.viz import trace

    try:
        from autograd_mini import Tensor

        x, y = Tensor(dataset.X_test[:2]), dataset.y_test[:2]
        was_training = model.training
        model.eval()
        try:
            loss, calls = trace(lambda inputs: loss_fn(model(inputs), y), x)
            graph = draw(loss, model=model, calls=calls)
        finally:
            model.train(was_training)
        save(graph, path)
    except ImportError as error:  # the graphviz package; its message says how to install it
        return f"skipped ({error})"
    except Exception as error:  # drawing is a bonus: never fail a finished training run
        return f"skipped (drawing failed: {type(error).__name__}: {error})"
    return str(path)


# ---- train ------------------------------------------------------------------------------------
def _train_config(args: argparse.Namespace, out: Path) -> tuple[dict[str, Any], str | None]:
    """The run's config (recipe plus data and threads, as stored in checkpoints), and a note
    on the checkpoint being resumed (None: a new run)."""
    from .training.checkpoint import CheckpointError, load_checkpoint
    from .training.recipes import default_config, validate_config

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
    from .serialization import save
    from .training.blas import set_blas_threads
    from .training.checkpoint import CheckpointError, check_writable
    from .training.metrics import confusion_matrix, format_confusion_matrix
    from .training.plots import (
        PlotUnavailable,
        matplotlib_available,
        plot_confusion_matrix,
        plot_gradient_health,
        plot_history,
    )
    from .training.recipes import (
        build_loss,
        build_model,
        build_optimizer,
        build_scheduler,
        make_loader,
    )
    from .training.trainer import Callback, EarlyStopping, Trainer

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
    model = build_model(config, dataset.in_features, dataset.out_features)
    optimizer = build_optimizer(config, model.parameters())
    loss_fn = build_loss(dataset.task)
    monitor = None
    if args.monitor_gradients:
        from .monitor import GradientMonitor

        monitor = GradientMonitor(model)
    trainer = Trainer(
        model, optimizer, loss_fn, make_loader(config, dataset.X_train, dataset.y_train),
        epochs=config["epochs"], val_data=(dataset.X_val, dataset.y_val),
        scheduler=build_scheduler(config, optimizer),
        early_stopping=EarlyStopping(args.patience) if args.patience else None,
        checkpoint_dir=out, checkpoint_every=args.checkpoint_every, progress=not args.quiet,
        gradient_monitor=monitor, monitor_every=args.monitor_gradients or 1,
        config=run_config, log=say, callbacks=[StopIfDiverged()],
    )
    say(f"{'resuming' if resuming else 'training'} MLP {_architecture(config, dataset)} on "
        f"{dataset.name}: train {len(dataset.X_train)}, val {len(dataset.X_val)}, test "
        f"{len(dataset.X_test)} | {config['optimizer']} lr {config['lr']:g}, "
        f"{config['scheduler']} schedule, {config['epochs']} epochs, batch "
        f"{config['batch_size']}, seed {config['seed']}")
    from .training.trainer import TrainingInterrupted

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
            monitor.remove()  # give the activation modules their own forward back
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


# ---- check ------------------------------------------------------------------------------------
def _gradcheck_cases(seed: int) -> list[tuple[str, Callable[..., Any], list[Any]]]:
    """(name, function, inputs) for one check per layer type, in float64."""
    from autograd_mini import Tensor

    from .activations import elu, gelu, leaky_relu, relu, sigmoid, silu, softplus, tanh
    from .dropout import dropout
    from .layers import linear
    from .losses import cross_entropy, huber_loss, mse_loss
    from .normalization import batch_norm

    rng = np.random.default_rng(seed)

    def leaf(*shape: int, away_from_zero: bool = False) -> Tensor:
        values = rng.standard_normal(shape)
        if away_from_zero:  # keep finite differences off the kink at 0
            values = np.sign(values) * (np.abs(values) + 0.1)
        return Tensor(values, requires_grad=True)

    labels = rng.integers(0, 3, size=4)
    target = rng.standard_normal((4, 3))
    cases: list[tuple[str, Callable[..., Any], list[Any]]] = [
        ("Linear", lambda x, w, b: linear(x, w, b), [leaf(4, 3), leaf(3, 2), leaf(2)]),
        ("BatchNorm1d (train)",
         lambda x, g, b: batch_norm(x, None, None, g, b, training=True),
         [leaf(5, 3), leaf(3), leaf(3)]),
        ("Dropout (fixed mask)",
         lambda x: dropout(x, 0.3, True, np.random.default_rng(seed)), [leaf(4, 3)]),
        ("CrossEntropyLoss", lambda z: cross_entropy(z, labels), [leaf(4, 3)]),
        ("MSELoss", lambda p: mse_loss(p, target), [leaf(4, 3)]),
        ("HuberLoss", lambda p: huber_loss(p, target), [leaf(4, 3, away_from_zero=True)]),
    ]
    for name, fn in (("sigmoid", sigmoid), ("tanh", tanh), ("relu", relu),
                     ("leaky_relu", leaky_relu), ("elu", elu), ("gelu", gelu), ("silu", silu),
                     ("softplus", softplus)):
        cases.append((name, fn, [leaf(3, 4, away_from_zero=True)]))
    return cases


def cmd_check(args: argparse.Namespace) -> int:
    """`autograd-mini check`: delta equations per layer, then gradchecks per layer type."""
    import autograd_mini as am

    from .activations import ReLU, Sigmoid, Tanh
    from .delta_check import delta_check
    from .layers import Linear
    from .module import Sequential

    ok = True
    rng = np.random.default_rng(args.seed)
    n_in, n_out, batch = 4, 3, 8
    X = rng.standard_normal((batch, n_in))
    problems = (("mse_half_sum", Sigmoid, rng.random((batch, n_out))),
                ("softmax_cross_entropy", Tanh, rng.integers(0, n_out, size=batch)),
                ("mse_mean", ReLU, rng.standard_normal((batch, n_out))))
    for loss_name, activation, y in problems:
        layers: list[Any] = []
        width = n_in
        for hidden in args.hidden:
            layers += [Linear(width, hidden, dtype=np.float64, rng=rng), activation()]
            width = hidden
        layers.append(Linear(width, n_out, dtype=np.float64, rng=rng))
        report = delta_check(Sequential(*layers), X, y, loss=loss_name)
        passed = report.ok(1e-8)
        ok &= passed
        print(f"{report}\n=> {'ok' if passed else 'MISMATCH'}\n")

    rows = [("layer", "mode", "max abs err", "max rel err", "result")]
    for name, fn, inputs in _gradcheck_cases(args.seed):
        result = am.gradcheck(fn, inputs, raise_exception=False)
        ok &= bool(result)
        rows.append((name, result.mode, f"{result.max_abs_error:.2e}",
                     f"{result.max_rel_error:.2e}", "ok" if result else "MISMATCH"))
        if not result:
            print(result)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print("gradcheck (float64 central differences):")
    for i, row in enumerate(rows):
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    print(f"\n{'all checks passed' if ok else 'MISMATCH: some gradients disagree'}")
    return EXIT_OK if ok else EXIT_ERROR


# ---- search -----------------------------------------------------------------------------------
def _float_values(option: str, values: list[str] | None, random: bool, log_scale: bool,
                  low: float, high: float | None) -> Any:
    from .training.search import LogUniform, Uniform

    if values is None:
        return None
    if len(values) == 1 and ".." in values[0]:
        if not random:
            raise UsageError(f"{option} {values[0]}: a LOW..HIGH range needs --random N")
        try:
            a, b = (float(v) for v in values[0].split("..", 1))
        except ValueError:
            raise UsageError(f"{option}: expected LOW..HIGH like 1e-4..1e-1, got "
                             f"{values[0]!r}") from None
        if not (low <= a <= b) or (high is not None and b >= high) or (log_scale and a <= 0):
            raise UsageError(f"{option}: range {values[0]} is out of bounds")
        return LogUniform(a, b) if log_scale else Uniform(a, b)
    checker = _number(float, low, high, open_low=log_scale)
    try:
        return [checker(v) for v in values]
    except argparse.ArgumentTypeError as error:
        raise UsageError(f"{option}: {error}") from None


def _option_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "none"
    return str(value)


def cmd_search(args: argparse.Namespace) -> int:
    """`autograd-mini search`: grid or random search, printed as a sorted table."""
    from .training.blas import set_blas_threads
    from .training.recipes import default_config
    from .training.search import grid_search, random_search

    set_blas_threads(args.threads or 1)
    random = args.random is not None
    space: dict[str, Any] = {}
    for key in ("hidden", "activation", "optimizer", "batch_size"):
        if getattr(args, key) is not None:
            space[key] = list(getattr(args, key))
    for key, option, log_scale, low, high in (("lr", "--lr", True, 0.0, None),
                                              ("weight_decay", "--weight-decay", False, 0.0, None),
                                              ("dropout", "--dropout", False, 0.0, 1.0)):
        values = _float_values(option, getattr(args, key), random, log_scale, low, high)
        if values is not None:
            space[key] = values
    if not space:  # a small default search that finishes in about a minute on digits
        space = {"hidden": [[64], [128, 64]], "lr": [1e-3, 3e-3]}
    base = default_config(args.data)
    base["epochs"] = args.epochs or min(base["epochs"], 20)
    if args.scheduler:
        base["scheduler"] = args.scheduler
    seed = args.seed if args.seed is not None else 0
    if args.out:
        from .training.checkpoint import CheckpointError, check_writable

        try:
            check_writable(args.out)
        except CheckpointError as error:
            raise CommandError(f"{error}; choose another --out") from error
    dataset = _load_data(args.data, args.data_dir, args.download)
    X = np.concatenate([dataset.X_train, dataset.X_val])  # the test set is never searched on
    y = np.concatenate([dataset.y_train, dataset.y_val])
    say = _say(args.quiet)
    how = f"{args.cv}-fold CV" if args.cv else f"a {args.val_fraction:g} validation split"
    kind = f"random search ({args.random} trials)" if random else "grid search"
    say(f"{kind} on {args.data} ({len(X)} samples, {how}, {base['epochs']} epochs each) over "
        f"{', '.join(space)}")
    common = dict(base_config=base, cv=args.cv, val_fraction=args.val_fraction, seed=seed,
                  log=say)
    try:
        if random:
            result = random_search(space, X, y, args.random, **common)
        else:
            result = grid_search(space, X, y, **common)
    except ValueError as error:
        raise UsageError(str(error)) from error
    print()
    print(result.table())
    best = {k: result.best_config[k] for k in result.keys}
    print(f"\nbest {result.metric} {result.best_score:.4f} with "
          + " ".join(f"{k}={v}" for k, v in best.items()))
    options = " ".join(f"--{k.replace('_', '-')} {_option_text(v)}" for k, v in best.items())
    print(f"train it: autograd-mini train --data {args.data} {options} --epochs "
          f"{result.best_config['epochs']}")
    if args.out:
        path = _write_json(Path(args.out) / "results.json", result.to_dict())
        print(f"wrote {path}")
    return EXIT_OK


# ---- entry point ------------------------------------------------------------------------------
def _caused_by_ctrl_c(error: BaseException) -> bool:
    """True if `error` stands for a Ctrl-C: Python re-raises a KeyboardInterrupt that lands
    inside a module import as ImportError, and inside a class body's __set_name__ (e.g. while
    matplotlib is imported for the plots) as RuntimeError, keeping it as the cause."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 2 usage, 130 interrupted)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # --help (0) or a usage error (2), already printed
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    prog = f"autograd-mini {args.command}"
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError as error:  # e.g. --hidden 2000000000: numpy says how much it wanted
        print(f"{prog}: error: out of memory ({error or 'no details'}); use smaller --hidden "
              "widths or --batch-size", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)  # stop the interpreter's flush from failing
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as error:  # last: only what no clause above handles
        if not _caused_by_ctrl_c(error):
            raise
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
