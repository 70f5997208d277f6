"""History records, columns, best epoch, and the JSON file."""

from __future__ import annotations

import json
import math

import pytest

from nn.training import History


def _history() -> History:
    history = History("accuracy")
    history.append(epoch=1, train_loss=1.0, train_metric=0.5, val_loss=0.9, val_metric=0.6,
                   lr=0.1, time=1.5)
    history.append(epoch=2, train_loss=0.5, train_metric=0.8, val_loss=0.7, val_metric=0.75,
                   lr=0.05, time=1.4)
    history.append(epoch=3, train_loss=0.3, train_metric=0.9, val_loss=math.nan,
                   val_metric=0.7, lr=0.01, time=1.3)
    return history


def test_columns_best_and_nan_cleaning():
    history = _history()
    assert len(history) == 3
    assert history["train_loss"] == [1.0, 0.5, 0.3]
    assert math.isnan(history["val_loss"][2])  # a diverged epoch shows as NaN, not as None
    assert history.to_dict()["val_loss"][2] is None  # NaN has no JSON form
    assert history.best("val_loss")["epoch"] == 2
    assert history.best("val_metric", mode="max")["epoch"] == 2
    assert history.best("train_loss")["epoch"] == 3
    with pytest.raises(KeyError, match="no column"):
        history["accuracy"]
    with pytest.raises(ValueError, match="unknown columns"):
        history.append(epoch=4, acc=1.0)


def test_json_round_trip(tmp_path):
    history = _history()
    path = history.save(tmp_path / "history.json")
    data = json.loads(path.read_text())
    assert data["metric"] == "accuracy"
    assert data["lr"] == [0.1, 0.05, 0.01]
    loaded = History.load(path)
    assert loaded.to_dict() == history.to_dict()
    assert loaded.records[:2] == history.records[:2]  # the NaN of epoch 3 comes back as None
    assert loaded.metric == "accuracy"
    assert History.from_dict(history.to_dict()).to_dict() == history.to_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["history.json"]  # no temp file left


def test_keras_style_history_dict_and_epoch_list():
    history = _history()
    assert history.history["loss"] == [1.0, 0.5, 0.3]
    assert history.history["accuracy"] == [0.5, 0.8, 0.9]
    assert history.history["val_accuracy"] == [0.6, 0.75, 0.7]
    assert history.history["lr"] == [0.1, 0.05, 0.01]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert history.epoch == [1, 2, 3]
    bare = History()
    bare.append(epoch=1, train_loss=0.5, lr=0.1)
    assert set(bare.history) == {"loss", "lr"}  # columns never filled are left out


def test_plot_returns_a_figure_a_notebook_shows_inline(tmp_path):
    pytest.importorskip("matplotlib")
    history = _history()
    figure = history.plot(tmp_path / "curves.png", title="run")
    assert figure._repr_png_().startswith(b"\x89PNG")  # what Jupyter calls for a cell's value
    assert (tmp_path / "curves.png").read_bytes().startswith(b"\x89PNG")
    assert len(figure.axes) == 3  # loss, accuracy, learning rate
