"""PNG plots (skipped without matplotlib) and the message when matplotlib is missing."""

from __future__ import annotations

import builtins
import os

import numpy as np
import pytest

from nn.training import History, plots


def _history() -> History:
    history = History("accuracy")
    for epoch in range(1, 6):
        history.append(epoch=epoch, train_loss=1 / epoch, train_metric=1 - 0.5 / epoch,
                       val_loss=1.2 / epoch, val_metric=1 - 0.6 / epoch, lr=0.1 / epoch, time=1)
    return history


def _is_png(path) -> bool:
    with open(path, "rb") as file:
        return file.read(8) == b"\x89PNG\r\n\x1a\n"


def test_plots_write_png_files_atomically(tmp_path):
    pytest.importorskip("matplotlib")
    curves = plots.plot_history(_history(), tmp_path / "curves.png", title="t")
    cm = plots.plot_confusion_matrix(np.array([[5, 1], [0, 4]]), tmp_path / "cm.png")
    arrays = {"step": np.arange(4), "layer_names": ["0.weight", "2.weight"],
              "activation_names": ["1"], "grad_norm": np.full((4, 2), 0.1),
              "update_ratio": np.full((4, 2), 1e-3), "dead_fraction": np.zeros((4, 1)),
              "saturated_fraction": np.full((4, 1), np.nan)}
    health = plots.plot_gradient_health(arrays, tmp_path / "health.png")
    for path in (curves, cm, health):
        assert _is_png(path) and os.path.getsize(path) > 1000
    assert sorted(os.listdir(tmp_path)) == ["cm.png", "curves.png", "health.png"]


def test_gradient_health_from_a_real_monitor(tmp_path):
    pytest.importorskip("matplotlib")
    from nn.activations import ReLU
    from nn.layers import Linear
    from nn.losses import mse_loss
    from nn.module import Sequential
    from nn.monitor import GradientMonitor

    model = Sequential(Linear(3, 4, rng=0), ReLU(), Linear(4, 1, rng=1))
    monitor = GradientMonitor(model)
    for _ in range(3):
        model.zero_grad()
        mse_loss(model(np.ones((2, 3))), np.zeros((2, 1))).backward()
        monitor.record()
    assert _is_png(plots.plot_gradient_health(monitor, tmp_path / "g.png"))


def test_missing_matplotlib_gives_install_hint(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert not plots.matplotlib_available()
    with pytest.raises(plots.PlotUnavailable, match=r"pip install 'autograd_mini\[plot\]'"):
        plots.plot_history(_history(), tmp_path / "x.png")
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("interrupted", [False, True])
def test_an_interrupted_matplotlib_import_is_not_a_missing_matplotlib(monkeypatch, interrupted):
    """Ctrl-C inside `import matplotlib` reaches Python as an ImportError caused by the
    KeyboardInterrupt: that must propagate, not turn into "matplotlib not installed"."""
    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            if interrupted:
                try:
                    raise KeyboardInterrupt
                except KeyboardInterrupt as interrupt:
                    raise ImportError(f"import of {name} halted") from interrupt
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    if interrupted:
        with pytest.raises(ImportError, match="halted"):
            plots.matplotlib_available()
        with pytest.raises(ImportError, match="halted"):
            plots.new_figure(2, 2)
    else:
        assert plots.matplotlib_available() is False
        with pytest.raises(plots.PlotUnavailable, match="not installed"):
            plots.new_figure(2, 2)
