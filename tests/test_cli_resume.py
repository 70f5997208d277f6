"""Interrupted CLI runs, for real: kill -9 mid-epoch (once, and four times at random moments)
and Ctrl-C, then --resume; and --resume from damaged checkpoints.

Each interruption runs `python -m nn.cli train` as a subprocess on a tiny spirals problem with
a checkpoint after every optimizer step (and Dropout, so generator state matters), and compares
the final weights with one uninterrupted run bit for bit.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from subprocess_env import cli_env

from nn import cli
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


# ---- one run killed again and again, at random moments --------------------------------------
STEPS = 3 * 85  # spirals: 680 training samples in batches of 8, three epochs


@pytest.fixture
def fast_dir(tmp_path):
    """A fresh directory on tmpfs where available (fsync per step checkpoint is cheap there)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        path = shm / f"autograd-mini-test-{uuid.uuid4().hex}"
        path.mkdir()
        yield path
        shutil.rmtree(path, ignore_errors=True)
    else:
        yield tmp_path


def _start(out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(_command(out, *extra), text=True, env=cli_env(), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _step_of(out: Path) -> int:
    """The step recorded by the current checkpoint; -1 when there is none yet."""
    try:
        return int(load(out / "last.npz")["step"])
    except FileNotFoundError:
        return -1


@pytest.mark.hardening("faults/repeated-sigkill")
def test_repeated_sigkill_at_random_moments_always_resumes_to_the_same_weights(
        fast_dir, reference):
    seed = random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    out = fast_dir / "run"
    seen = -1
    kills = []
    for kill in range(4):
        resume = ("--resume",) if kill else ()
        process = _start(out, "--checkpoint-every", "1", *resume)
        if kill == 3:  # the last kill lands while the resume starts up or reads the checkpoint
            time.sleep(rng.uniform(0.0, 0.2))
        else:  # the others wait for a random later step, then a random moment within it
            target = min(seen + rng.randint(5, 40), STEPS - 20)
            deadline = time.monotonic() + 60
            while _step_of(out) < target and process.poll() is None:
                assert time.monotonic() < deadline, f"no progress (seed {seed})"
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.02))
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL, \
            f"finished before kill {kill} (seed {seed}), exit {process.returncode}:\n{stderr}"
        step = _step_of(out)  # the checkpoint is intact: it loads, and never goes backwards
        assert step >= seen, f"kill {kill}: checkpoint went back from {seen} to {step} ({seed})"
        kills.append(step)
        seen = step
    assert len({*kills}) >= 3, f"kills at steps {kills} (seed {seed})"
    process = _start(out, "--resume")
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert f"resuming from {out / 'last.npz'}: {seen} steps" in stderr
    final = _final_weights(out)
    assert final.keys() == reference.keys()
    for key in final:
        assert np.array_equal(final[key], reference[key]), f"{key} differs (seed {seed})"
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert all(name.startswith(".last.npz.") for name in leftovers)  # only a killed write's


# ---- damaged checkpoints: exit 1 naming the file ---------------------------------------------
SMALL = ["--data", "moons", "--epochs", "1", "--hidden", "4", "--quiet", "--no-plots"]


def _run_clean(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in this process; its output must hold no traceback."""
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


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
    buffer = io.BytesIO()
    np.savez(buffer, step=np.array(3))
    return buffer.getvalue()


@pytest.mark.hardening("cli/damaged-resume")
@pytest.mark.parametrize("damage", list(RESUME_DAMAGE))
def test_resume_from_a_damaged_checkpoint_exits_1_naming_the_file(tmp_path, capsys,
                                                                  finished_run, damage):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    breaker, message = RESUME_DAMAGE[damage]
    breaker(out / "last.npz")
    code, _, err = _run_clean(capsys, "train", *SMALL, "--out", str(out), "--resume")
    assert code == 1
    assert f"cannot resume: cannot read checkpoint {out / 'last.npz'}" in err and message in err
