"""Epoch lines and learning curves of regression runs: small losses and R² near 1 stay
readable (they printed as `loss 0.0000 r2 1.0000`, on a linear axis flat at 0)."""

from __future__ import annotations

import re

import pytest

from nn import cli
from nn.training.number_format import format_loss, format_metric


@pytest.mark.parametrize(("value", "text"), [
    (0.0605, "0.0605"), (1.5, "1.5000"), (3.21e-05, "3.210e-05"), (0.0, "0.0000"),
    (float("nan"), "nan"), (99999.0, "99999.0000"), (1.4246816764893095e24, "1.425e+24"),
])
def test_losses_keep_four_significant_digits(value, text):
    assert format_loss(value) == text


@pytest.mark.parametrize(("name", "value", "text"), [
    ("r2", 0.99998, "0.9999800"), ("r2", 0.98, "0.9800"), ("r2", 1.0, "1.0000"),
    ("accuracy", 0.99998, "1.0000"), ("r2", -2.8113257779576176e17, "-2.811e+17"),
    ("r2", -1234.5, "-1234.5000"),
])
def test_an_r2_near_1_shows_two_digits_of_its_gap(name, value, text):
    assert format_metric(name, value) == text


def test_a_regression_run_prints_small_losses_in_scientific_notation(tmp_path, capsys):
    assert cli.main(["train", "--data", "lorenz", "--epochs", "3", "--no-plots", "--out",
                     str(tmp_path)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    assert re.search(r"  loss \d\.\d{3}e-0\d  r2 0\.99", lines[-1]), lines[-1]


def test_regression_learning_curves_plot_the_loss_on_a_log_axis(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from nn.training import plots

    figures = []
    monkeypatch.setattr(plots, "save_figure", lambda figure, path: figures.append(figure) or path)
    history = {"epoch": [1, 2, 3], "train_loss": [0.1, 1e-3, 1e-5], "val_loss": [0.2, 2e-3, 2e-5],
               "lr": [1e-3] * 3, "time": [1.0] * 3}
    plots.plot_history({**history, "metric": "r2", "train_metric": [0.9, 0.99, 0.999],
                        "val_metric": [0.9, 0.99, 0.999]}, tmp_path / "r.png")
    plots.plot_history({**history, "metric": "accuracy", "train_metric": [0.5, 0.8, 0.9],
                        "val_metric": [0.5, 0.8, 0.9]}, tmp_path / "c.png")
    regression, classification = (figure.axes[0].get_yscale() for figure in figures)
    assert (regression, classification) == ("log", "linear")


def test_the_progress_bar_shows_a_small_running_loss_with_significant_digits():
    import io

    from nn.training.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    bar = Progress(2, "epoch 1/1", use_tqdm=False, file=out)
    bar.update(3.21e-05, batch_size=8)
    bar.update(3.21e-05, batch_size=8)
    bar.close()
    assert "loss 3.210e-05" in out.getvalue()
