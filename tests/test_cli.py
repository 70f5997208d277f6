"""The autograd-mini command line: train, check, search, messages and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pytest
from full_disk import fill
from subprocess_env import ROOT, cli_env

from autograd_mini import Tensor
from nn import cli
from nn.data.mnist import FILES
from nn.serialization import load
from nn.training.plots import matplotlib_available


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
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
    assert out.count("delta_check (") == 5  # three losses and activations, a CNN, an RNN
    assert "RNN (tanh)" in out and "MaxPool2d" in out
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


# ---- bad input: exit 2 (usage) or 1 (error), the option or file named, never a traceback ----
SMALL = ["--data", "moons", "--epochs", "1", "--hidden", "4", "--quiet", "--no-plots"]


# ---- bad flag values: exit 2, the option and the value named --------------------------------
BAD_FLAGS = {
    "train --lr 0": "argument --lr: must be > 0.0, got '0'",
    "train --lr nan": "argument --lr: expected a finite number, got 'nan'",
    "train --lr inf": "argument --lr: expected a finite number, got 'inf'",
    "train --lr 1e400": "argument --lr: expected a finite number, got '1e400'",
    "train --lr=": "argument --lr: expected a positive number, got ''",
    "train --batch-size 0": "argument --batch-size: must be >= 1, got '0'",
    "train --batch-size 1.5": "argument --batch-size: expected a positive integer, got '1.5'",
    "train --epochs 1e3": "argument --epochs: expected a positive integer, got '1e3'",
    "train --epochs -1": "argument --epochs: must be >= 1, got '-1'",
    "train --dropout nan": "argument --dropout: expected a finite number, got 'nan'",
    "train --dropout -0.1": "argument --dropout: must be >= 0.0 and < 1.0, got '-0.1'",
    "train --weight-decay -1": "argument --weight-decay: must be >= 0.0, got '-1'",
    "train --hidden 64,,32": "argument --hidden: expected comma-separated layer widths",
    "train --hidden -5": "argument --hidden: layer widths must be positive, got '-5'",
    "train --hidden 1.5": "argument --hidden: expected comma-separated layer widths",
    "train --seed -1": "argument --seed: must be >= 0, got '-1'",
    "train --threads 0": "argument --threads: must be >= 1, got '0'",
    "train --threads 4097": "argument --threads: must be at most 4096, got '4097'",
    "train --threads 1" + "0" * 30: "argument --threads: must be at most 4096, got '1" + "0" * 30,
    "train --checkpoint-every 0": "argument --checkpoint-every: must be >= 1, got '0'",
    "train --patience 0": "argument --patience: must be >= 1, got '0'",
    "train --monitor-gradients x": "argument --monitor-gradients: expected a positive integer",
    "train --activation swish": "argument --activation: invalid choice: 'swish'",
    "train --optimizer lbfgs": "argument --optimizer: invalid choice: 'lbfgs'",
    "train --scheduler linear": "argument --scheduler: invalid choice: 'linear'",
    "train --data": "argument --data: expected one argument",
    "search --cv 1": "argument --cv: must be >= 2, got '1'",
    "search --random 0": "argument --random: must be >= 1, got '0'",
    "search --val-fraction 1": "argument --val-fraction: must be > 0.0 and < 1.0, got '1'",
    "search --val-fraction 0": "argument --val-fraction: must be > 0.0 and < 1.0, got '0'",
    "search --lr a..b --random 2": "--lr: expected LOW..HIGH like 1e-4..1e-1, got 'a..b'",
    "search --lr 1e-1..1e-3 --random 2": "--lr: range 1e-1..1e-3 is out of bounds",
    "search --lr nan": "--lr: expected a finite number, got 'nan'",
    "search --weight-decay -1": "--weight-decay: must be >= 0.0, got '-1'",
    "check --seed -1": "argument --seed: must be >= 0, got '-1'",
    "check --hidden x": "argument --hidden: expected comma-separated layer widths",
    "frobnicate": "argument COMMAND: invalid choice: 'frobnicate'",
}


@pytest.mark.hardening("cli/bad-flags")
@pytest.mark.parametrize("argv", list(BAD_FLAGS))
def test_bad_flag_values_exit_2_naming_option_and_value(capsys, argv):
    code, _, err = _run(capsys, *argv.split(" "))
    assert code == 2
    assert BAD_FLAGS[argv] in err
    assert "--help" in err or "error:" in err


@pytest.mark.hardening("cli/too-many-folds")
def test_more_folds_or_a_bigger_split_than_samples_exit_2(capsys):
    code, _, err = _run(capsys, "search", "--data", "moons", "--cv", "100000", "--epochs", "1",
                        "--hidden", "4", "--quiet")
    assert code == 2 and "n_splits=100000 is more than the" in err
    code, _, err = _run(capsys, "search", "--data", "moons", "--val-fraction", "0.999",
                        "--epochs", "1", "--hidden", "4", "--quiet")
    assert code == 2 and "leave no training samples" in err
    code, _, err = _run(capsys, "search", "--data", "moons", "--val-fraction", "1e-300",
                        "--epochs", "1", "--hidden", "4", "--quiet")
    assert code == 2 and "val_fraction=1e-300 leaves no validation samples out of 850" in err


@pytest.mark.hardening("cli/no-hidden")
@pytest.mark.parametrize("hidden", ["none", "0", ""], ids=["none", "0", "empty"])
def test_no_hidden_layer_spellings_train_a_linear_model(tmp_path, capsys, hidden):
    code, out, _ = _run(capsys, "train", *SMALL, "--hidden", hidden, "--out", str(tmp_path))
    assert code == 0 and "test accuracy" in out
    assert [k for k in load(tmp_path / "model.npz")["model"]] == ["0.weight", "0.bias"]


@pytest.mark.hardening("cli/extreme-valid")
@pytest.mark.parametrize("extra", [["--batch-size", "100000"], ["--seed", str(2**64 + 1)],
                                   ["--threads", "64"]], ids=["batch>data", "huge seed",
                                                              "many threads"])
def test_extreme_but_valid_values_just_work(tmp_path, capsys, extra):
    code, out, _ = _run(capsys, "train", *SMALL, *extra, "--out", str(tmp_path))
    assert code == 0 and "test accuracy" in out


@pytest.mark.hardening("cli/diverging")
def test_a_diverging_run_stops_with_exit_1_and_says_to_lower_the_lr(tmp_path, capsys):
    with pytest.warns(RuntimeWarning):  # numpy's own overflow notices on the way to NaN
        code, _, err = _run(capsys, "train", *SMALL, "--lr", "1e300", "--out", str(tmp_path))
    assert code == 1
    assert "training diverged: the batch loss is nan at epoch 1" in err
    assert "with --lr 1e+300" in err and "Lower the learning rate" in err


@pytest.mark.hardening("cli/out-of-memory")
@pytest.mark.parametrize("argv", [["train", *SMALL, "--hidden", "2000000000"],
                                  ["check", "--hidden", "2000000000"]], ids=["train", "check"])
def test_impossible_allocation_is_out_of_memory_exit_1(tmp_path, capsys, argv):
    code, _, err = _run(capsys, *argv, *(["--out", str(tmp_path)] if argv[0] == "train" else []))
    assert code == 1
    assert "error: out of memory (Unable to allocate" in err and "smaller --hidden" in err


# ---- missing and damaged files, unusable directories -------------------------------------------
def _idx(shape: tuple[int, ...], payload: bytes) -> bytes:
    return struct.pack(">HBB", 0, 0x08, len(shape)) + struct.pack(f">{len(shape)}I", *shape) \
        + payload


@pytest.mark.hardening("cli/damaged-mnist")
@pytest.mark.parametrize("damage", ["truncated", "bad magic", "counts disagree"])
def test_damaged_mnist_files_are_not_called_missing(tmp_path, capsys, damage):
    data = tmp_path / "data"
    data.mkdir()
    images, labels = _idx((3, 28, 28), bytes(3 * 784)), _idx((3,), bytes(3))
    for key, stem in FILES.items():
        (data / stem).write_bytes(images if key.endswith("images") else labels)
    broken = data / FILES["train_images"]
    broken.write_bytes({"truncated": images[:100], "bad magic": b"\x50\x4b" + images[2:],
                        "counts disagree": _idx((2, 28, 28), bytes(2 * 784))}[damage])
    code, _, err = _run(capsys, "train", "--data", "mnist", "--data-dir", str(data),
                        "--out", str(tmp_path / "out"))
    assert code == 1
    assert "error: the mnist files are damaged:" in err and str(broken) in err
    assert "--download" in err and "not found" not in err


@pytest.mark.hardening("cli/mnist-dir")
@pytest.mark.parametrize("where", ["missing dir", "a file"])
def test_mnist_dir_that_is_missing_or_a_file_says_where_to_put_the_files(tmp_path, capsys,
                                                                          where):
    path = tmp_path / "nowhere"
    if where == "a file":
        path.write_text("not a directory")
    code, _, err = _run(capsys, "train", "--data", "mnist", "--data-dir", str(path),
                        "--out", str(tmp_path / "out"))
    assert code == 1 and "mnist data not found" in err and "--data-dir DIR" in err


@pytest.mark.hardening("cli/system-out")
@pytest.mark.parametrize("out", ["/proc/autograd-mini-test/run", "/sys/autograd-mini-test"])
def test_out_in_a_system_directory_that_cannot_be_written(capsys, out):
    system = Path("/", Path(out).parts[1])
    if not system.is_dir():
        pytest.skip(f"{system} does not exist here")
    code, _, err = _run(capsys, "train", *SMALL, "--out", out)
    assert code == 1
    assert f"cannot write to output directory {out}" in err and "choose another --out" in err


SPIRALS = ["train", "--data", "spirals", "--hidden", "16", "--epochs", "2", "--batch-size", "8",
           "--dropout", "0.2", "--seed", "11", "--quiet", "--no-plots"]


@pytest.mark.hardening("faults/cli-full-disk")
def test_cli_on_a_full_disk_exits_1_with_the_reason_and_no_traceback(tiny_disk):
    filler = fill(tiny_disk)
    filler.write_bytes(b"")  # room for a few small files, not for a checkpoint
    blocker = tiny_disk / "ballast"
    with open(blocker, "wb") as file:
        file.write(b"\0" * (500 * 1024))
    result = subprocess.run([sys.executable, "-m", "nn.cli", *SPIRALS, "--epochs", "1",
                             "--out", str(tiny_disk / "run")], capture_output=True, text=True,
                            env=cli_env(), cwd=ROOT, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "the disk is full" in result.stderr and "Traceback" not in result.stderr
    assert not [p for p in os.listdir(tiny_disk / "run") if p.endswith(".tmp")]
