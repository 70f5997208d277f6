"""Interrupted CLI runs, for real: kill -9 mid-epoch and Ctrl-C, then --resume.

Each test runs `python -m nn.cli train` as a subprocess on a tiny spirals problem with a
checkpoint after every optimizer step (and Dropout, so generator state matters), and compares
the final weights with an uninterrupted run bit for bit.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from subprocess_env import cli_env

from nn.serialization import load

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ["train", "--data", "spirals", "--hidden", "24", "--epochs", "3", "--batch-size", "8",
         "--dropout", "0.2", "--seed", "5", "--quiet", "--no-plots"]


def _command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "nn.cli", *TRAIN, "--out", str(out), *extra]


def _run(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(out, *extra), capture_output=True, text=True, env=cli_env(),
                          cwd=ROOT, timeout=120)


def _final_weights(out: Path) -> dict[str, np.ndarray]:
    return load(out / "model.npz")["model"]


def _assert_bitwise_equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].dtype == b[key].dtype
        assert np.array_equal(a[key], b[key]), f"{key} differs"


def _start_and_wait_for_step_checkpoint(out: Path, min_step: int) -> subprocess.Popen[str]:
    """Start a checkpoint-every-step run; return once last.npz records >= min_step steps."""
    process = subprocess.Popen(_command(out, "--checkpoint-every", "1"), text=True, env=cli_env(),
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"run finished before it could be interrupted:\n{process.stderr.read()}")
        try:
            if load(out / "last.npz")["step"] >= min_step:
                return process
        except Exception:  # not written yet (a rename is atomic, so never half-written)
            pass
        time.sleep(0.01)
    process.kill()
    pytest.fail("no step checkpoint appeared within 60 s")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, np.ndarray]:
    out = tmp_path_factory.mktemp("uninterrupted")
    result = _run(out)
    assert result.returncode == 0, result.stderr
    return _final_weights(out)


def test_kill_9_mid_epoch_then_resume_gives_bitwise_identical_weights(tmp_path, reference):
    out = tmp_path / "run"
    process = _start_and_wait_for_step_checkpoint(out, min_step=random.randint(3, 60))
    time.sleep(random.uniform(0.0, 0.05))  # a random point inside a step
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL  # really killed, not finished
    state = load(out / "last.npz")
    assert state["epoch"] < 3 and state["step"] >= 3

    result = _run(out, "--resume")
    assert result.returncode == 0, result.stderr
    assert f"resuming from {out / 'last.npz'}: {state['step']} steps" in result.stderr
    _assert_bitwise_equal(_final_weights(out), reference)


def test_ctrl_c_saves_a_checkpoint_exits_130_and_resumes_exactly(tmp_path, reference):
    out = tmp_path / "run"
    process = _start_and_wait_for_step_checkpoint(out, min_step=5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "training interrupted at epoch" in stderr
    assert f"--out {out} --resume" in stderr  # tells the user how to continue
    state = load(out / "last.npz")
    assert 0 < state["step"] < 3 * 85  # saved mid-run, at a step boundary

    result = _run(out, "--resume")
    assert result.returncode == 0, result.stderr
    assert f"resuming from {out / 'last.npz'}: {state['step']} steps" in result.stderr
    _assert_bitwise_equal(_final_weights(out), reference)


def test_resume_with_different_options_is_refused(tmp_path):
    out = tmp_path / "run"
    assert _run(out, "--epochs", "1").returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "nn.cli", "train", "--data", "spirals", "--out", str(out),
         "--resume", "--lr", "0.5", "--quiet"], capture_output=True, text=True, env=cli_env(),
        cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert "--lr 0.01" in result.stderr and "Traceback" not in result.stderr
    # BLAS thread counts change the bits of matrix products, so they are part of the run too
    from nn import cli

    code = cli.main(["train", "--data", "spirals", "--out", str(out), "--resume", "--threads",
                     "2"])
    assert code == 2
