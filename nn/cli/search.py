"""`autograd-mini search`: grid or random hyperparameter search."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np

from .errors import EXIT_OK, CommandError, UsageError
from .loading import _load_data
from .parser import _number
from .report import _option_text, _say, _write_json


def _float_values(option: str, values: list[str] | None, random: bool, log_scale: bool,
                  low: float, high: float | None) -> Any:
    from ..training.search import LogUniform, Uniform

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
        bounds = (f"{'0 <' if log_scale else f'{low:g} <='} LOW <= HIGH"
                  + (f" < {high:g}" if high is not None else ""))
        if not (math.isfinite(a) and math.isfinite(b)):
            raise UsageError(f"{option}: range {values[0]} is not finite; expected {bounds} "
                             "with finite numbers")
        if not (low <= a <= b) or (high is not None and b >= high) or (log_scale and a <= 0):
            raise UsageError(f"{option}: range {values[0]} is out of bounds; expected {bounds}")
        return LogUniform(a, b) if log_scale else Uniform(a, b)
    checker = _number(float, low, high, open_low=log_scale)
    try:
        return [checker(v) for v in values]
    except argparse.ArgumentTypeError as error:
        raise UsageError(f"{option}: {error}") from None


def cmd_search(args: argparse.Namespace) -> int:
    """`autograd-mini search`: grid or random search, printed as a sorted table."""
    from autograd_mini.allocator import retain_freed_memory

    from ..training.blas import set_blas_threads
    from ..training.recipes import default_config
    from ..training.search import grid_search, random_search

    set_blas_threads(args.threads or 1)
    retain_freed_memory()  # the numbers are unchanged, the page faults go (allocator.py)
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
        from ..training.checkpoint import CheckpointError, check_writable

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
