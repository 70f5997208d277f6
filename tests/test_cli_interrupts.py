"""Interrupted runs of `autograd-mini`: Ctrl-C at any moment, twice, during the plots, and a
reader that goes away — exit 130 (or 0 if the run had finished), never a traceback, any
checkpoint intact. Ctrl-C with --resume is in test_cli_resume.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from subprocess_env import ROOT, cli_env

from nn import cli
from nn.serialization import load

SMALL = ["--data", "moons", "--epochs", "1", "--hidden", "4", "--quiet", "--no-plots"]


def _run_clean(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in this process; its output must hold no traceback."""
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


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


@pytest.mark.hardening("cli/ctrl-c")
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


@pytest.mark.hardening("cli/ctrl-c-plots")
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


@pytest.mark.hardening("cli/error-from-ctrl-c")
@pytest.mark.parametrize("kind", [RuntimeError, ImportError])
def test_an_error_caused_by_ctrl_c_is_an_interrupt_but_other_errors_are_not(
        capsys, monkeypatch, kind):
    monkeypatch.setattr(cli, "cmd_check", _interrupted_inside(kind))
    code, _, err = _run_clean(capsys, "check")
    assert code == 130 and "autograd-mini check: interrupted" in err

    def bug(args):
        raise kind("a real bug")

    monkeypatch.setattr(cli, "cmd_check", bug)
    with pytest.raises(kind, match="a real bug"):  # a bug keeps its traceback
        cli.main(["check"])


@pytest.mark.hardening("cli/ctrl-c-twice")
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


@pytest.mark.hardening("cli/closed-stdout")
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


def test_an_unexpected_error_prints_its_traceback_and_exits_1():
    # run() exits with os._exit, which used to turn any bug into a silent exit 130
    code = ("import nn.cli.entry as entry\n"
            "def broken():\n    raise ZeroDivisionError('a bug')\n"
            "entry.main = broken\nentry.run()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=cli_env(), cwd=ROOT, timeout=60)
    assert result.returncode == 1
    assert "ZeroDivisionError: a bug" in result.stderr and "Traceback" in result.stderr


@pytest.mark.parametrize(("request_", "status", "said"), [
    ("3", 3, ""), ("None", 0, ""), ("'no data found'", 1, "no data found")])
def test_sys_exit_below_the_command_keeps_its_status(request_, status, said):
    # SystemExit is not an Exception: run() once ended every such exit with 130
    code = (f"import sys\nimport nn.cli.entry as entry\n"
            f"entry.main = lambda: sys.exit({request_})\nentry.run()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=cli_env(), cwd=ROOT, timeout=60)
    assert result.returncode == status, result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
