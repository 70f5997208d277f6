"""Evaluation metrics on numpy arrays: accuracy, confusion matrix, R², MSE, and running versions.

Predictions may be class labels (n,) or scores (n, classes), which are reduced with argmax.
The running metrics accumulate batch by batch in float64 and checkpoint as plain numbers, so a
resumed epoch reports exactly what an uninterrupted one would.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "RunningAccuracy", "RunningMetric", "RunningR2", "accuracy", "confusion_matrix",
    "format_confusion_matrix", "make_running_metric", "mean_squared_error", "r2_score",
]

METRICS = ("accuracy", "r2")


def _labels(name: str, values: npt.ArrayLike) -> np.ndarray:
    """Class labels from labels (n,) or from scores (n, classes) by argmax."""
    array = np.asarray(values)
    if array.ndim == 2:
        return array.argmax(axis=1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be labels (n,) or scores (n, classes), got {array.shape}")
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise ValueError(f"{name} holds non-integer values; expected class labels")
    elif array.dtype.kind not in "biu":
        raise ValueError(f"{name} must hold integer class labels, got dtype {array.dtype}")
    return array.astype(np.int64)


def _pair_labels(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    true, pred = _labels("y_true", y_true), _labels("y_pred", y_pred)
    if len(true) != len(pred):
        raise ValueError(f"y_true has {len(true)} samples but y_pred has {len(pred)}")
    return true, pred


def accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Fraction of samples whose predicted label (or argmax score) equals the true label."""
    true, pred = _pair_labels(y_true, y_pred)
    if len(true) == 0:
        raise ValueError("accuracy of zero samples is undefined")
    return float(np.mean(true == pred))


def confusion_matrix(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, num_classes: int | None = None
) -> np.ndarray:
    """C[i, j] = number of samples of true class i predicted as j; int64 (classes, classes)."""
    true, pred = _pair_labels(y_true, y_pred)
    if num_classes is None:
        scores = np.asarray(y_pred)
        num_classes = max(int(true.max(initial=-1)), int(pred.max(initial=-1))) + 1
        if scores.ndim == 2:
            num_classes = max(num_classes, scores.shape[1])
    if np.any(true < 0) or np.any(pred < 0):
        raise ValueError("class labels must be non-negative")
    if true.max(initial=-1) >= num_classes or pred.max(initial=-1) >= num_classes:
        raise ValueError(f"a label is >= num_classes={num_classes}")
    flat = np.bincount(true * num_classes + pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes).astype(np.int64)


def format_confusion_matrix(matrix: npt.ArrayLike, labels: list[str] | None = None) -> str:
    """Aligned text table: rows are true classes, columns predicted classes."""
    cm = np.asarray(matrix)
    names = [str(i) for i in range(len(cm))] if labels is None else [str(s) for s in labels]
    width = max([len(n) for n in names] + [len(str(int(cm.max(initial=0))))])
    head = " " * (width + 7) + " ".join(n.rjust(width) for n in names) + "   (predicted)"
    lines = [head]
    for i, row in enumerate(cm):
        cells = " ".join(str(int(v)).rjust(width) for v in row)
        lines.append(f"true {names[i].rjust(width)}  {cells}")
    return "\n".join(lines)


