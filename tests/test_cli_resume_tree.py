"""`train --resume` from a checkpoint that reads as a file but holds the wrong tree: one clear
"cannot resume" message and exit 1, never a traceback, and the checkpoint left as it was."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from fifo_guard import raises_without_blocking_on_fifo

import nn
from nn import cli
from nn.training.checkpoint import GLOBAL_NUMPY, CheckpointError

RUN = ["train", "--data", "moons", "--hidden", "4", "--quiet", "--no-plots"]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert cli.main([*RUN, "--epochs", "2", "--out", str(out)]) == 0
    return out


def _set(tree, path, value):
    *parents, last = path
    for key in parents:
        tree = tree[key]
    if value is _DELETE:
        del tree[last]
    else:
        tree[last] = value


_DELETE = object()
# Each gave its own traceback before (the exception and where are noted), or was taken for a
# usage error: ("stop_training",) deleted was a KeyError in the Trainer, and so on.
WRONG_TREES = {
    "stop_training missing (KeyError)": (("stop_training",), _DELETE),
    "epoch None (TypeError)": (("epoch",), None),
    "history None (AttributeError)": (("history",), None),
    "history column a string (ValueError)": (("history", "epoch"), "x"),
    "generators None (AttributeError)": (("generators",), None),
    "global RNG key a list (IndexError in numpy)": (
        ("generators", GLOBAL_NUMPY, "state", "key"), []),
    "loader RNG state negative (OverflowError in numpy)": (
        ("loader", "bit_generator", "state", "state"), -3),
    "optimizer state a None (AttributeError)": (("optimizer", "state", 0), None),
    "Adam buffer None (TypeError at the next step)": (
        ("optimizer", "state", 0, "exp_avg"), None),
    "best None (TypeError)": (("best",), None),
    "best wait a string (ValueError)": (("best", "wait"), "x"),
    "running epoch empty (KeyError)": (("running_epoch",), {}),
    "config a string (AttributeError in the CLI)": (("config",), "x"),
    "threads negative (ValueError setting BLAS threads)": (("config", "threads"), -3),
    "threads 10**30 (OverflowError inside ctypes)": (("config", "threads"), 10**30),
    "lr None (reported as a bad --lr)": (("config", "lr"), None),
    "kind missing": (("kind",), _DELETE),
}


@pytest.mark.hardening("cli/resume-wrong-tree")
@pytest.mark.parametrize("case", list(WRONG_TREES))
def test_resume_from_a_wrong_tree_says_cannot_resume_and_changes_nothing(
        tmp_path, capsys, finished_run, case):
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    state = nn.load(out / "last.npz")
    state["epochs"] = state["config"]["epochs"] = 3  # one epoch left: the restore is used
    _set(state, *WRONG_TREES[case])
    nn.save(state, out / "last.npz")
    before = (out / "last.npz").read_bytes()
    code = cli.main([*RUN, "--epochs", "3", "--out", str(out), "--resume"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "autograd-mini train: error: cannot resume: " in err and "Traceback" not in err
    assert (out / "last.npz").read_bytes() == before


@pytest.mark.hardening("cli/resume-wrong-tree")
def test_trainer_load_state_dict_names_the_wrong_entry_and_keeps_its_state(finished_run):
    from nn.training.recipes import build_trainer, default_config, load_dataset

    config = {**default_config("moons"), "hidden": [4], "epochs": 2}
    data = load_dataset("moons")
    trainer = build_trainer(config, data.X_train, data.y_train, task=data.task,
                            out_features=data.out_features, progress=False, log=None)
    weights = copy.deepcopy(trainer.model.state_dict())
    state = nn.load(finished_run / "last.npz")
    state["best"]["wait"] = "x"
    with pytest.raises(CheckpointError, match="best/wait should be an integer >= 0, found str"):
        trainer.load_state_dict(state)
    for name, value in trainer.model.state_dict().items():
        np.testing.assert_array_equal(value, weights[name])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_resume_from_a_fifo_is_refused_at_once(tmp_path, capsys, finished_run):
    out = tmp_path / "run"
    shutil.copytree(finished_run, out)
    (out / "last.npz").unlink()
    os.mkfifo(out / "last.npz")
    codes: list[int] = []
    error = raises_without_blocking_on_fifo(
        lambda fifo: codes.append(cli.main([*RUN, "--epochs", "2", "--out", str(out),
                                            "--resume"])), out / "last.npz")
    assert error is None and codes == [1]
    err = capsys.readouterr().err
    assert "cannot resume: cannot read checkpoint" in err and "is a FIFO (named pipe)" in err
