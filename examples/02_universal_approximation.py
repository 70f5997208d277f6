# %%
"""02 - Universal approximation: one hidden layer, more units, smaller error.

The universal approximation theorem (Cybenko 1989, Hornik 1991) says a network with a single
hidden layer of enough units,

    ŷ(x) = Σ_j v_j · f(x·w_j + b_j) + c        (f a non-polynomial activation such as tanh)

can approximate any continuous function on a compact set, such as the unit cube [0, 1]^d, as
closely as we like. It says nothing about how many units are needed or how to find the
weights. This script makes the statement concrete: it fits the smooth target

    f(x) = sin(2π·mean(x)) + exp(−4·‖x − ½‖² / d)      on [0, 1]^3

(nn.data.make_smooth_function) with networks 3 -> n -> 1 for n = 2, 4, ..., 64, trained the
same way (Adam with a cosine learning-rate schedule on C = mean (ŷ − y)²), and prints the
root-mean-square error on held-out points. The error falls as the hidden layer grows.

Run:  python examples/02_universal_approximation.py [--quick] [--plot DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd_mini as am
import nn
from nn.training import PlotUnavailable, new_figure, save_figure

DIM = 3


# %%
def make_model(width: int, seed: int) -> nn.Sequential:
    """3 -> width (tanh) -> 1, float64, PyTorch-style uniform initialisation from `seed`."""
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Linear(DIM, width, dtype=np.float64, rng=rng),
        nn.Tanh(),
        nn.Linear(width, 1, dtype=np.float64, rng=rng),
    )


# %%
def rmse(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    """Root-mean-square error √(mean (ŷ − y)²) without recording a graph."""
    with am.no_grad():
        residual = model(X).data - y  # (n, 1)
    return float(np.sqrt(np.mean(residual**2)))


# %%
def train(
    model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int, lr: float, seed: int
) -> None:
    """Mini-batch Adam on the mean squared error; the rate decays along a cosine to lr/100."""
    loader = nn.data.DataLoader(X, y, batch_size=32, shuffle=True, seed=seed)
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    schedule = nn.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=epochs * len(loader), eta_min=lr / 100
    )
    loss_fn = nn.MSELoss()
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            schedule.step()


# %%
def save_plot(
    directory: Path, models: dict[int, nn.Module], centre: float, scale: float
) -> Path | None:
    """The target and each fit along the cube's diagonal x = (t, t, t) (needs matplotlib)."""
    try:
        fig = new_figure(6, 4)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    t = np.linspace(0.0, 1.0, 200)
    diagonal = np.repeat(t[:, None], DIM, axis=1)  # (200, 3)
    ax = fig.add_subplot()
    ax.plot(t, nn.data.smooth_target(diagonal)[:, 0], "k", lw=3, label="target")
    for width, model in models.items():
        with am.no_grad():
            ax.plot(t, model((diagonal - centre) / scale).data[:, 0], label=f"{width} units")
    ax.set_xlabel("t  (x = (t, t, t))")
    ax.legend(fontsize=8)
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "02_universal_approximation.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train one network per width and print the test error against the number of units."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 widths, short training (CI)")
    parser.add_argument("--widths", default="2,4,8,16,32,64", help="comma-separated widths")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    widths = [int(w) for w in args.widths.split(",")]
    n_train, epochs = 2000, args.epochs
    if args.quick:
        widths, n_train, epochs = [2, 8, 32], 500, 120

    X, y = nn.data.make_smooth_function(n_train + 1000, DIM, seed=args.seed)
    # Centre the cube on 0 ([0, 1] -> [-1, 1]): tanh units then start in their steep middle.
    centre, scale = 0.5, 0.5
    X = (X - centre) / scale
    X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    spread = float(np.std(y_test))
    print(
        f"target: smooth f on [0, 1]^{DIM}; {n_train} training and {len(X_test)} test points;"
        f" std of f on the test points {spread:.3f}"
    )
    print(f"one hidden tanh layer, Adam lr {args.lr} (cosine), batch 32, {epochs} epochs\n")
    print(
        f"{'hidden units':>12s} {'parameters':>11s} {'train RMSE':>11s} {'test RMSE':>10s}"
        f" {'test / std':>10s} {'time':>7s}"
    )
    rows, models = [], {}
    for width in widths:
        start = time.perf_counter()
        model = make_model(width, args.seed)
        train(model, X_train, y_train, epochs, args.lr, args.seed)
        row = {
            "width": width,
            "parameters": model.num_parameters(),
            "train_rmse": rmse(model, X_train, y_train),
            "test_rmse": rmse(model, X_test, y_test),
            "seconds": time.perf_counter() - start,
        }
        rows.append(row)
        models[width] = model
        print(
            f"{width:12d} {row['parameters']:11d} {row['train_rmse']:11.4f} "
            f"{row['test_rmse']:10.4f} {row['test_rmse'] / spread:10.4f} "
            f"{row['seconds']:6.1f}s"
        )
    first, last = rows[0]["test_rmse"], rows[-1]["test_rmse"]
    print(
        f"\n{widths[0]} -> {widths[-1]} hidden units: test RMSE {first:.4f} -> {last:.4f} "
        f"({first / last:.0f}x smaller)"
    )
    if args.plot is not None:
        path = save_plot(args.plot, models, centre, scale)
        if path is not None:
            print(f"wrote {path}")
    return {"rows": rows, "test_rmse": [r["test_rmse"] for r in rows], "widths": widths}


# %% [markdown]
# ## Run
#
# From a shell: `python examples/02_universal_approximation.py [--quick] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