def _regression_pair(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> tuple[np.ndarray, ...]:
    true = np.asarray(y_true, dtype=np.float64)
    pred = np.asarray(y_pred, dtype=np.float64)
    if true.shape != pred.shape:
        raise ValueError(f"y_true has shape {true.shape} but y_pred has shape {pred.shape}")
    if true.ndim == 1:
        true, pred = true[:, None], pred[:, None]
    if true.ndim != 2 or len(true) == 0:
        raise ValueError(f"expected (n,) or (n, outputs) with n >= 1, got shape {true.shape}")
    return true, pred


def _r2_from_sums(ss_res: np.ndarray, ss_tot: np.ndarray) -> float:
    """Mean over outputs of 1 − SS_res/SS_tot; a constant target scores 1 if fit exactly, else 0
    (scikit-learn's convention)."""
    safe = np.where(ss_tot > 0, ss_tot, 1.0)
    scores = np.where(ss_tot > 0, 1.0 - ss_res / safe, np.where(ss_res == 0, 1.0, 0.0))
    return float(np.mean(scores))


def r2_score(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Coefficient of determination 1 − Σ(y − ŷ)²/Σ(y − ȳ)², averaged over output columns."""
    true, pred = _regression_pair(y_true, y_pred)
    ss_res = np.sum((true - pred) ** 2, axis=0)  # (outputs,)
    ss_tot = np.sum((true - true.mean(axis=0)) ** 2, axis=0)
    return _r2_from_sums(ss_res, ss_tot)


def mean_squared_error(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Mean of (y − ŷ)² over every element."""
    true, pred = _regression_pair(y_true, y_pred)
    return float(np.mean((true - pred) ** 2))


class RunningMetric:
    """A metric accumulated over batches: update(y_true, output), value(), state_dict()."""

    name = ""

    def update(self, y_true: np.ndarray, output: np.ndarray) -> None:
        """Add one batch of targets and model outputs."""
        raise NotImplementedError

    def value(self) -> float | None:
        """The metric over everything seen so far; None before the first batch."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The accumulated sums as plain Python numbers."""
        return dict(vars(self))

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict()`."""
        for key in vars(self):
            setattr(self, key, state[key])


class RunningAccuracy(RunningMetric):
    """Correct predictions / samples, from labels or scores."""

    name = "accuracy"

    def __init__(self) -> None:
        self.correct = 0
        self.total = 0

    def update(self, y_true: np.ndarray, output: np.ndarray) -> None:
        true, pred = _pair_labels(y_true, output)
        self.correct += int(np.sum(true == pred))
        self.total += len(true)

    def value(self) -> float | None:
        return self.correct / self.total if self.total else None


class RunningR2(RunningMetric):
    """R² from running float64 statistics per output column: the count, the mean of y, the
    sum of squared deviations from it (merged batch by batch with Chan et al.'s update) and
    Σ(y − ŷ)².

    Why not Σy² − (Σy)²/n: with targets near 1e8 both terms are ~1e16·n and their difference
    (the variance) is lost to rounding; a 0.989 fit read as R² = 0.
    """

    name = "r2"

    def __init__(self) -> None:
        self.count = 0
        self.mean: list[float] = []
        self.ss_tot: list[float] = []  # Σ(y − ȳ)² over everything seen
        self.ss_res: list[float] = []

    def update(self, y_true: np.ndarray, output: np.ndarray) -> None:
        true, pred = _regression_pair(y_true, output)
        n_batch = len(true)
        batch_mean = true.mean(axis=0)  # (outputs,)
        batch_ss = ((true - batch_mean) ** 2).sum(axis=0)
        batch_res = ((true - pred) ** 2).sum(axis=0)
        if not self.count:
            mean, ss_tot, ss_res = batch_mean, batch_ss, batch_res
        else:
            old_mean = np.asarray(self.mean)
            total = self.count + n_batch
            delta = batch_mean - old_mean
            mean = old_mean + delta * (n_batch / total)
            ss_tot = np.asarray(self.ss_tot) + batch_ss + delta * delta * (
                self.count * n_batch / total)
            ss_res = np.asarray(self.ss_res) + batch_res
        self.count += n_batch
        self.mean, self.ss_tot, self.ss_res = mean.tolist(), ss_tot.tolist(), ss_res.tolist()

    def value(self) -> float | None:
        if not self.count:
            return None
        return _r2_from_sums(np.asarray(self.ss_res), np.asarray(self.ss_tot))

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict()`, also the running sums Σy, Σy² of older checkpoints."""
        if "sum_y" in state and "mean" not in state:
            count = int(state["count"])
            sum_y = np.asarray(state["sum_y"], dtype=np.float64)
            mean = sum_y / count if count else sum_y
            ss_tot = np.maximum(np.asarray(state["sum_y2"]) - sum_y * mean, 0.0)
            state = {"count": count, "mean": mean.tolist(), "ss_tot": ss_tot.tolist(),
                     "ss_res": list(state["ss_res"])}
        super().load_state_dict(state)


def make_running_metric(name: str | None) -> RunningMetric | None:
    """RunningAccuracy for 'accuracy', RunningR2 for 'r2', None for None."""
    if name is None:
        return None
    if name == "accuracy":
        return RunningAccuracy()
    if name == "r2":
        return RunningR2()
    raise ValueError(f"unknown metric {name!r}; expected one of {METRICS} or None")
