"""Hardening catalogue, CLI: bad flag values, missing and damaged files, unusable directories
and interrupted runs of `autograd-mini` — a clear message, the right exit status (0 ok,
1 error, 2 usage, 130 interrupted) and never a traceback.

tests/test_cli.py already tries nine bad options, a missing MNIST, a blocked --out, a full disk
and a wrong gradient; tests/test_cli_resume.py kill -9, Ctrl-C and a changed --resume. Counts
per kind are in tests/HARDENING.md.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from subprocess_env import cli_env

from nn import cli
from nn.data.mnist import FILES
from nn.serialization import load

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--data", "moons", "--epochs", "1", "--hidden", "4", "--quiet", "--no-plots"]


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


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


@pytest.mark.parametrize("argv", list(BAD_FLAGS))
def test_bad_flag_values_exit_2_naming_option_and_value(capsys, argv):
    code, _, err = _run(capsys, *argv.split(" "))
    assert code == 2
    assert BAD_FLAGS[argv] in err
    assert "--help" in err or "error:" in err


def test_more_folds_or_a_bigger_split_than_samples_exit_2(capsys):
    code, _, err = _run(capsys, "search", "--data", "moons", "--cv", "100000", "--epochs", "1",
                        "--hidden", "4", "--quiet")
    assert code == 2 and "n_splits=100000 is more than the" in err
    code, _, err = _run(capsys, "search", "--data", "moons", "--val-fraction", "0.999",
                        "--epochs", "1", "--hidden", "4", "--quiet")
    assert code == 2 and "leave no training samples" in err


@pytest.mark.parametrize("hidden", ["none", "0", ""], ids=["none", "0", "empty"])
def test_no_hidden_layer_spellings_train_a_linear_model(tmp_path, capsys, hidden):
    code, out, _ = _run(capsys, "train", *SMALL, "--hidden", hidden, "--out", str(tmp_path))
    assert code == 0 and "test accuracy" in out
    assert [k for k in load(tmp_path / "model.npz")["model"]] == ["0.weight", "0.bias"]


@pytest.mark.parametrize("extra", [["--batch-size", "100000"], ["--seed", str(2**64 + 1)],
                                   ["--threads", "64"]], ids=["batch>data", "huge seed",
                                                              "many threads"])
def test_extreme_but_valid_values_just_work(tmp_path, capsys, extra):
    code, out, _ = _run(capsys, "train", *SMALL, *extra, "--out", str(tmp_path))
    assert code == 0 and "test accuracy" in out


def test_a_diverging_run_stops_with_exit_1_and_says_to_lower_the_lr(tmp_path, capsys):
    with pytest.warns(RuntimeWarning):  # numpy's own overflow notices on the way to NaN
        code, _, err = _run(capsys, "train", *SMALL, "--lr", "1e300", "--out", str(tmp_path))
    assert code == 1
    assert "training diverged: the batch loss is nan at epoch 1" in err
    assert "with --lr 1e+300" in err and "Lower the learning rate" in err


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


@pytest.mark.parametrize("where", ["missing dir", "a file"])
def test_mnist_dir_that_is_missing_or_a_file_says_where_to_put_the_files(tmp_path, capsys,
                                                                          where):
    path = tmp_path / "nowhere"
    if where == "a file":
        path.write_text("not a directory")
    code, _, err = _run(capsys, "train", "--data", "mnist", "--data-dir", str(path),
                        "--out", str(tmp_path / "out"))
    assert code == 1 and "mnist data not found" in err and "--data-dir DIR" in err


@pytest.mark.parametrize("out", ["/proc/autograd-mini-test/run", "/sys/autograd-mini-test"])
def test_out_in_a_system_directory_that_cannot_be_written(capsys, out):
    system = Path("/", Path(out).parts[1])
    if not system.is_dir():
        pytest.skip(f"{system} does not exist here")
    code, _, err = _run(capsys, "train", *SMALL, "--out", out)
    assert code == 1
    assert f"cannot write to output directory {out}" in err and "choose another --out" in err


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("finished")
    assert cli.main(["train", *SMALL, "--out", str(out)]) == 0
    return out


RESUME_DAMAGE = {
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:300]), "corrupted or truncated"),
    "garbage": (lambda p: p.write_text("hello"), "not a checkpoint (not a zip/.npz file)"),
    "empty": (lambda p: p.write_bytes(b""), "the file is empty"),
    "a directory": (lambda p: (p.unlink(), p.mkdir()), "Is a directory"),
    "foreign npz": (lambda p: p.write_bytes(_plain_npz()), "not an autograd_mini checkpoint"),
}


def _plain_npz() -> bytes:
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, step=np.array(3))
    return buffer.getvalue()


@pytest.mark.parametrize("damage", list(RESUME_DAMAGE))
def test_resume_from_a_damaged_checkpoint_exits_1_naming_the_file(tmp_path, capsys,
                                                                  finished_run, damage):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    breaker, message = RESUME_DAMAGE[damage]
    breaker(out / "last.npz")
    code, _, err = _run(capsys, "train", *SMALL, "--out", str(out), "--resume")
    assert code == 1
    assert f"cannot resume: cannot read checkpoint {out / 'last.npz'}" in err and message in err


# ---- interrupted runs (subprocesses: real signals) --------------------------------------------
def _start(out: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "nn.cli", "train", "--data", "spirals", "--epochs", "2",
               "--hidden", "16", "--batch-size", "8", "--checkpoint-every", "5", "--out",
               str(out), *extra]
    return subprocess.Popen(command, text=True, env=cli_env(), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _wait_for_line(process: subprocess.Popen[str], prefix: str) -> None:
    """Read stdout until a line starts with `prefix` (the run has got that far)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith(prefix) or not line:
            return
    process.kill()
    pytest.fail(f"no line starting {prefix!r}")


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.3])
def test_ctrl_c_at_any_moment_after_start_up_exits_130_or_0_without_traceback(tmp_path, delay):
    """From the first output line on (data loading, model building, training, evaluation,
    writing results), Ctrl-C ends the run with 130 and a message, or the run had finished."""
    out = tmp_path / "run"
    process = _start(out)
    _wait_for_line(process, "training MLP")
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    assert process.returncode in (0, 130), stderr
    if process.returncode == 130:
        assert "interrupted" in stderr
    if (out / "last.npz").exists():
        assert load(out / "last.npz")["step"] >= 0  # whatever was written is intact


