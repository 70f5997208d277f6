"""`autograd-mini train --model cnn`: two conv layers on the bundled 8×8 digits."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nn
from nn import cli
from nn.training import recipes


def test_train_cnn_on_digits_learns_and_saves_a_cnn(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["train", "--model", "cnn", "--epochs", "2", "--hidden", "32", "--quiet",
                     "--no-plots", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["model"] == "cnn"
    assert metrics["test_accuracy"] > 0.7  # two epochs; 40 (the default) reach about 98.5%
    model = nn.load_model(out / "model.npz")
    assert any(isinstance(layer, nn.Conv2d) for layer in model)
    assert model(np.zeros((3, 64), dtype=np.float32)).shape == (3, 10)


def test_cnn_front_on_flat_8x8_rows():
    config = {**recipes.default_config("digits"), "model": "cnn"}
    model = recipes.build_model(config, 64, 10)
    names = [type(layer).__name__ for layer in model][:8]
    assert names == ["Unflatten", "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d",
                     "Flatten"]
    assert model(np.zeros((2, 64), dtype=np.float32)).shape == (2, 10)


def test_cnn_needs_square_images():
    config = {**recipes.default_config("moons"), "model": "cnn"}
    with pytest.raises(ValueError, match="model 'cnn' needs square images .* got 2 features"):
        recipes.build_model(config, 2, 2)


def test_configs_stored_before_the_model_option_build_an_mlp():
    config = recipes.default_config("digits")
    del config["model"]
    assert recipes.validate_config(config)["model"] == "mlp"
    with pytest.raises(ValueError, match="model must be one of mlp, cnn, rnn; got .gnn."):
        recipes.validate_config({**config, "model": "gnn"})
