"""Recipes: configs are validated with clear messages; builders are seeded and complete."""

from __future__ import annotations

import numpy as np
import pytest

from nn.activations import Tanh
from nn.dropout import Dropout
from nn.normalization import BatchNorm1d
from nn.optim import SGD, AdamW
from nn.optim.lr_scheduler import CosineAnnealingLR, StepLR
from nn.training.recipes import (
    DATASETS,
    build_model,
    build_optimizer,
    build_scheduler,
    build_trainer,
    default_config,
    load_dataset,
    make_loader,
    validate_config,
)


def test_default_configs_are_valid_for_every_dataset():
    for name in DATASETS:
        config = default_config(name)
        assert validate_config(config) == config
    assert default_config("mnist")["hidden"] == [256, 128]
    with pytest.raises(ValueError, match="unknown data set 'cifar'"):
        default_config("cifar")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("lr", 0.0, "lr must be > 0"),
    ("dropout", 1.0, "dropout must be >= 0.0 and < 1.0"),
    ("hidden", [64, 0], "hidden must be a list of positive layer widths"),
    ("activation", "swish", "activation must be one of"),
    ("batch_size", 0, "batch_size must be an integer >= 1"),
    ("batchnorm", "yes", "batchnorm must be true or false"),
])
def test_validate_config_names_the_bad_field(key, value, message):
    with pytest.raises(ValueError, match=message):
        validate_config({**default_config(), key: value})


def test_build_model_layout_and_seeding():
    config = {**default_config(), "hidden": [8, 4], "activation": "tanh", "dropout": 0.5,
              "batchnorm": True}
    model = build_model(config, 5, 3)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "BatchNorm1d", "Tanh", "Dropout"] * 2 + ["Linear"]
    assert isinstance(model[2], Tanh) and isinstance(model[1], BatchNorm1d)
    same, other = build_model(config, 5, 3), build_model({**config, "seed": 1}, 5, 3)
    for key, value in model.state_dict().items():
        assert np.array_equal(value, same.state_dict()[key])
    assert not np.array_equal(model[0].weight.data, other[0].weight.data)
    dropouts = [m for m in model if isinstance(m, Dropout)]
    # each Dropout has its own stream: equal seeds would drop the same units in both layers
    assert dropouts[0].rng.random() != dropouts[1].rng.random()
    assert model[0].weight.dtype == np.float32


def test_optimizer_scheduler_and_loader_builders():
    config = {**default_config(), "optimizer": "adamw", "weight_decay": 0.01, "epochs": 9}
    model = build_model(config, 4, 2)
    optimizer = build_optimizer(config, model.parameters())
    assert isinstance(optimizer, AdamW) and optimizer.param_groups[0]["weight_decay"] == 0.01
    assert isinstance(build_scheduler(config, optimizer), CosineAnnealingLR)
    sgd = build_optimizer({**config, "optimizer": "sgd"}, model.parameters())
    assert isinstance(sgd, SGD) and sgd.param_groups[0]["momentum"] == 0.9
    step = build_scheduler({**config, "scheduler": "step"}, sgd)
    assert isinstance(step, StepLR) and step.step_size == 3
    assert build_scheduler({**config, "scheduler": "none"}, sgd) is None
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    first = [yb.tolist() for _, yb in make_loader(config, X, y)]
    assert first == [yb.tolist() for _, yb in make_loader(config, X, y)]


def test_build_trainer_wires_the_recipe_and_passes_options_through():
    config = {**default_config(), "hidden": [8], "optimizer": "sgd", "epochs": 2,
              "batch_size": 5, "scheduler": "step"}
    X = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
    y = np.arange(20) % 2
    trainer = build_trainer(config, X, y, task="classification", out_features=2,
                            progress=False, log=None, config={"note": "stored"})
    reference = build_model(config, 3, 2)
    for (name, p), (_, q) in zip(trainer.model.named_parameters(),
                                 reference.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)  # same seeded init
    assert isinstance(trainer.optimizer, SGD) and isinstance(trainer.scheduler, StepLR)
    assert len(trainer.train_loader) == 4 and trainer.epochs == 2
    history = trainer.fit()
    assert len(history) == 2
    with pytest.raises(ValueError, match="hidden"):
        build_trainer({**config, "hidden": [0]}, X, y, task="classification", out_features=2)


def test_load_dataset_splits_digits_and_lorenz():
    digits = load_dataset("digits")
    assert digits.task == "classification" and digits.out_features == 10
    assert len(digits.X_train) + len(digits.X_val) + len(digits.X_test) == 1797
    assert digits.X_train.dtype == np.float32 and digits.in_features == 64
    lorenz = load_dataset("lorenz")
    assert lorenz.task == "regression" and lorenz.y_train.shape[1] == 3
