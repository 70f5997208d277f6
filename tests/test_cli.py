"""The autograd-mini command line: train, check, search, messages and exit codes."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import entry_points

import numpy as np
import pytest

from autograd_mini import Tensor
from nn import cli
from nn.serialization import load
from nn.training.plots import matplotlib_available


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_console_script_is_declared():
    scripts = {ep.name: ep for ep in entry_points(group="console_scripts")}
    if "autograd-mini" not in scripts:
        pytest.skip("package not installed (pip install -e .)")
    assert scripts["autograd-mini"].value == "nn.cli:run"
    assert scripts["autograd-mini"].load() is cli.run


def test_train_default_recipe_reaches_97_percent_on_digits(tmp_path, capsys):
    code, out, err = _run(capsys, "train", "--out", str(tmp_path), "--quiet", "--no-plots")
    assert code == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["config"]["hidden"] == [128, 64] and metrics["epochs_run"] == 40
    assert metrics["test_accuracy"] >= 0.97
    assert f"test accuracy {100 * metrics['test_accuracy']:.2f}%" in out


def test_train_small_run_prints_metrics_and_writes_artefacts(tmp_path, capsys):
    code, out, err = _run(capsys, "train", "--epochs", "3", "--hidden", "32", "--out",
                          str(tmp_path), "--batchnorm", "--dropout", "0.1")
    assert code == 0, err
    assert "training MLP 64-32-10 (relu, batchnorm, dropout 0.1) on digits" in out
    assert "epoch 3/3" in out and "val_acc" in out
    assert "confusion matrix:" in out and "(predicted)" in out
    matrix = json.loads((tmp_path / "metrics.json").read_text())["confusion_matrix"]
    assert np.array(matrix).sum() == 269  # the 15% test split of 1797, rounded per class
    history = json.loads((tmp_path / "history.json").read_text())
    assert history["epoch"] == [1, 2, 3]
    saved = load(tmp_path / "model.npz")
    assert saved["config"]["hidden"] == [32] and saved["config"]["batchnorm"] is True
    for name in ("model.npz", "history.json", "metrics.json", "last.npz", "best.npz"):
        assert (tmp_path / name).is_file()
        assert str(tmp_path / name) in out
    if matplotlib_available():
        assert (tmp_path / "learning_curves.png").read_bytes()[:4] == b"\x89PNG"
        assert (tmp_path / "confusion_matrix.png").is_file()
    else:
        assert "matplotlib not installed" in out
    graph = tmp_path / "graph.svg"
    if shutil.which("dot") is None:
        assert "dot` program is not installed" in out
    elif graph.exists():
        assert "<svg" in graph.read_text()
    else:
        assert "graph" in out and "skipped" in out  # drawing is optional, never fatal


def test_train_monitor_gradients_diagnoses_a_deep_sigmoid_net(tmp_path, capsys):
    code, out, err = _run(capsys, "train", "--epochs", "1", "--activation", "sigmoid",
                          "--hidden", "32,32,32,32", "--monitor-gradients", "5", "--out",
                          str(tmp_path), "--quiet", "--no-plots")
    assert code == 0, err
    assert "gradient health (8 records, latest at step 35):" in out  # 40 steps, every 5th
    assert "vanishing gradients" in out


def test_train_regression_reports_r2(tmp_path, capsys):
    code, out, err = _run(capsys, "train", "--data", "lorenz", "--epochs", "3", "--out",
                          str(tmp_path), "--quiet", "--no-plots")
    assert code == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    r2 = metrics["test_r2"]
    assert f"test R² {r2:.5f}" in out
    assert 0.5 < r2 <= 1.0
    # the next-state R² comes with the copy-the-input baseline and the increment's R²
    baseline, increment = metrics["test_r2_copy_input_baseline"], metrics["test_r2_increment"]
    assert f"copying the input scores R² {baseline:.5f}" in out
    assert f"x(t+1) − x(t): {increment:.5f}" in out
    assert 0.9 < baseline < r2 and increment < r2


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--lr", "-1"], "argument --lr: must be > 0.0"),
    (["train", "--lr", "fast"], "argument --lr: expected a positive number, got 'fast'"),
    (["train", "--hidden", "64,x"], "expected comma-separated layer widths"),
    (["train", "--data", "cifar"], "invalid choice: 'cifar'"),
    (["train", "--dropout", "1.5"], "must be >= 0.0 and < 1.0"),
    (["train", "--epochs", "0"], "argument --epochs: must be >= 1"),
    (["train", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["search", "--lr", "1e-3..1e-1"], "a LOW..HIGH range needs --random N"),
    (["search", "--dropout", "2"], "--dropout: must be >= 0.0 and < 1.0"),
])
def test_bad_options_exit_2_with_a_message(capsys, argv, message):
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


def test_no_command_prints_help_and_exits_2(capsys):
    code, _, err = _run(capsys)
    assert code == 2 and "train" in err and "search" in err


def test_missing_mnist_says_where_to_put_it(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AUTOGRAD_MINI_DATA", raising=False)
    code, _, err = _run(capsys, "train", "--data", "mnist", "--out", str(tmp_path / "o"))
    assert code == 1
    assert "mnist data not found (no --data-dir given and AUTOGRAD_MINI_DATA is not set)" in err
    assert "--data-dir DIR" in err and "--download" in err
    code, _, err = _run(capsys, "train", "--data", "mnist", "--data-dir", str(tmp_path),
                        "--out", str(tmp_path / "o"))
    assert code == 1 and str(tmp_path) in err and "Traceback" not in err


def test_unwritable_out_is_an_error_not_a_traceback(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _run(capsys, "train", "--out", str(blocker / "run"), "--epochs", "1")
    assert code == 1
    assert f"cannot write to output directory {blocker / 'run'}" in err
    assert "choose another --out" in err


def test_full_disk_during_training_is_a_clear_error(tmp_path, capsys, monkeypatch):
    import errno
    import os

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    code, _, err = _run(capsys, "train", "--epochs", "1", "--out", str(tmp_path), "--quiet",
                        "--no-plots")
    assert code == 1
    assert "could not write checkpoint" in err and "the disk is full" in err
    assert "Traceback" not in err


def test_check_prints_per_layer_tables_and_passes(capsys):
    code, out, _ = _run(capsys, "check")
    assert code == 0
    assert out.count("delta_check (") == 3  # three losses and activations
    assert "dC/dW" in out and "=> ok" in out
    for layer in ("Linear", "BatchNorm1d (train)", "Dropout (fixed mask)", "CrossEntropyLoss",
                  "tanh", "gelu"):
        assert f"  {layer} " in out
    assert "all checks passed" in out


def test_check_exits_1_on_a_wrong_gradient(capsys, monkeypatch):
    original = cli.check._gradcheck_cases

    def with_a_bug(seed):
        # x · stop_gradient(x): autograd sees d/dx = x, the true derivative is 2x.
        broken = ("detached square", lambda x: x * Tensor(x.data), [Tensor(np.ones(3), True)])
        return [*original(seed), broken]

    monkeypatch.setattr(cli.check, "_gradcheck_cases", with_a_bug)  # where cmd_check looks
    code, out, _ = _run(capsys, "check")
    assert code == 1
    assert "detached square" in out and "MISMATCH" in out
    assert "MISMATCH: some gradients disagree" in out


def test_search_grid_prints_sorted_table_and_best(tmp_path, capsys):
    code, out, err = _run(capsys, "search", "--data", "moons", "--lr", "0.0001", "0.03",
                          "--hidden", "16", "--epochs", "4", "--out", str(tmp_path))
    assert code == 0, err
    assert "grid search on moons" in out and "trial 2/2" in out
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and len(scores) == 2
    assert results[0]["params"]["lr"] == 0.03  # 4 epochs at lr 1e-4 barely move
    assert "best accuracy" in out and "--lr 0.03" in out


def test_search_random_with_cv(capsys):
    code, out, err = _run(capsys, "search", "--data", "moons", "--lr", "1e-3..1e-1",
                          "--dropout", "0", "0.2", "--random", "3", "--cv", "2", "--epochs",
                          "2", "--quiet")
    assert code == 0, err
    table = out.split("best accuracy")[0]
    assert table.count("\n") >= 5  # header, rule, three trials
    assert "random search" not in out  # --quiet hides the progress lines
