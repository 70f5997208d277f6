"""The `autograd-mini` command: train, check, search, predict and evaluate.

    autograd-mini train                      # MLP on the bundled 8x8 digits, >= 97% test accuracy
    autograd-mini train --data mnist --data-dir ../shared/data/mnist
    autograd-mini train --out runs/digits --resume
    autograd-mini check                      # delta equations and gradchecks, per layer
    autograd-mini search --lr 1e-3 1e-2 --hidden 64 128,64 --cv 3
    autograd-mini predict --model runs/digits/model.npz samples.csv
    autograd-mini evaluate --model runs/digits/model.npz --data digits

Exit status: 0 success, 1 error (missing data, unwritable output, failed check), 2 bad usage,
130 interrupted (a checkpoint was saved; rerun with --resume).
"""

from .check import cmd_check
from .entry import main, run
from .errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    UsageError,
)
from .parser import Parser, build_parser
from .predict import cmd_evaluate, cmd_predict
from .search import cmd_search
from .train import CONFIG_OPTIONS, cmd_train

__all__ = [
    "CONFIG_OPTIONS",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CommandError",
    "Parser",
    "UsageError",
    "build_parser",
    "cmd_check",
    "cmd_evaluate",
    "cmd_predict",
    "cmd_search",
    "cmd_train",
    "main",
    "run",
]
