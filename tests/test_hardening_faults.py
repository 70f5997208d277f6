"""Hardening catalogue, faults: runs killed again and again, disks that fill up, directories
that cannot be written.

tests/test_cli_resume.py kills a run once; here one run is killed with SIGKILL at several
random moments (mid-step, mid-checkpoint-write, mid-startup of a resume) and must still finish
with bitwise the same weights as a run never interrupted. Full disks and unwritable
directories are simulated at every system call of a checkpoint write, and, where this machine
lets a test mount one, on a real tiny tmpfs. Counts per kind are in tests/HARDENING.md.
"""

from __future__ import annotations

import errno
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
from test_training_trainer import X_VAL, Y_VAL, _assert_same_weights, _parts

from nn import serialization
from nn.losses import CrossEntropyLoss
from nn.serialization import load
from nn.training import Callback, CheckpointError, Trainer, load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ["train", "--data", "spirals", "--hidden", "16", "--epochs", "2", "--batch-size", "8",
         "--dropout", "0.2", "--seed", "11", "--quiet", "--no-plots"]
STEPS = 2 * 85  # spirals: 680 training samples in batches of 8, two epochs


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
    command = [sys.executable, "-m", "nn.cli", *TRAIN, "--out", str(out), *extra]
    return subprocess.Popen(command, text=True, env=cli_env(), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _step_of(out: Path) -> int:
    """The step recorded by the current checkpoint; -1 when there is none yet."""
    try:
        return int(load(out / "last.npz")["step"])
    except FileNotFoundError:
        return -1


def _weights(out: Path) -> dict[str, np.ndarray]:
    return load(out / "model.npz")["model"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, np.ndarray]:
    out = tmp_path_factory.mktemp("uninterrupted")
    process = _start(out)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    return _weights(out)


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
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL, f"finished before kill {kill} ({seed})"
        step = _step_of(out)  # the checkpoint is intact: it loads, and never goes backwards
        assert step >= seen, f"kill {kill}: checkpoint went back from {seen} to {step} ({seed})"
        kills.append(step)
        seen = step
    assert len({*kills}) >= 3, f"kills at steps {kills} (seed {seed})"
    process = _start(out, "--resume")
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert f"resuming from {out / 'last.npz'}: {seen} steps" in stderr
    final = _weights(out)
    assert final.keys() == reference.keys()
    for key in final:
        assert np.array_equal(final[key], reference[key]), f"{key} differs (seed {seed})"
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert all(name.startswith(".last.npz.") for name in leftovers)  # only a killed write's


# ---- a full disk or an unwritable directory at every system call of a checkpoint write ----
def _fail(error_number: int):
    def fail(*args, **kwargs):
        raise OSError(error_number, os.strerror(error_number))

    return fail


class _FailingFile:
    """A file whose writes fail once `budget` bytes have gone through (a disk filling up)."""

    def __init__(self, file, budget: int, error_number: int) -> None:
        self.file, self.budget, self.error_number = file, budget, error_number

    def write(self, data) -> int:
        self.budget -= len(data)
        if self.budget < 0:
            raise OSError(self.error_number, os.strerror(self.error_number))
        return self.file.write(data)

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()


def _break(monkeypatch, where: str, error_number: int) -> None:
    target = serialization.os
    if where == "open":  # creating the temporary file
        real = os.open
        monkeypatch.setattr(target, "open", lambda path, flags, *a: _fail(error_number)()
                            if flags & os.O_CREAT else real(path, flags, *a))
    elif where == "write":  # the disk fills halfway through the archive
        real_fdopen = os.fdopen
        monkeypatch.setattr(target, "fdopen", lambda *a, **k: _FailingFile(
            real_fdopen(*a, **k), 2000, error_number))
    elif where == "fsync":
        monkeypatch.setattr(target, "fsync", _fail(error_number))
    elif where == "replace":
        monkeypatch.setattr(target, "replace", _fail(error_number))
    else:
        raise AssertionError(where)


REASONS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk is full",
           errno.EROFS: "permission denied", errno.EACCES: "permission denied",
           errno.EIO: os.strerror(errno.EIO)}


def _trainer(checkpoint_dir: Path, epochs: int = 3, **options) -> Trainer:
    model, optimizer, scheduler, loader = _parts(seed=3)
    return Trainer(model, optimizer, CrossEntropyLoss(), loader, val_data=(X_VAL, Y_VAL),
                   scheduler=scheduler, checkpoint_dir=checkpoint_dir, progress=False, log=None,
                   epochs=epochs, **options)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, np.ndarray]:
    trainer = _trainer(tmp_path_factory.mktemp("clean"))
    trainer.fit()
    return trainer.model.state_dict()


