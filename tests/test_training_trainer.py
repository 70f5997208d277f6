"""Trainer/fit on tiny synthetic problems: learning, early stopping, checkpoints, exact resume."""

from __future__ import annotations

import errno
import json
import os

import numpy as np
import pytest
from full_disk import fill

from nn import serialization
from nn.data import DataLoader, make_moons, make_smooth_function
from nn.layers import Linear
from nn.losses import CrossEntropyLoss, MSELoss
from nn.module import Sequential
from nn.optim import SGD, Adam
from nn.optim.lr_scheduler import CosineAnnealingLR
from nn.training import (
    Callback,
    CheckpointError,
    EarlyStopping,
    History,
    Trainer,
    fit,
    load_checkpoint,
)
from nn.training.recipes import build_model, default_config

X, Y = make_moons(240, 0.15, 0, dtype=np.float32)
X_VAL, Y_VAL = make_moons(80, 0.15, 1, dtype=np.float32)


def _parts(seed: int = 0, dropout: float = 0.2, batchnorm: bool = True):
    config = {**default_config("moons"), "hidden": [16, 16], "dropout": dropout,
              "batchnorm": batchnorm, "seed": seed}
    model = build_model(config, 2, 2)
    optimizer = Adam(model.parameters(), lr=0.01)
    scheduler = CosineAnnealingLR(optimizer, T_max=4)
    loader = DataLoader(X, Y, batch_size=16, seed=np.random.default_rng(seed + 100))
    return model, optimizer, scheduler, loader


def _trainer(tmp_path, seed: int = 0, **options) -> Trainer:
    model, optimizer, scheduler, loader = _parts(seed)
    options.setdefault("epochs", 4)
    return Trainer(model, optimizer, CrossEntropyLoss(), loader, val_data=(X_VAL, Y_VAL),
                   scheduler=scheduler, checkpoint_dir=tmp_path, progress=False, log=None,
                   **options)


def _weights(model) -> dict[str, np.ndarray]:
    return model.state_dict()


def _assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key


def test_fit_learns_moons_and_records_history(tmp_path):
    model, optimizer, scheduler, loader = _parts(dropout=0.0, batchnorm=False)
    history = fit(model, optimizer, CrossEntropyLoss(), loader, 30, val_data=(X_VAL, Y_VAL),
                  scheduler=scheduler, progress=False, log=None)
    assert isinstance(history, History) and len(history) == 30
    assert history.metric == "accuracy"
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    assert history["val_metric"][-1] >= 0.9  # two moons with little noise are separable
    assert history["epoch"] == list(range(1, 31))
    assert all(t > 0 for t in history["time"])


def test_regression_reports_r2_and_step_scheduler():
    Xr, yr = make_smooth_function(200, 2, 0, dtype=np.float32)
    model = Sequential(Linear(2, 32, rng=0), Linear(32, 1, rng=1))
    optimizer = SGD(model.parameters(), lr=0.05)
    scheduler = CosineAnnealingLR(optimizer, T_max=10 * 13)
    trainer = Trainer(model, optimizer, MSELoss(), DataLoader(Xr, yr, 16, seed=0), epochs=10,
                      val_data=(Xr, yr), scheduler=scheduler, scheduler_interval="step",
                      progress=False, log=None)
    history = trainer.fit()
    assert trainer.metric == "r2"
    assert trainer.step == 10 * 13 and scheduler.last_epoch == 130
    assert history["lr"][0] == 0.05 and history["lr"][-1] < 0.01  # the rate at epoch start
    r2 = trainer.evaluate(Xr, yr)["r2"]
    assert 0.0 < r2 <= 1.0
    assert history["val_metric"][-1] == pytest.approx(r2)


