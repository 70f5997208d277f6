"""Hyperparameter search: grid_search and random_search with a validation split or k-fold CV.

Each candidate is a recipe config (see `recipes`): the keys of the search space are tried over
the values given, everything else comes from `base_config`. Every candidate is trained with the
same seed on the same folds, scored on held-out data only (never a test set), and the results
come back sorted best first, with the best configuration.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data import KFold, train_val_test_split
from .callbacks import TrainingDiverged
from .recipes import BASE_CONFIG, build_trainer, validate_config

__all__ = ["LogUniform", "SearchResult", "Uniform", "grid_search", "random_search"]

SEARCHABLE = tuple(k for k in BASE_CONFIG if k != "data")


@dataclass(frozen=True)
class Uniform:
    """A float drawn uniformly from [low, high] (random_search only)."""

    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float:
        """One draw."""
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class LogUniform:
    """A positive float whose logarithm is uniform on [log low, log high] (e.g. learning rates)."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not 0 < self.low <= self.high:
            raise ValueError(f"LogUniform needs 0 < low <= high, got ({self.low}, {self.high})")

    def sample(self, rng: np.random.Generator) -> float:
        """One draw."""
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))


@dataclass
class SearchResult:
    """Trials sorted best first: each {'rank', 'params', 'score', 'score_std', 'scores',
    'val_loss', 'seconds', 'config'}; `best_config` is the winner's full config."""

    metric: str
    results: list[dict[str, Any]]
    keys: list[str] = field(default_factory=list)

    @property
    def best(self) -> dict[str, Any]:
        """The best trial."""
        return self.results[0]

    @property
    def best_config(self) -> dict[str, Any]:
        """Full config of the best trial (pass it to the recipes to train the final model)."""
        return dict(self.results[0]["config"])

    @property
    def best_score(self) -> float:
        """Mean validation score of the best trial."""
        return float(self.results[0]["score"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: metric, searched keys and the sorted trials."""
        return {"metric": self.metric, "keys": self.keys, "results": self.results}

    def table(self, max_rows: int | None = None) -> str:
        """The sorted trials as an aligned text table."""
        rows = self.results if max_rows is None else self.results[:max_rows]
        head = ["rank", *self.keys, self.metric, "± std", "val_loss", "seconds"]
        body = [[str(r["rank"]), *(_show(r["params"].get(k)) for k in self.keys),
                 f"{r['score']:.4f}", f"{r['score_std']:.4f}", f"{r['val_loss']:.4f}",
                 f"{r['seconds']:.1f}"] for r in rows]
        widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in [head, *body]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _task(y: np.ndarray) -> tuple[str, int]:
    if y.ndim == 1 and y.dtype.kind in "iu":
        return "classification", int(y.max()) + 1
    return "regression", 1 if y.ndim == 1 else int(y.shape[1])


def _folds(X: np.ndarray, y: np.ndarray, task: str, cv: int | None, val_fraction: float,
           seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train_idx, val_idx) pairs: K shuffled folds, or one (stratified) split."""
    if cv is not None and cv >= 2:
        return list(KFold(cv, shuffle=True, seed=seed).split(X))
    index = np.arange(len(X))
    if task == "classification":
        train, _, val, _, _, _ = train_val_test_split(index, y, val=val_fraction, test=0.0,
                                                      stratify=True, seed=seed)
    else:
        train, _, val, _, _, _ = train_val_test_split(index, index, val=val_fraction, test=0.0,
                                                      seed=seed)
    if len(val) == 0:  # found before any trial, not by Trainer.evaluate after the first one
        raise ValueError(f"val_fraction={val_fraction} leaves no validation samples out of "
                         f"{len(X)}; use a larger fraction")
    return [(train, val)]


def _evaluate(config: dict[str, Any], X: np.ndarray, y: np.ndarray, task: str, outputs: int,
              folds: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    scores, losses = [], []
    started = time.perf_counter()
    for train, val in folds:
        trainer = build_trainer(config, X[train], y[train], task=task, out_features=outputs,
                                progress=False, log=None)
        try:
            trainer.fit()
        except TrainingDiverged:  # a candidate whose loss went NaN: the worst score, go on
            scores.append(-math.inf)
            losses.append(math.inf)
            continue
        result = trainer.evaluate(X[val], y[val])
        score = result[trainer.metric or ""]
        scores.append(-math.inf if score is None or not math.isfinite(score) else score)
        losses.append(result["loss"] if math.isfinite(result["loss"] or math.nan) else math.inf)
    finite = [s for s in scores if math.isfinite(s)]
    return {"score": float(np.mean(scores)) if len(finite) == len(scores) else -math.inf,
            "score_std": float(np.std(finite)) if finite else 0.0,
            "scores": [float(s) for s in scores],
            "val_loss": float(np.mean(losses)),
            "seconds": time.perf_counter() - started}


def _run(candidates: Sequence[dict[str, Any]], keys: list[str], X: Any, y: Any,
         base_config: Mapping[str, Any] | None, cv: int | None, val_fraction: float, seed: int,
         log: Callable[[str], None] | None) -> SearchResult:
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    task, outputs = _task(y)
    base = {**BASE_CONFIG, **(base_config or {}), "seed": seed}
    configs = [validate_config({**base, **params}) for params in candidates]  # fail early
    folds = _folds(X, y, task, cv, val_fraction, seed)
    trials = []
    for i, config in enumerate(configs):
        outcome = _evaluate(config, X, y, task, outputs, folds)
        shown = {k: config[k] for k in keys}
        trials.append({"trial": i, "params": shown, **outcome, "config": config})
        if log is not None:
            described = " ".join(f"{k}={_show(v)}" for k, v in shown.items())
            log(f"trial {i + 1}/{len(configs)}: {described} -> score {outcome['score']:.4f} "
                f"± {outcome['score_std']:.4f} ({outcome['seconds']:.1f}s)")
    trials.sort(key=lambda t: (-t["score"], t["val_loss"], t["trial"]))
    for rank, trial in enumerate(trials, 1):
        trial["rank"] = rank
    return SearchResult("accuracy" if task == "classification" else "r2", trials, keys)


def _check_space(space: Mapping[str, Any]) -> list[str]:
    if not space:
        raise ValueError("the search space is empty; give at least one key with values")
    unknown = sorted(set(space) - set(SEARCHABLE))
    if unknown:
        raise ValueError(f"cannot search over {unknown}; searchable keys are {list(SEARCHABLE)}")
    return list(space)


def _choices(key: str, values: Any) -> list[Any]:
    if isinstance(values, (Uniform, LogUniform)):
        raise ValueError(f"{key}: grid_search needs a list of values, not a distribution")
    if isinstance(values, (list, tuple)):
        if not values:
            raise ValueError(f"{key}: no values to try")
        return list(values)
    return [values]


def grid_search(space: Mapping[str, Any], X: Any, y: Any, *,
                base_config: Mapping[str, Any] | None = None, cv: int | None = None,
                val_fraction: float = 0.2, seed: int = 0,
                log: Callable[[str], None] | None = None) -> SearchResult:
    """Train every combination of the values in `space` (e.g. {'lr': [1e-3, 1e-2],
    'hidden': [[64], [128, 64]]}); score by k-fold CV (`cv`) or one validation split."""
    keys = _check_space(space)
    grids = [_choices(k, space[k]) for k in keys]
    candidates = [dict(zip(keys, combo)) for combo in itertools.product(*grids)]
    return _run(candidates, keys, X, y, base_config, cv, val_fraction, seed, log)


def random_search(space: Mapping[str, Any], X: Any, y: Any, n_trials: int, *,
                  base_config: Mapping[str, Any] | None = None, cv: int | None = None,
                  val_fraction: float = 0.2, seed: int = 0,
                  log: Callable[[str], None] | None = None) -> SearchResult:
    """Train `n_trials` configurations drawn from `space` (lists: uniform choice; Uniform and
    LogUniform: continuous draws) with a generator seeded by `seed`; repeats are redrawn."""
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive int, got {n_trials!r}")
    keys = _check_space(space)
    rng = np.random.default_rng(seed)
    candidates: list[dict[str, Any]] = []
    for _ in range(n_trials):
        for _attempt in range(100):  # a finite space may run out of new combinations
            params = {}
            for key in keys:
                values = space[key]
                if isinstance(values, (Uniform, LogUniform)):
                    params[key] = values.sample(rng)
                else:
                    options = _choices(key, values)
                    params[key] = options[int(rng.integers(len(options)))]
            if params not in candidates:
                candidates.append(params)
                break
        else:
            break
    return _run(candidates, keys, X, y, base_config, cv, val_fraction, seed, log)
