"""PNG plots of training runs: learning curves, confusion matrix and gradient health.

matplotlib is optional (`pip install 'autograd_mini[plot]'`) and imported only inside these
functions; without it they raise PlotUnavailable with that instruction. Figures are drawn with
matplotlib's object API on the Agg canvas (no pyplot, so no global backend is changed) and
written to a temporary file that is renamed over the target.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .history import History
from .interrupts import caused_by_ctrl_c

__all__ = [
    "PlotUnavailable", "history_figure", "matplotlib_available", "new_figure",
    "plot_confusion_matrix", "plot_gradient_health", "plot_history", "save_figure",
]

INSTALL_HINT = "pip install 'autograd_mini[plot]' (or: pip install matplotlib)"


class PlotUnavailable(ImportError):
    """matplotlib is not installed, so nothing can be plotted."""


def matplotlib_available() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        if caused_by_ctrl_c(error):  # an interrupted import is not a missing package
            raise
        return False
    return True


def new_figure(width: float, height: float, inline: bool = False) -> Any:
    """A matplotlib Figure of width × height inches on its own Agg canvas (constrained layout).

    `inline=True` gives a Figure that a notebook shows as a PNG when it is a cell's value
    (`_repr_png_`), without pyplot or a `%matplotlib` magic.
    Raises PlotUnavailable, with the install hint, when matplotlib is missing.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        if caused_by_ctrl_c(error):  # an interrupted import is not a missing package
            raise
        raise PlotUnavailable(f"plotting needs matplotlib, which is not installed: "
                              f"{INSTALL_HINT}") from error
    figure_class = _inline_figure_class(Figure) if inline else Figure
    figure = figure_class(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


_INLINE: dict[type, type] = {}


def _inline_figure_class(figure: type) -> type:
    """A Figure subclass with `_repr_png_`, made once matplotlib is imported."""
    if figure not in _INLINE:
        def _repr_png_(self: Any) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png")
            return buffer.getvalue()

        _INLINE[figure] = type("InlineFigure", (figure,), {"_repr_png_": _repr_png_})
    return _INLINE[figure]


def save_figure(figure: Any, path: str | os.PathLike[str]) -> Path:
    """Write `figure` as a PNG at `path` through a temporary file renamed over it; return path."""
    target = Path(path)
    temp = target.with_name(f".{target.stem}.{secrets.token_hex(6)}.tmp.png")
    try:
        figure.savefig(temp, format="png")
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def _series(values: Sequence[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def plot_history(history: History | Mapping[str, Any], path: str | os.PathLike[str],
                 title: str | None = None) -> Path:
    """Loss, metric and learning rate per epoch (train and validation) saved as a PNG."""
    return save_figure(history_figure(history, title), path)


def history_figure(history: History | Mapping[str, Any], title: str | None = None,
                   inline: bool = False) -> Any:
    """The Figure `plot_history` saves: loss, metric and learning rate per epoch."""
    data = history.to_dict() if isinstance(history, History) else dict(history)
    epochs = _series(data["epoch"])
    metric = data.get("metric")
    # Regression losses fall by orders of magnitude: a linear axis shows a flat line at 0.
    panels = [("loss", "train_loss", "val_loss", metric == "r2")]
    if metric and any(v is not None for v in data["train_metric"] + data["val_metric"]):
        panels.append((metric, "train_metric", "val_metric", False))
    panels.append(("learning rate", "lr", None, True))
    figure = new_figure(4.2 * len(panels), 3.6, inline=inline)
    axes = figure.subplots(1, len(panels))
    for ax, (label, train_key, val_key, log) in zip(np.atleast_1d(axes), panels):
        train = _series(data[train_key])
        ax.plot(epochs, train, marker="." if len(epochs) < 30 else None,
                label="train" if val_key else None)
        if val_key is not None and np.isfinite(_series(data[val_key])).any():
            ax.plot(epochs, _series(data[val_key]), label="validation")
        if log and np.all(train[np.isfinite(train)] > 0):
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        if val_key is not None:
            ax.legend()
    if title:
        figure.suptitle(title)
    return figure


def plot_confusion_matrix(matrix: npt.ArrayLike, path: str | os.PathLike[str],
                          labels: Sequence[str] | None = None, title: str | None = None) -> Path:
    """Confusion matrix (rows true, columns predicted) with counts in the cells, as a PNG."""
    cm = np.asarray(matrix)
    n = len(cm)
    names = [str(i) for i in range(n)] if labels is None else [str(s) for s in labels]
    size = 1.0 + 0.45 * n
    figure = new_figure(size + 1.2, size)
    ax = figure.subplots()
    image = ax.imshow(cm, cmap="Blues")
    figure.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = cm.max(initial=0) / 2
    if n <= 30:
        for i in range(n):
            for j in range(n):
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > threshold else "black")
    ax.set_title(title or f"confusion matrix ({int(np.trace(cm))}/{int(cm.sum())} correct)")
    return save_figure(figure, path)


def plot_gradient_health(monitor: Any, path: str | os.PathLike[str],
                         title: str | None = None) -> Path:
    """Per-layer ‖∂C/∂W‖, update ratio ‖ΔW‖/‖W‖ and dead/saturated activations over steps.

    `monitor` is an nn.GradientMonitor or the dict of its `to_arrays()`.
    """
    data = monitor.to_arrays() if hasattr(monitor, "to_arrays") else dict(monitor)
    steps = np.asarray(data["step"])
    if len(steps) == 0:
        raise ValueError("plot_gradient_health: the monitor has recorded nothing")
    figure = new_figure(13.0, 3.8)
    axes = figure.subplots(1, 3)
    for ax, key, label in ((axes[0], "grad_norm", "‖∂C/∂W‖"),
                           (axes[1], "update_ratio", "‖ΔW‖ / ‖W‖")):
        values = np.asarray(data[key], dtype=np.float64)
        for k, name in enumerate(data["layer_names"]):
            column = values[:, k]
            if np.isfinite(column).any():
                ax.plot(steps, column, label=name)
        if np.nanmin(np.where(values > 0, values, np.nan), initial=np.inf) < np.inf:
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    ax = axes[2]
    names = data.get("activation_names", [])
    for key, style in (("dead_fraction", "-"), ("saturated_fraction", "--")):
        values = np.asarray(data.get(key, np.empty((len(steps), 0))), dtype=np.float64)
        for k, name in enumerate(names):
            if np.isfinite(values[:, k]).any():
                ax.plot(steps, values[:, k], style, label=f"{name} {key.split('_')[0]}")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("step")
    ax.set_ylabel("fraction of units")
    ax.grid(alpha=0.3)
    if names:
        ax.legend(fontsize=7)
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)
