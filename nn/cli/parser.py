"""The argument parser of `autograd-mini`: option types and subcommands."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any, NoReturn

from ..training.blas import MAX_BLAS_THREADS
from .errors import EXIT_USAGE
from .report import _option_text


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


def THREADS(text: str) -> int:  # noqa: N802  (an option type, named like the others)
    """A positive int that BLAS can take (10**30 overflowed inside ctypes: a traceback)."""
    value = POSITIVE_INT(text)
    if value > MAX_BLAS_THREADS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_BLAS_THREADS}, got {text!r}")
    return value


# ---- parser -----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `autograd-mini` and its subcommands."""
    # The handlers are looked up on the nn.cli package when the parser is built, so replacing
    # nn.cli.cmd_check (as the tests do) replaces the command that runs.
    from ..training.recipes import (
        ACTIVATIONS,
        CELLS,
        DATASETS,
        MODELS,
        OPTIMIZERS,
        SCHEDULERS,
        default_config,
    )
    from . import cmd_check, cmd_evaluate, cmd_predict, cmd_search, cmd_train

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
        p.add_argument("--threads", type=THREADS,
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
    train.add_argument("--model", choices=MODELS, default=None,
                       help="mlp (default); cnn: two 3×3 conv layers with max-pooling in "
                            "front of the hidden layers; rnn: each image row one time step "
                            "of a recurrent layer as wide as the first hidden width, its last "
                            "hidden state into the other hidden layers (cnn and rnn need "
                            "square images: digits, mnist)")
    train.add_argument("--cell", choices=CELLS, default=None,
                       help="--model rnn's recurrent layer: lstm (default), gru, or rnn "
                            "(tanh)")
    train.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=None,
                       help="BatchNorm1d after each hidden Linear")
    train.add_argument("--patience", type=POSITIVE_INT,
                       help="early stopping: epochs without val-loss improvement (default off)")
    train.add_argument("--out", metavar="DIR", help="output directory (default ./runs/<data>)")
    train.add_argument("--resume", action="store_true",
                       help="continue from the checkpoint in --out (with a larger --epochs: "
                            "extend a run)")
    train.add_argument("--overwrite", action="store_true",
                       help="replace the run already in --out (its checkpoints and model)")
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
        description="Run nn.delta_check on small seeded MLPs, a CNN and an RNN, and "
                    "am.gradcheck on each layer type; print the per-layer tables; exit 1 on "
                    "any mismatch.")
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

    predict = commands.add_parser(
        "predict", help="predict with a trained model on a CSV or .npy file",
        description="Run the model a `train` run saved on each row of INPUT (a CSV, optionally "
                    "with one header line and gzipped, or a .npy array; one sample per row, "
                    "the model's features as columns). Prints one predicted label per line "
                    "(classification) or the outputs (regression).",
        epilog="example: autograd-mini predict --model runs/digits/model.npz samples.csv")
    predict.add_argument("input", metavar="INPUT", help="CSV or .npy file of samples")
    predict.add_argument("--model", metavar="FILE", required=True,
                         help="model.npz (or best.npz, last.npz) written by autograd-mini train")
    predict.add_argument("--scores", action="store_true",
                         help="classification: print class probabilities instead of labels")
    predict.add_argument("--out", metavar="FILE",
                         help="write the predictions here (.npy: an array; else text) instead "
                              "of to stdout")
    predict.set_defaults(handler=cmd_predict)

    evaluate = commands.add_parser(
        "evaluate", help="score a trained model on labelled data",
        description="Score the model a `train` run saved: accuracy and loss (classification) or "
                    "R² and MSE (regression). The data is INPUT, whose last column holds the "
                    "label (regression: whose last columns hold the targets), INPUT with "
                    "--targets FILE, or --data NAME for that data set's test split.",
        epilog="examples: autograd-mini evaluate --model runs/digits/model.npz --data digits\n"
               "          autograd-mini evaluate --model runs/digits/model.npz labelled.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate.add_argument("input", metavar="INPUT", nargs="?",
                          help="CSV or .npy file: features, then the label column")
    evaluate.add_argument("--model", metavar="FILE", required=True,
                          help="model.npz (or best.npz, last.npz) written by autograd-mini train")
    evaluate.add_argument("--targets", metavar="FILE",
                          help="labels or targets in their own file (then INPUT holds only "
                               "features)")
    evaluate.add_argument("--data", choices=DATASETS,
                          help="score on this data set's test split instead of a file")
    evaluate.add_argument("--data-dir", metavar="DIR",
                          help="directory with the MNIST IDX files (default: "
                               "$AUTOGRAD_MINI_DATA)")
    evaluate.set_defaults(handler=cmd_evaluate)
    return parser
