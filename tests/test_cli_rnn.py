"""`autograd-mini train --model rnn`: the digits' rows as sequences into an LSTM (or GRU, RNN)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import cli
from nn.serialization import load
from nn.training import recipes
from nn.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["train", "--model", "rnn", "--hidden", "12", "--epochs", "2", "--batch-size", "64",
         "--quiet", "--no-plots"]


def test_train_rnn_on_digits_learns_saves_and_evaluates(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main([*SMALL, "--hidden", "16,16", "--lr", "0.02", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["model"] == "rnn" and metrics["config"]["cell"] == "lstm"
    assert metrics["test_accuracy"] > 0.5  # two short epochs; 40 (the default) reach 96.7%
    model = nn.load_model(out / "model.npz")
    assert isinstance(model[1], nn.LastHiddenState) and isinstance(model[1].recurrent, nn.LSTM)
    assert model(np.zeros((3, 64), dtype=np.float32)).shape == (3, 10)
    capsys.readouterr()
    assert cli.main(["evaluate", "--model", str(out / "model.npz"), "--data", "digits"]) == 0
    assert f"accuracy {100 * metrics['test_accuracy']:.2f}%" in capsys.readouterr().out


def test_rnn_front_per_cell_reads_rows_as_time_steps():
    config = {**recipes.default_config("digits"), "model": "rnn", "hidden": [8, 5]}
    for cell, layer in (("lstm", nn.LSTM), ("gru", nn.GRU), ("rnn", nn.RNN)):
        model = recipes.build_model({**config, "cell": cell}, 64, 10)
        names = [type(m).__name__ for m in model]
        assert names == ["Unflatten", "LastHiddenState", "Linear", "ReLU", "Linear"]
        recurrent = model[1].recurrent
        assert isinstance(recurrent, layer) and recurrent.batch_first
        assert (recurrent.input_size, recurrent.hidden_size) == (8, 8)  # 8 rows of 8 pixels
        x = np.random.default_rng(0).random((2, 64), dtype=np.float32)
        expected = model[3](model[2](recurrent(x.reshape(2, 8, 8))[0][:, -1]))
        np.testing.assert_allclose(model[:4](x).data, expected.data, rtol=1e-6)


def test_interrupted_rnn_run_resumes_to_the_same_weights(tmp_path, monkeypatch):
    reference, interrupted = tmp_path / "reference", tmp_path / "interrupted"
    options = [*SMALL, "--cell", "gru", "--dropout", "0.2"]  # dropout: generator state too
    assert cli.main([*options, "--out", str(reference)]) == 0
    train_step = Trainer._train_step

    def interrupt_at_step_7(self, xb, yb):  # as Ctrl-C does: stop after this step
        if self.step == 7:
            self._interrupt.requested = True
        return train_step(self, xb, yb)

    monkeypatch.setattr(Trainer, "_train_step", interrupt_at_step_7)
    assert cli.main([*options, "--out", str(interrupted)]) == 130
    assert load(interrupted / "last.npz")["step"] == 8
    monkeypatch.setattr(Trainer, "_train_step", train_step)
    assert cli.main([*options, "--out", str(interrupted), "--resume"]) == 0
    ours, theirs = load(interrupted / "model.npz")["model"], load(reference / "model.npz")["model"]
    assert ours.keys() == theirs.keys() and "1.recurrent.weight_hh_l0" in ours
    for key in ours:
        assert np.array_equal(ours[key], theirs[key]), key


@pytest.mark.hardening("cli/model-data-mismatch")
def test_rnn_on_data_that_are_not_images_is_a_usage_error(tmp_path, capsys):
    code = cli.main(["train", "--model", "rnn", "--data", "moons", "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "--data moons: model 'rnn' reads each row as a square image" in err
    assert "got 2 features; use model 'mlp'" in err


@pytest.mark.hardening("cli/incompatible-options")
def test_cell_without_model_rnn_and_rnn_without_width_are_usage_errors(tmp_path, capsys):
    assert cli.main(["train", "--cell", "gru", "--out", str(tmp_path)]) == 2
    assert "cell 'gru' applies to model 'rnn' only, got model 'mlp'" in capsys.readouterr().err
    assert cli.main(["train", "--model", "rnn", "--hidden", "none", "--out", str(tmp_path)]) == 2
    assert "model 'rnn' needs at least one hidden width" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing written


def test_resume_accepts_checkpoints_written_before_the_cell_option(tmp_path):
    out = tmp_path / "run"
    assert cli.main(["train", "--hidden", "8", "--epochs", "2", "--batch-size", "256",
                     "--quiet", "--no-plots", "--out", str(out)]) == 0
    from nn.training.checkpoint import load_checkpoint, save_checkpoint

    state = load_checkpoint(out / "last.npz")
    old = {k: v for k, v in state["config"].items() if k != "cell"}
    save_checkpoint({**state, "config": old}, out / "last.npz")
    assert cli.main(["train", "--epochs", "3", "--quiet", "--no-plots", "--out", str(out),
                     "--resume"]) == 0
