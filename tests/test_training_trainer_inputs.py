"""What the Trainer and nn.fit accept, refuse and say before any epoch runs: validation sets,
batch sizes, arrays instead of loaders, a diverging loss, silence with progress=False."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from nn.data import DataLoader, make_moons
from nn.losses import CrossEntropyLoss, MSELoss
from nn.optim import SGD, Adam
from nn.training import Trainer, TrainingDiverged, fit

X, Y = make_moons(75, 0.15, 0, dtype=np.float32)  # 75 = 2·37 + 1: a last batch of one sample


def _model(batchnorm: bool = False, seed: int = 0) -> nn.Sequential:
    layers = [nn.Linear(2, 8, rng=seed)]
    if batchnorm:
        layers.append(nn.BatchNorm1d(8))
    return nn.Sequential(*layers, nn.ReLU(), nn.Linear(8, 2, rng=seed + 1))


def _trainer(model, batch_size: int = 16, **options) -> Trainer:
    options.setdefault("epochs", 2)
    options.setdefault("progress", False)
    loader = DataLoader(X, Y, batch_size=batch_size, seed=np.random.default_rng(7))
    return Trainer(model, Adam(model.parameters(), lr=0.01), CrossEntropyLoss(), loader,
                   **options)


@pytest.mark.hardening("training/empty-validation")
def test_an_empty_validation_set_is_refused_before_training():
    """It scored val_loss = 0.0, which then won best-model selection and early stopping."""
    with pytest.raises(ValueError, match=r"val_data holds 0 samples.*val_data=None"):
        _trainer(_model(), val_data=(X[:0], Y[:0]))
    trainer = _trainer(_model())
    with pytest.raises(ValueError, match="evaluate: X holds 0 samples"):
        trainer.evaluate(X[:0], Y[:0])
    with pytest.raises(ValueError, match=r"same number of samples.*\(5, 2\) and \(4,\)"):
        _trainer(_model(), val_data=(X[:5], Y[:4]))


@pytest.mark.hardening("training/trainer-options")
@pytest.mark.parametrize(("option", "value", "expected"), [
    ("eval_batch_size", 0, r"eval_batch_size must be an int >= 1, got 0"),
    ("eval_batch_size", 2.5, r"eval_batch_size must be an int >= 1, got 2.5"),
    ("monitor_every", 0, r"monitor_every must be an int >= 1, got 0"),
    ("max_grad_norm", "1", r"max_grad_norm must be a real number >= 0, got '1'"),
    ("epochs", "3", r"epochs must be an int >= 0, got '3'"),
    ("stop_on_nan", "no", r"stop_on_nan must be True or False"),
    ("callbacks", [print], r"callbacks must be nn.training.Callback instances"),
])
def test_bad_options_are_refused_when_the_trainer_is_built(option, value, expected):
    """eval_batch_size=0 failed only after a whole epoch: 'range() arg 3 must not be zero'."""
    with pytest.raises(ValueError, match=f"Trainer: {expected}") if option != "callbacks" \
            else pytest.raises(TypeError, match=expected):
        _trainer(_model(), **{option: value})


@pytest.mark.hardening("training/batchnorm-batch-of-one")
def test_batchnorm_skips_a_last_batch_of_one_sample_and_says_so_once():
    """The batch of one sample crashed BatchNorm after a whole epoch (digits, batch 37)."""
    said: list[str] = []
    trainer = _trainer(_model(batchnorm=True), batch_size=37, epochs=3, log=said.append)
    history = trainer.fit()
    assert len(history) == 3 and trainer.step == 3 * 2  # two batches of 37 per epoch
    notes = [line for line in said if "holds 1 sample" in line]
    assert len(notes) == 1 and "BatchNorm1d" in notes[0] and "skipped" in notes[0]
    with pytest.raises(ValueError, match=r"BatchNorm1d.*batch_size=1.*use batch_size >= 2"):
        _trainer(_model(batchnorm=True), batch_size=1)


@pytest.mark.hardening("training/batchnorm-batch-of-one")
def test_batchnorm_resume_across_the_single_sample_batch_is_exact(tmp_path):
    """--resume died at the same batch; now it continues and matches an unbroken run."""
    whole = _trainer(_model(batchnorm=True), batch_size=37, epochs=3, log=None)
    whole.fit()
    first = _trainer(_model(batchnorm=True), batch_size=37, epochs=1, log=None,
                     checkpoint_dir=tmp_path)
    first.fit()
    rest = _trainer(_model(batchnorm=True), batch_size=37, epochs=3, log=None,
                    checkpoint_dir=tmp_path)
    rest.fit(resume=True)
    for key, value in whole.model.state_dict().items():
        assert np.array_equal(value, rest.model.state_dict()[key]), key


def _diverging(stop_on_nan: bool, said: list[str]) -> Trainer:
    Xr = np.linspace(-1, 1, 64, dtype=np.float32)[:, None]
    model = nn.Sequential(nn.Linear(1, 4, rng=0), nn.Linear(4, 1, rng=1))
    loader = DataLoader(Xr, 3 * Xr, batch_size=16, seed=0)
    return Trainer(model, SGD(model.parameters(), lr=1e6), MSELoss(), loader, epochs=3,
                   progress=False, log=said.append, stop_on_nan=stop_on_nan)


@pytest.mark.hardening("training/diverging")
@pytest.mark.filterwarnings("ignore:overflow|invalid value:RuntimeWarning")
def test_a_diverging_run_stops_naming_the_epoch_and_a_lower_learning_rate():
    """The NaN loss was hidden: dropped from the epoch lines, None in History, training on."""
    said: list[str] = []
    trainer = _diverging(True, said)
    with pytest.raises(TrainingDiverged, match=r"batch loss is (nan|inf) at epoch 1, step "
                                               r"\d+, with lr=1e\+06.*lr=100000"):
        trainer.fit()
    assert issubclass(TrainingDiverged, FloatingPointError)


@pytest.mark.hardening("training/diverging")
@pytest.mark.filterwarnings("ignore:overflow|invalid value:RuntimeWarning")
def test_stop_on_nan_false_keeps_going_and_the_epoch_lines_show_nan():
    said: list[str] = []
    history = _diverging(False, said).fit()
    assert len(history) == 3 and math.isnan(history["train_loss"][-1])
    assert "loss nan" in said[-1] and "r2" in said[-1]


@pytest.mark.hardening("training/fit-arguments")
def test_fit_accepts_arrays_as_keras_users_pass_them():
    """(X, y) gave 'too many values to unpack', X, y a matmul error."""
    for args, kwargs in [(((X, Y), 2), {}), ((X, Y, 2), {}), ((X, Y), {"epochs": 2}),
                         (((X, Y),), {"epochs": 2, "batch_size": 8, "seed": 0})]:
        model = _model()
        history = fit(model, Adam(model.parameters(), lr=0.01), CrossEntropyLoss(), *args,
                      progress=False, **kwargs)
        assert len(history) == 2
    model = _model()
    optimizer = Adam(model.parameters(), lr=0.01)
    with pytest.raises(TypeError, match=r"one array of shape \(75, 2\).*targets.*\(X, y\)"):
        fit(model, optimizer, CrossEntropyLoss(), X, 2)
    with pytest.raises(TypeError, match="missing epochs"):
        fit(model, optimizer, CrossEntropyLoss(), (X, Y))
    with pytest.raises(TypeError, match=r"a tuple of 1 array \(\(75, 2\)\).*pair \(X, y\)"):
        fit(model, optimizer, CrossEntropyLoss(), (X,), 2)  # was 'too many values to unpack'
    with pytest.raises(TypeError, match=r"a list of 3 arrays \(\(75, 2\), \(75,\), \(75,\)\)"):
        fit(model, optimizer, CrossEntropyLoss(), [X, Y, Y], 2)
    with pytest.raises(ValueError, match="DataLoader has its own"):
        fit(model, optimizer, CrossEntropyLoss(), DataLoader(X, Y), 2, batch_size=8)
    with pytest.raises(TypeError, match="cannot train on a dict"):
        fit(model, optimizer, CrossEntropyLoss(), {"X": X}, 2)


def test_progress_false_prints_nothing(capsys):
    model = _model()
    fit(model, Adam(model.parameters(), lr=0.01), CrossEntropyLoss(), (X, Y), 2, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    said: list[str] = []
    _trainer(_model(), log=said.append).fit()  # an explicit log still gets the epoch lines
    assert len(said) == 2


def test_a_list_of_batches_still_trains_and_a_list_pair_is_arrays():
    model = _model()
    optimizer = Adam(model.parameters(), lr=0.01)
    batches = [(X[:40], Y[:40]), (X[40:], Y[40:])]
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), batches, epochs=2, progress=False)
    assert len(trainer.fit()) == 2 and trainer.step == 4
    trainer = Trainer(model, optimizer, CrossEntropyLoss(), [X, Y], epochs=1, progress=False)
    assert isinstance(trainer.train_loader, DataLoader) and len(trainer.train_loader) == 3


def test_early_stopping_is_a_callback_and_the_old_keyword_still_works():
    model = _model()
    with pytest.warns(DeprecationWarning, match=r"early_stopping=.*callbacks=\[\.\.\.\]") as seen:
        trainer = _trainer(model, epochs=30, early_stopping=nn.EarlyStopping(1, min_delta=9.0))
    assert seen[0].filename == __file__  # points at the caller's line
    assert trainer.early_stopping in trainer.callbacks
    assert len(trainer.fit()) == 2  # nothing improves by 9: stops one epoch after the first
    with pytest.raises(ValueError, match="more than one EarlyStopping"), \
            pytest.warns(DeprecationWarning):
        _trainer(_model(), early_stopping=nn.EarlyStopping(1), callbacks=[nn.EarlyStopping(2)])
