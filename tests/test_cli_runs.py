"""The run in --out: the hint to resume it, extending it with --epochs, and not overwriting it
by accident."""

from __future__ import annotations

import json
import math
import shlex
from pathlib import Path

import pytest
from mnist_files import write_mnist

from nn import cli
from nn.training.trainer import Trainer, TrainingInterrupted

MOONS = ["train", "--data", "moons", "--hidden", "4", "--quiet", "--no-plots"]


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.hardening("cli/resume-hint")
def test_the_resume_hint_after_ctrl_c_keeps_every_option_the_checkpoint_does_not(
        tmp_path, capsys, monkeypatch):
    data = write_mnist(tmp_path / "my data", 200, 20)
    out = tmp_path / "run"

    def interrupted_fit(self: Trainer, resume: bool = False) -> None:
        path = self.save_checkpoint()
        raise TrainingInterrupted("training interrupted at epoch 1, step 0", path, 0, 0)

    monkeypatch.setattr(Trainer, "fit", interrupted_fit)
    code, _, err = _run(capsys, "train", "--data", "mnist", "--data-dir", str(data), "--out",
                        str(out), "--epochs", "2", "--patience", "3", "--checkpoint-every",
                        "5", "--no-plots", "--quiet", "--hidden", "8")
    assert code == 130
    hint = err.split("resume with: ")[1].splitlines()[0]
    args = cli.build_parser().parse_args(shlex.split(hint)[1:])  # quoted: a space in the path
    assert (args.data, args.data_dir, args.out) == ("mnist", str(data), str(out))
    assert (args.resume, args.patience, args.checkpoint_every) == (True, 3, 5)
    assert args.no_plots and args.quiet


def test_resume_with_more_epochs_extends_a_finished_run(tmp_path, capsys):
    out = str(tmp_path)
    assert _run(capsys, *MOONS, "--epochs", "2", "--out", out)[0] == 0
    code, _, err = _run(capsys, *MOONS, "--epochs", "4", "--out", out, "--resume")
    assert code == 0, err
    assert "44 steps and 2 epochs done; extending the run from 2 to 4 epochs" in err
    history = json.loads((tmp_path / "history.json").read_text())
    assert history["epoch"] == [1, 2, 3, 4]
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs_run"] == 4
    # The cosine schedule is stretched to the new length: epochs 3 and 4 run at lr(2), lr(3)
    # of a 4-epoch cosine (the first two ran at lr(0), lr(1) of a 2-epoch one).
    base = history["lr"][0]
    assert history["lr"][2:] == pytest.approx([base * (1 + math.cos(math.pi * t / 4)) / 2
                                              for t in (2, 3)])


def test_resume_with_fewer_epochs_than_done_is_refused(tmp_path, capsys):
    out = str(tmp_path)
    assert _run(capsys, *MOONS, "--epochs", "2", "--out", out)[0] == 0
    code, _, err = _run(capsys, *MOONS, "--epochs", "1", "--out", out, "--resume")
    assert code == 2 and "has already done 2 epochs; to extend it, give more" in err


@pytest.mark.hardening("cli/second-run")
def test_a_second_run_into_the_same_out_is_refused_unless_told(tmp_path, capsys):
    out = str(tmp_path)
    assert _run(capsys, *MOONS, "--epochs", "1", "--out", out)[0] == 0
    before = {name: (tmp_path / name).read_bytes() for name in ("last.npz", "model.npz")}
    code, _, err = _run(capsys, *MOONS, "--epochs", "1", "--seed", "1", "--out", out)
    assert code == 2
    assert f"{out} already holds a run (last.npz, best.npz, model.npz); pass --resume to " \
           "continue it, --overwrite to replace it" in err
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    code, _, _ = _run(capsys, *MOONS, "--epochs", "1", "--seed", "1", "--out", out,
                      "--overwrite")
    assert code == 0 and (tmp_path / "last.npz").read_bytes() != before["last.npz"]


def test_search_results_or_an_empty_directory_do_not_count_as_a_run(tmp_path: Path, capsys):
    (tmp_path / "results.json").write_text("{}")
    assert _run(capsys, *MOONS, "--epochs", "1", "--out", str(tmp_path))[0] == 0