class _BreakAfterEpoch(Callback):
    """From the end of epoch 1 on, every checkpoint write fails as `where` / `error_number`."""

    def __init__(self, monkeypatch, where: str, error_number: int) -> None:
        self.monkeypatch, self.where, self.error_number = monkeypatch, where, error_number

    def on_epoch_end(self, trainer: Trainer, record: dict) -> None:
        if trainer.epoch == 1:
            _break(self.monkeypatch, self.where, self.error_number)


@pytest.mark.parametrize("error_number", list(REASONS), ids=errno.errorcode.get)
@pytest.mark.parametrize("where", ["open", "write", "fsync", "replace"])
def test_failed_checkpoint_write_is_clear_keeps_the_previous_one_and_resumes_exactly(
        tmp_path, monkeypatch, uninterrupted, where, error_number):
    trainer = _trainer(tmp_path)
    trainer.callbacks.append(_BreakAfterEpoch(monkeypatch, where, error_number))
    with pytest.raises(CheckpointError) as info:
        trainer.fit()
    message = str(info.value)  # epoch 2 writes best.npz (val loss improved), then last.npz
    assert f"could not write checkpoint {tmp_path / 'best.npz'}" in message
    assert REASONS[error_number] in message and "the previous checkpoint is kept" in message
    monkeypatch.undo()  # space is freed, permissions fixed
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert load_checkpoint(tmp_path / "last.npz")["epoch"] == 1  # intact, and the old one
    resumed = _trainer(tmp_path)
    resumed.fit(resume=True)
    _assert_same_weights(resumed.model.state_dict(), uninterrupted)


def test_unwritable_history_file_is_a_checkpoint_error_and_keeps_the_old_history(
        tmp_path, monkeypatch):
    from nn.training import history

    trainer = _trainer(tmp_path, epochs=2)

    class BreakHistory(Callback):  # (history.json is written after last.npz)
        def on_epoch_end(self, trainer, record):
            monkeypatch.setattr(history, "write_text_atomic", _fail(errno.ENOSPC))

    trainer.callbacks.append(BreakHistory())
    with pytest.raises(CheckpointError, match=r"could not write .*history\.json: .*No space"):
        trainer.fit()
    assert '"epoch": [\n  1\n ]' in (tmp_path / "history.json").read_text()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


# ---- a real full disk: a tiny tmpfs (needs permission to mount; skipped otherwise) -----------
@pytest.fixture
def tiny_disk(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    if not shutil.which("mount") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _fill(directory: Path) -> Path:
    """Write a file until the disk is full; return it (delete it to free the space)."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_really_full_disk_keeps_the_previous_checkpoint_and_resumes_exactly(
        tiny_disk, uninterrupted):
    trainer = _trainer(tiny_disk)
    filled = []

    class FillDisk(Callback):
        def on_epoch_end(self, trainer, record):
            if trainer.epoch == 1:
                filled.append(_fill(tiny_disk))

    trainer.callbacks.append(FillDisk())
    with pytest.raises(CheckpointError, match="the disk is full.*previous checkpoint is kept"):
        trainer.fit()
    filled[0].unlink()
    assert not [p for p in os.listdir(tiny_disk) if p.endswith(".tmp")]
    assert load_checkpoint(tiny_disk / "last.npz")["epoch"] == 1
    resumed = _trainer(tiny_disk)
    resumed.fit(resume=True)
    _assert_same_weights(resumed.model.state_dict(), uninterrupted)


def test_cli_on_a_full_disk_exits_1_with_the_reason_and_no_traceback(tiny_disk):
    filler = _fill(tiny_disk)
    filler.write_bytes(b"")  # room for a few small files, not for a checkpoint
    blocker = tiny_disk / "ballast"
    with open(blocker, "wb") as file:
        file.write(b"\0" * (500 * 1024))
    result = subprocess.run([sys.executable, "-m", "nn.cli", *TRAIN, "--epochs", "1",
                             "--out", str(tiny_disk / "run")], capture_output=True, text=True,
                            env=cli_env(), cwd=ROOT, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "the disk is full" in result.stderr and "Traceback" not in result.stderr
    assert not [p for p in os.listdir(tiny_disk / "run") if p.endswith(".tmp")]
