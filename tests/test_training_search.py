"""grid_search / random_search: every candidate tried, results sorted, best config, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data import make_moons
from nn.training.search import LogUniform, Uniform, grid_search, random_search

X, Y = make_moons(200, 0.1, 0, dtype=np.float32)
BASE = {"epochs": 3, "hidden": [8], "batch_size": 32}


def test_grid_search_tries_every_combination_sorted_best_first():
    space = {"lr": [1e-4, 3e-2], "activation": ["relu", "tanh"]}
    result = grid_search(space, X, Y, base_config=BASE, val_fraction=0.25, seed=0)
    assert len(result.results) == 4
    tried = {(r["params"]["lr"], r["params"]["activation"]) for r in result.results}
    assert tried == {(1e-4, "relu"), (1e-4, "tanh"), (3e-2, "relu"), (3e-2, "tanh")}
    scores = [r["score"] for r in result.results]
    assert scores == sorted(scores, reverse=True)
    assert [r["rank"] for r in result.results] == [1, 2, 3, 4]
    assert result.best_config == result.results[0]["config"]
    assert result.best_config["lr"] == 3e-2  # 3 epochs at 1e-4 cannot separate the moons
    assert result.best_config["epochs"] == 3 and result.metric == "accuracy"
    table = result.table().splitlines()
    assert table[0].split()[:3] == ["rank", "lr", "activation"]
    assert len(table) == 2 + 4


def test_kfold_scores_every_fold_and_is_reproducible():
    space = {"hidden": [[4], [16, 16]]}
    first = grid_search(space, X, Y, base_config=BASE, cv=3, seed=1)
    assert all(len(r["scores"]) == 3 for r in first.results)
    assert all(r["score"] == pytest.approx(np.mean(r["scores"])) for r in first.results)
    again = grid_search(space, X, Y, base_config=BASE, cv=3, seed=1)
    assert [r["scores"] for r in first.results] == [r["scores"] for r in again.results]


def test_random_search_is_seeded_and_draws_from_distributions():
    space = {"lr": LogUniform(1e-3, 1e-1), "dropout": Uniform(0.0, 0.3),
             "batch_size": [16, 64]}
    a = random_search(space, X, Y, 3, base_config=BASE, seed=4)
    b = random_search(space, X, Y, 3, base_config=BASE, seed=4)
    assert [r["params"] for r in a.results] == [r["params"] for r in b.results]
    for r in a.results:
        assert 1e-3 <= r["params"]["lr"] <= 1e-1 and 0 <= r["params"]["dropout"] <= 0.3
    lrs = {r["params"]["lr"] for r in a.results}
    assert len(lrs) == 3  # distinct draws


def test_random_search_stops_when_a_finite_space_is_exhausted():
    result = random_search({"lr": [0.01, 0.02]}, X, Y, 5, base_config=BASE)
    assert sorted(r["params"]["lr"] for r in result.results) == [0.01, 0.02]


def test_regression_search_scores_r2():
    Xr = np.linspace(-1, 1, 120, dtype=np.float32)[:, None]
    yr = (Xr ** 2).astype(np.float32)
    result = grid_search({"lr": [1e-2]}, Xr, yr, base_config=BASE)
    assert result.metric == "r2" and np.isfinite(result.best_score)


def test_bad_spaces_are_rejected_before_training():
    with pytest.raises(ValueError, match="cannot search over \\['momentum'\\]"):
        grid_search({"momentum": [0.9]}, X, Y)
    with pytest.raises(ValueError, match="lr must be > 0"):
        grid_search({"lr": [0.1, -1.0]}, X, Y, base_config=BASE)
    with pytest.raises(ValueError, match="grid_search needs a list"):
        grid_search({"lr": LogUniform(1e-3, 1e-1)}, X, Y)
    with pytest.raises(ValueError, match="empty"):
        grid_search({}, X, Y)


@pytest.mark.filterwarnings("ignore:overflow|invalid value:RuntimeWarning")
def test_a_diverging_candidate_scores_worst_and_the_search_goes_on():
    """The Trainer now stops a NaN loss with TrainingDiverged; a search must not end there."""
    Xr = np.linspace(-1, 1, 120, dtype=np.float32)[:, None]
    yr = (3 * Xr).astype(np.float32)
    config = {**BASE, "optimizer": "sgd", "scheduler": "none"}
    result = grid_search({"lr": [1e-2, 1e6]}, Xr, yr, base_config=config)
    assert [r["params"]["lr"] for r in result.results] == [1e-2, 1e6]
    assert result.results[1]["score"] == -np.inf and np.isfinite(result.best_score)