def test_early_stopping_stops_and_restores_best(tmp_path):
    class Record(Callback):
        def on_epoch_end(self, trainer, record):
            seen.append(record["val_loss"])

    seen: list[float] = []
    model, optimizer, _, loader = _parts(dropout=0.0, batchnorm=False)
    # A learning rate this large makes Adam diverge after a good first epoch or two.
    for group in optimizer.param_groups:
        group["lr"] = 0.5
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), loader, epochs=40,
                      val_data=(X_VAL, Y_VAL), checkpoint_dir=tmp_path,
                      callbacks=[Record(), EarlyStopping(patience=3)], progress=False,
                      log=None)
    history = trainer.fit()
    best = history.best("val_loss")
    assert trainer.stop_training and len(history) < 40
    assert len(history) == best["epoch"] + 3  # stopped exactly `patience` epochs after the best
    assert trainer.best_epoch == best["epoch"]
    # the restored weights reproduce the best epoch's validation loss
    assert trainer.evaluate(X_VAL, Y_VAL)["loss"] == pytest.approx(best["val_loss"], rel=1e-6)
    saved = load_checkpoint(tmp_path / "best.npz")
    assert saved["epoch"] == best["epoch"]
    _assert_same_weights(saved["model"], _weights(model))
    assert seen == history["val_loss"]


def test_min_delta_counts_small_gains_as_no_improvement():
    model, optimizer, _, loader = _parts()
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), loader, epochs=1,
                      callbacks=[EarlyStopping(2, min_delta=0.1)], progress=False, log=None)
    for epoch, loss in enumerate([1.0, 0.95, 0.92], 1):
        assert not trainer.stop_training
        trainer._update_best({"epoch": epoch, "train_loss": loss})
    assert trainer.stop_training and trainer.best_value == 1.0 and trainer.best_epoch == 1
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(0)


def test_history_json_and_checkpoint_files(tmp_path):
    trainer = _trainer(tmp_path, epochs=3)
    trainer.fit()
    data = json.loads((tmp_path / "history.json").read_text())
    assert data["epoch"] == [1, 2, 3] and data["metric"] == "accuracy"
    assert data["train_loss"] == trainer.history["train_loss"]
    state = load_checkpoint(tmp_path / "last.npz")
    assert state["epoch"] == 3 and state["step"] == 3 * len(trainer.train_loader)
    assert state["loader"]["epoch"] == 3 and state["loader"]["batch"] == 0
    assert state["running_epoch"] is None
    assert state["scheduler"]["last_epoch"] == 3
    dropout_names = [k for k in state["generators"] if k.endswith(".rng")]
    assert len(dropout_names) == 2  # one generator per Dropout module, found by walking modules
    assert sorted(os.listdir(tmp_path)) == ["best.npz", "history.json", "last.npz"]


def test_checkpoint_round_trip_restores_everything(tmp_path):
    trainer = _trainer(tmp_path, epochs=2)
    trainer.fit()
    other = _trainer(tmp_path / "other", seed=7, epochs=2)  # different init and shuffling
    other.load_checkpoint(tmp_path / "last.npz")
    _assert_same_weights(_weights(trainer.model), _weights(other.model))
    assert other.epoch == 2 and other.step == trainer.step
    assert other.history.records == trainer.history.records
    assert other.scheduler.state_dict() == trainer.scheduler.state_dict()
    assert other.optimizer.param_groups[0]["lr"] == trainer.optimizer.param_groups[0]["lr"]
    for a, b in zip(trainer.optimizer.state.values(), other.optimizer.state.values()):
        assert a["step"] == b["step"]
        assert np.array_equal(a["exp_avg_sq"], b["exp_avg_sq"])
    assert other.train_loader.state_dict() == trainer.train_loader.state_dict()
    for (_, g1), (_, g2) in zip(sorted(_generators(trainer.model)),
                                sorted(_generators(other.model))):
        assert g1.bit_generator.state == g2.bit_generator.state


def _generators(model):
    from nn.training.checkpoint import find_generators

    return find_generators(model).items()


class _Crash(Callback):
    def __init__(self, at_step: int) -> None:
        self.at_step = at_step

    def on_step_end(self, trainer, loss):
        if trainer.step == self.at_step:
            raise RuntimeError("simulated crash")


