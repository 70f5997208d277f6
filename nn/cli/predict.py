"""`autograd-mini predict` and `autograd-mini evaluate`: use the model a run saved."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..training.history import write_text_atomic
from .errors import EXIT_OK, CommandError, UsageError
from .loading import _load_data


def _saved_model(path: str) -> Any:
    from ..serialization import SerializationError
    from ..training.saved_model import read_saved_model

    try:
        return read_saved_model(path)
    except FileNotFoundError:
        raise CommandError(f"--model {path}: no such file (train one with: autograd-mini train "
                           "--out DIR, then pass --model DIR/model.npz)") from None
    except (SerializationError, ValueError, OSError) as error:
        raise CommandError(f"--model {path}: {error}") from None


def _table(path: str) -> np.ndarray:
    from ..data import DataError
    from ..data.tables import read_table

    try:
        return read_table(path)
    except DataError as error:
        raise CommandError(str(error)) from None


def _outputs(saved: Any, X: np.ndarray) -> np.ndarray:
    """The model's outputs (class scores or values) for X, in batches, without a graph."""
    import autograd_mini as am

    dtype = next(iter(saved.model.state_dict().values())).dtype
    with am.no_grad():
        parts = [saved.model(am.tensor(X[i: i + 4096].astype(dtype))).data
                 for i in range(0, len(X), 4096)]
    return np.concatenate(parts)


def _check_width(X: np.ndarray, saved: Any, source: str, extra: int = 0) -> None:
    expected = saved.in_features + extra
    if X.shape[1] != expected:
        what = f"{saved.in_features} features" + (
            f" and {extra} target column{'s' if extra > 1 else ''}" if extra else "")
        raise CommandError(f"{source} has {X.shape[1]} columns; the model expects {what} "
                           f"per row ({expected} columns)")


def _labels(y: np.ndarray, saved: Any, source: str) -> np.ndarray:
    y = y.reshape(-1)
    if np.any(y != np.round(y)) or np.any(y < 0) or np.any(y >= saved.out_features):
        raise CommandError(f"{source}: the labels must be whole numbers from 0 to "
                           f"{saved.out_features - 1}, found values from {y.min():g} to "
                           f"{y.max():g}")
    return y.astype(np.int64)


def cmd_predict(args: argparse.Namespace) -> int:
    """`autograd-mini predict`: labels (or values) for each row of a CSV or .npy file."""
    saved = _saved_model(args.model)
    X = _table(args.input)
    _check_width(X, saved, args.input)
    outputs = _outputs(saved, X)
    if saved.task == "classification" and not args.scores:
        predictions: np.ndarray = outputs.argmax(axis=1)
        text = "\n".join(str(int(label)) for label in predictions) + "\n"
    else:
        if saved.task == "classification":  # class probabilities, rows sum to 1
            shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
            outputs = shifted / shifted.sum(axis=1, keepdims=True)
        predictions = outputs
        text = "\n".join(",".join(f"{v:.9g}" for v in row) for row in predictions) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.out)
    data = _npy_bytes(predictions) if out.suffix == ".npy" else text.encode("utf-8")
    try:
        write_text_atomic(out, data)
    except OSError as error:
        raise CommandError(f"--out {out}: cannot write: {error.strerror or error}") from None
    print(f"wrote {len(predictions)} predictions to {out}", file=sys.stderr)
    return EXIT_OK


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def cmd_evaluate(args: argparse.Namespace) -> int:
    """`autograd-mini evaluate`: accuracy and loss (or R² and MSE) on labelled data."""
    from autograd_mini import no_grad, tensor

    from ..training.metrics import accuracy, mean_squared_error, r2_score
    from ..training.recipes import build_loss

    saved = _saved_model(args.model)
    if (args.input is None) == (args.data is None):
        raise UsageError("give a labelled file (INPUT) or --data NAME (its test split), not "
                         f"{'both' if args.input else 'neither'}")
    n_targets = saved.out_features if saved.task == "regression" else 1
    if args.data is not None:
        dataset = _load_data(args.data, args.data_dir)
        X, y, source = dataset.X_test, dataset.y_test, f"the {args.data} test split"
        _check_width(X, saved, source)
    else:
        source = args.input
        table = _table(args.input)
        if args.targets is not None:
            X, y = table, _table(args.targets)
            if len(y) != len(X) or y.shape[1] != n_targets:
                raise CommandError(f"--targets {args.targets} holds shape {y.shape}; expected "
                                   f"({len(X)}, {n_targets}): one row per row of {args.input}")
            _check_width(X, saved, source)
        else:
            _check_width(table, saved, source, extra=n_targets)
            X, y = table[:, :saved.in_features], table[:, saved.in_features:]
        y = _labels(y, saved, args.targets or source) if saved.task == "classification" else y
    outputs = _outputs(saved, X)
    with no_grad():
        loss = float(build_loss(saved.task)(tensor(outputs), y.astype(outputs.dtype)
                                            if saved.task == "regression" else y).item())
    if saved.task == "classification":
        score = accuracy(y, outputs)
        correct = int(round(score * len(y)))
        print(f"accuracy {100 * score:.2f}% ({correct}/{len(y)}), loss {loss:.4f} on {source}")
    else:
        print(f"R² {r2_score(y, outputs):.5f}, MSE {mean_squared_error(y, outputs):.4g} on "
              f"{source} ({len(y)} samples)")
    return EXIT_OK