@pytest.mark.parametrize("delay", [0.0, 0.08, 0.16])
def test_ctrl_c_while_the_plots_are_drawn_exits_130_without_traceback(tmp_path, delay):
    """After the test metrics, matplotlib is imported for the plots; a Ctrl-C inside that
    import reaches Python as RuntimeError or ImportError (caused by the KeyboardInterrupt)."""
    pytest.importorskip("matplotlib")
    command = [sys.executable, "-m", "nn.cli", "train", *SMALL, "--out", str(tmp_path)]
    command.remove("--no-plots")
    command.remove("--quiet")
    process = subprocess.Popen(command, text=True, env=cli_env(), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_line(process, "test accuracy")
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    assert process.returncode in (0, 130, -signal.SIGINT), stderr
    assert "matplotlib not installed" not in stdout  # an interrupted import is not a missing one


def _interrupted_inside(kind: type[Exception]):
    """A command that is Ctrl-C'd inside an import or a class body: Python hands the
    KeyboardInterrupt on as the cause of an ImportError or a RuntimeError."""

    def command(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise kind("Error calling __set_name__ (or: import failed)") from interrupt

    return command


@pytest.mark.parametrize("kind", [RuntimeError, ImportError])
def test_an_error_caused_by_ctrl_c_is_an_interrupt_but_other_errors_are_not(
        capsys, monkeypatch, kind):
    monkeypatch.setattr(cli, "cmd_check", _interrupted_inside(kind))
    code, _, err = _run(capsys, "check")
    assert code == 130 and "autograd-mini check: interrupted" in err

    def bug(args):
        raise kind("a real bug")

    monkeypatch.setattr(cli, "cmd_check", bug)
    with pytest.raises(kind, match="a real bug"):  # a bug keeps its traceback
        cli.main(["check"])


@pytest.mark.parametrize("gap", [0.0, 0.002, 0.02])
def test_ctrl_c_twice_during_training_aborts_and_keeps_an_intact_checkpoint(tmp_path, gap):
    """The second Ctrl-C aborts without waiting for the checkpoint the first one asked for;
    if it lands mid-write, the temporary file goes and the previous checkpoint stays."""
    out = tmp_path / "run"
    process = _start(out)
    deadline = time.monotonic() + 60
    while not (out / "last.npz").exists():  # training has started: step checkpoints appear
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    time.sleep(gap)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    # 130 from our handler; −SIGINT if the second signal lands as the interpreter exits
    # (a shell shows both as 130).
    assert process.returncode in (130, -signal.SIGINT), stderr
    assert "Traceback" not in stderr and "interrupt" in stderr, stderr
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]
    assert load(out / "last.npz")["step"] >= 5


def test_closed_stdout_is_not_a_traceback(tmp_path):
    """`autograd-mini train | head -1`: the reader goes away; no BrokenPipeError traceback."""
    command = [sys.executable, "-m", "nn.cli", "train", *SMALL, "--out", str(tmp_path)]
    command.remove("--quiet")
    process = subprocess.Popen(command, env=cli_env(), cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert process.returncode in (0, 1)