@pytest.mark.parametrize("crash_step", [1, 23, 30, 31])  # mid-epoch, and around an epoch end
def test_resume_after_crash_mid_epoch_is_bitwise_identical(tmp_path, crash_step):
    reference = _trainer(tmp_path / "reference")
    reference.fit()
    assert len(reference.train_loader) == 15  # so steps 23 and 31 are inside epochs 2 and 3

    crashing = _trainer(tmp_path / "run", checkpoint_every=1, callbacks=[_Crash(crash_step)])
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashing.fit()
    state = load_checkpoint(tmp_path / "run" / "last.npz")
    assert state["step"] == crash_step
    assert state["loader"]["batch"] == (crash_step % 15 or (15 if crash_step >= 15 else 0))

    resumed = _trainer(tmp_path / "run", seed=3)  # wrong seed: everything must come from disk
    resumed.fit(resume=True)
    _assert_same_weights(_weights(reference.model), _weights(resumed.model))
    assert resumed.step == reference.step
    strip = [{k: v for k, v in r.items() if k != "time"} for r in reference.history]
    assert [{k: v for k, v in r.items() if k != "time"} for r in resumed.history] == strip


def test_resume_refuses_a_different_config(tmp_path):
    trainer = _trainer(tmp_path, epochs=1, config={"lr": 0.01})
    trainer.fit()
    other = _trainer(tmp_path, epochs=1, config={"lr": 0.1})
    with pytest.raises(CheckpointError, match="lr: checkpoint 0.01, now 0.1"):
        other.fit(resume=True)


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        _trainer(tmp_path).fit(resume=True)


def test_full_disk_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    trainer = _trainer(tmp_path, epochs=3)
    kept = {}

    class FillDisk(Callback):
        def on_epoch_end(self, trainer, record):
            if trainer.epoch == 1:
                kept.update(load_checkpoint(tmp_path / "last.npz"))

                def no_space(fd):
                    raise OSError(errno.ENOSPC, "No space left on device")

                monkeypatch.setattr(os, "fsync", no_space)

    trainer.callbacks.append(FillDisk())
    with pytest.raises(CheckpointError, match="disk is full.*previous checkpoint is kept"):
        trainer.fit()
    monkeypatch.undo()
    after = load_checkpoint(tmp_path / "last.npz")
    assert kept["epoch"] == after["epoch"] == 1  # the epoch-1 checkpoint survived, readable
    _assert_same_weights(kept["model"], after["model"])
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # no temp files left


def test_unwritable_checkpoint_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    trainer = _trainer(blocker / "sub", epochs=1)
    with pytest.raises(CheckpointError, match="could not write checkpoint"):
        trainer.fit()


def test_gradient_monitor_and_clipping_are_called(tmp_path):
    from nn.monitor import GradientMonitor

    model, optimizer, _, loader = _parts(dropout=0.0, batchnorm=False)
    monitor = GradientMonitor(model)
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), loader, epochs=2, max_grad_norm=0.5,
                      gradient_monitor=monitor, monitor_every=5, progress=False, log=None)
    trainer.fit()
    steps = [entry["step"] for entry in monitor.history]
    assert steps == list(range(0, 30, 5))
    assert all(layer["update_ratio"] is not None for layer in monitor.history[0]["layers"].values())


def test_gradient_monitor_history_survives_a_crash_and_resume(tmp_path):
    """The checkpoint keeps the monitor's records, so a resumed run's gradient-health plot
    covers the whole run, exactly as an uninterrupted run's does."""
    from nn.monitor import GradientMonitor

    def monitored(directory, **options):
        trainer = _trainer(directory, **options)
        trainer.gradient_monitor = GradientMonitor(trainer.model)
        trainer.monitor_every = 5
        return trainer

    reference = monitored(tmp_path / "reference")
    reference.fit()
    crashing = monitored(tmp_path / "run", checkpoint_every=1, callbacks=[_Crash(23)])
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashing.fit()
    resumed = monitored(tmp_path / "run")
    resumed.fit(resume=True)
    assert [e["step"] for e in resumed.gradient_monitor.history] == list(range(0, 60, 5))
    assert resumed.gradient_monitor.history == reference.gradient_monitor.history


