# %%
"""06 - Choosing hyperparameters the honest way: search on validation data, test once.

Training fits the weights W, b; the hyperparameters (learning rate, layer widths, activation,
...) are chosen by us. The lecture's recommendation is to treat that choice as another fit,
on data the weights never saw:

    1. split the data into training, validation and test sets;
    2. for every candidate configuration, train on the training set and score on validation;
    3. pick the configuration with the best validation score;
    4. retrain it on training + validation and measure the test set exactly once.

The test score is then an unbiased estimate for new data. Scoring the candidates on the test
set instead would pick the configuration that happens to suit those particular test images.
This script runs nn.training.grid_search (or random_search with --random N) over the learning
rate, the hidden layers and the activation on the 8x8 digits, prints the sorted table and the
best configuration, and evaluates that configuration on the held-out test split.

Run:  python examples/06_hyperparameter_search.py [--quick] [--random N] [--epochs N]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np

from nn.training import recipes
from nn.training.search import LogUniform, grid_search, random_search

GRID: dict[str, list[Any]] = {
    "lr": [1e-3, 3e-3, 1e-2],
    "hidden": [[32], [128, 64]],
    "activation": ["relu", "tanh"],
}
QUICK_GRID: dict[str, list[Any]] = {"lr": [1e-3, 1e-2], "hidden": [[32]], "activation": ["relu"]}


# %%
def final_test(config: dict[str, Any], dataset: recipes.Dataset) -> dict[str, float]:
    """Retrain `config` on train + validation and score it once on the test split."""
    X = np.concatenate([dataset.X_train, dataset.X_val])
    y = np.concatenate([dataset.y_train, dataset.y_val])
    trainer = recipes.build_trainer(config, X, y, task=dataset.task,
                                    out_features=dataset.out_features, progress=False, log=None)
    trainer.fit()
    return trainer.evaluate(dataset.X_test, dataset.y_test)


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Grid (or random) search on the digits' validation split; test the winner once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 trials of 3 epochs (CI)")
    parser.add_argument(
        "--random",
        type=int,
        default=None,
        metavar="N",
        help="random search with N trials (lr log-uniform in [1e-4, 3e-2])",
    )
    parser.add_argument("--epochs", type=int, default=20, help="epochs per trial")
    parser.add_argument("--cv", type=int, default=None, help="k-fold CV instead of one split")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    space: dict[str, Any] = dict(GRID)
    epochs = args.epochs
    if args.quick:
        space, epochs = dict(QUICK_GRID), 3

    dataset = recipes.load_dataset("digits")  # fixed split: 70% train, 15% val, 15% test
    X_search = np.concatenate([dataset.X_train, dataset.X_val])
    y_search = np.concatenate([dataset.y_train, dataset.y_val])
    base = {**recipes.default_config("digits"), "epochs": epochs, "seed": args.seed}
    val_fraction = len(dataset.X_val) / len(X_search)
    how = f"{args.cv}-fold CV" if args.cv else f"a {val_fraction:.0%} validation split"
    print(
        f"digits: {len(X_search)} images for the search, scored on {how}; "
        f"{len(dataset.X_test)} test images kept aside"
    )
    print(
        f"every trial: {base['optimizer']}, {base['scheduler']} schedule, {epochs} epochs, "
        f"batch {base['batch_size']}, seed {args.seed}"
    )

    start = time.perf_counter()
    options = dict(
        base_config=base, cv=args.cv, val_fraction=val_fraction, seed=args.seed, log=print
    )
    if args.random:
        space["lr"] = LogUniform(1e-4, 3e-2)
        result = random_search(space, X_search, y_search, args.random, **options)
    else:
        result = grid_search(space, X_search, y_search, **options)
    seconds = time.perf_counter() - start

    print(f"\n{len(result.results)} trials in {seconds:.1f}s, best first:")
    print(result.table())
    best = {k: result.best_config[k] for k in result.keys}
    print(f"\nbest configuration: {best} (validation {result.metric} {result.best_score:.4f})")
    n_val = len(X_search) // args.cv if args.cv else round(val_fraction * len(X_search))
    print(
        f"(one validation image is {1 / n_val:.2%} of the score: differences of a few images "
        "are noise; --cv 5 averages over five splits)"
    )
    test = final_test(result.best_config, dataset)
    print(
        f"retrained on train + validation: test accuracy {test['accuracy']:.4f} "
        f"(test loss {test['loss']:.4f}), measured once"
    )
    return {
        "trials": [{"params": r["params"], "score": r["score"]} for r in result.results],
        "best": best,
        "best_val_score": result.best_score,
        "test_accuracy": test["accuracy"],
        "search_seconds": seconds,
    }


# %% [markdown]
# ## Run
#
# From a shell: `python examples/06_hyperparameter_search.py [--quick] [--random N] [--epochs N]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