def test_bad_arguments_are_rejected():
    model, optimizer, _, loader = _parts()
    with pytest.raises(ValueError, match="epochs"):
        Trainer(model, optimizer, CrossEntropyLoss(), loader, epochs=-1)
    with pytest.raises(ValueError, match="checkpoint_dir"):
        Trainer(model, optimizer, CrossEntropyLoss(), loader, epochs=1, checkpoint_every=2)
    with pytest.raises(ValueError, match="needs val_data"):
        Trainer(model, optimizer, CrossEntropyLoss(), loader, epochs=1, monitor="val_loss")
    with pytest.raises(ValueError, match="cannot monitor"):
        Trainer(model, optimizer, CrossEntropyLoss(), loader, epochs=1, monitor="loss")


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


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, np.ndarray]:
    trainer = _trainer(tmp_path_factory.mktemp("clean"), seed=3, epochs=3)
    trainer.fit()
    return trainer.model.state_dict()


class _BreakAfterEpoch(Callback):
    """From the end of epoch 1 on, every checkpoint write fails as `where` / `error_number`."""

    def __init__(self, monkeypatch, where: str, error_number: int) -> None:
        self.monkeypatch, self.where, self.error_number = monkeypatch, where, error_number

    def on_epoch_end(self, trainer: Trainer, record: dict) -> None:
        if trainer.epoch == 1:
            _break(self.monkeypatch, self.where, self.error_number)


@pytest.mark.hardening("faults/checkpoint-write")
@pytest.mark.parametrize("error_number", list(REASONS), ids=errno.errorcode.get)
@pytest.mark.parametrize("where", ["open", "write", "fsync", "replace"])
def test_failed_checkpoint_write_is_clear_keeps_the_previous_one_and_resumes_exactly(
        tmp_path, monkeypatch, uninterrupted, where, error_number):
    trainer = _trainer(tmp_path, seed=3, epochs=3)
    trainer.callbacks.append(_BreakAfterEpoch(monkeypatch, where, error_number))
    with pytest.raises(CheckpointError) as info:
        trainer.fit()
    message = str(info.value)  # epoch 2 writes best.npz (val loss improved), then last.npz
    assert f"could not write checkpoint {tmp_path / 'best.npz'}" in message
    assert REASONS[error_number] in message and "the previous checkpoint is kept" in message
    monkeypatch.undo()  # space is freed, permissions fixed
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert load_checkpoint(tmp_path / "last.npz")["epoch"] == 1  # intact, and the old one
    resumed = _trainer(tmp_path, seed=3, epochs=3)
    resumed.fit(resume=True)
    _assert_same_weights(resumed.model.state_dict(), uninterrupted)


@pytest.mark.hardening("faults/history-write")
def test_unwritable_history_file_is_a_checkpoint_error_and_keeps_the_old_history(
        tmp_path, monkeypatch):
    from nn.training import history

    trainer = _trainer(tmp_path, seed=3, epochs=2)

    class BreakHistory(Callback):  # (history.json is written after last.npz)
        def on_epoch_end(self, trainer, record):
            monkeypatch.setattr(history, "write_text_atomic", _fail(errno.ENOSPC))

    trainer.callbacks.append(BreakHistory())
    with pytest.raises(CheckpointError, match=r"could not write .*history\.json: .*No space"):
        trainer.fit()
    assert '"epoch": [\n  1\n ]' in (tmp_path / "history.json").read_text()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


@pytest.mark.hardening("faults/real-full-disk")
def test_a_really_full_disk_keeps_the_previous_checkpoint_and_resumes_exactly(
        tiny_disk, uninterrupted):
    trainer = _trainer(tiny_disk, seed=3, epochs=3)
    filled = []

    class FillDisk(Callback):
        def on_epoch_end(self, trainer, record):
            if trainer.epoch == 1:
                filled.append(fill(tiny_disk))

    trainer.callbacks.append(FillDisk())
    with pytest.raises(CheckpointError, match="the disk is full.*previous checkpoint is kept"):
        trainer.fit()
    filled[0].unlink()
    assert not [p for p in os.listdir(tiny_disk) if p.endswith(".tmp")]
    assert load_checkpoint(tiny_disk / "last.npz")["epoch"] == 1
    resumed = _trainer(tiny_disk, seed=3, epochs=3)
    resumed.fit(resume=True)
    _assert_same_weights(resumed.model.state_dict(), uninterrupted)
