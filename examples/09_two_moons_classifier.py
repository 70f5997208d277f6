# %%
"""09 - Two moons with a max-margin (hinge) loss: micrograd's demo, batched.

Andrej Karpathy's micrograd trains a 2-16-16-1 ReLU network on two interleaved half moons,
one scalar Value at a time. Here the same network runs on whole arrays: every layer is one
matrix product, z = a W + b, and the engine differentiates the batch at once. Labels are
y ∈ {−1, +1}; the network outputs a score s(x), and the loss is the support-vector machine's

    C = mean_i max(0, 1 − y_i · s(x_i)) + α ‖W‖²            (α = 1e-4)

which is zero for points classified correctly with a margin of at least 1 and grows linearly
for the rest. Training is plain gradient descent on the full batch with a learning rate that
decays linearly from 1.0 to 0.1, as in micrograd. The prediction is sign(s(x)); the script
prints the accuracy on the training points and on fresh points from the same distribution,
and draws the decision regions as text (and as a PNG with --plot).

Run:  python examples/09_two_moons_classifier.py [--quick] [--plot DIR]
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

ALPHA = 1e-4  # L2 penalty


# %%
def make_model(seed: int) -> nn.Sequential:
    """2 -> 16 -> 16 -> 1 with ReLU, float64 (micrograd's MLP(2, [16, 16, 1]))."""
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Linear(2, 16, dtype=np.float64, rng=rng),
        nn.ReLU(),
        nn.Linear(16, 16, dtype=np.float64, rng=rng),
        nn.ReLU(),
        nn.Linear(16, 1, dtype=np.float64, rng=rng),
    )


# %%
def hinge_loss(model: nn.Sequential, X: np.ndarray, y_pm: np.ndarray) -> am.Tensor:
    """mean(relu(1 − y·s(x))) + α Σ‖W‖², with y in {−1, +1} shaped (n, 1)."""
    scores = model(X)  # (n, 1)
    data_loss = am.relu(1.0 - scores * y_pm).mean()
    penalty = sum((p * p).sum() for name, p in model.named_parameters() if "weight" in name)
    return data_loss + ALPHA * penalty


# %%
def accuracy(model: nn.Sequential, X: np.ndarray, y: np.ndarray) -> float:
    """Share of points where sign(s(x)) matches the label (y in {0, 1})."""
    with am.no_grad():
        scores = model(X).data[:, 0]
    return float(np.mean((scores > 0) == (y == 1)))


# %%
def ascii_regions(model: nn.Sequential, X: np.ndarray, y: np.ndarray, cols: int = 64) -> str:
    """Decision regions as text: '.' where s(x) < 0, ':' where s(x) > 0; points as o and x."""
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
    rows = cols // 3
    gx, gy = np.linspace(x0, x1, cols), np.linspace(y1, y0, rows)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)  # (rows·cols, 2)
    with am.no_grad():
        positive = (model(grid).data[:, 0] > 0).reshape(rows, cols)
    canvas = [[":" if p else "." for p in row] for row in positive]
    for (px, py), label in zip(X, y):
        c = int(round((px - x0) / (x1 - x0) * (cols - 1)))
        r = int(round((y1 - py) / (y1 - y0) * (rows - 1)))
        canvas[r][c] = "x" if label == 1 else "o"
    return "\n".join("".join(row) for row in canvas)


# %%
def save_plot(directory: Path, model: nn.Sequential, X: np.ndarray, y: np.ndarray) -> Path | None:
    """Filled decision regions with the training points (needs matplotlib)."""
    try:
        fig = new_figure(5, 4)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xx, yy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    with am.no_grad():
        scores = model(np.c_[xx.ravel(), yy.ravel()]).data.reshape(xx.shape)
    ax = fig.add_subplot()
    ax.contourf(xx, yy, scores > 0, alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, s=12, cmap="coolwarm")
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "09_two_moons.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train the 2-16-16-1 hinge-loss classifier and report train and fresh-sample accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps (CI smoke run)")
    parser.add_argument("--n", type=int, default=200, help="training points")
    parser.add_argument("--steps", type=int, default=200, help="full-batch gradient steps")
    parser.add_argument("--noise", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.steps = 100, 100

    X, y = nn.data.make_moons(args.n, args.noise, seed=args.seed)
    X_new, y_new = nn.data.make_moons(1000, args.noise, seed=args.seed + 1)
    y_pm = (2.0 * y - 1.0)[:, None]  # {0, 1} -> {−1, +1}, shaped (n, 1)
    model = make_model(args.seed)
    optimizer = nn.optim.SGD(model.parameters(), lr=1.0)
    print(
        f"two moons: {args.n} points, noise {args.noise}; MLP 2-16-16-1 (ReLU), hinge loss, "
        f"full-batch GD for {args.steps} steps"
    )
    start = time.perf_counter()
    for step in range(args.steps):
        optimizer.param_groups[0]["lr"] = 1.0 - 0.9 * step / args.steps  # micrograd's decay
        optimizer.zero_grad()
        loss = hinge_loss(model, X, y_pm)
        loss.backward()
        optimizer.step()
        if step % max(args.steps // 5, 1) == 0 or step == args.steps - 1:
            print(f"  step {step:4d}  loss {loss.item():.4f}  accuracy {accuracy(model, X, y):.1%}")
    seconds = time.perf_counter() - start
    result = {
        "train_accuracy": accuracy(model, X, y),
        "fresh_accuracy": accuracy(model, X_new, y_new),
        "final_loss": float(hinge_loss(model, X, y_pm).item()),
        "seconds": seconds,
    }
    print(
        f"\ntraining accuracy {result['train_accuracy']:.1%}, accuracy on 1000 fresh points "
        f"{result['fresh_accuracy']:.1%} ({seconds:.2f}s, {args.steps / seconds:.0f} steps/s)"
    )
    print("decision regions ('.' predicts o, ':' predicts x):")
    print(ascii_regions(model, X, y))
    if args.plot is not None:
        path = save_plot(args.plot, model, X, y)
        if path is not None:
            print(f"wrote {path}")
    return result


# %% [markdown]
# ## Run
#
# From a shell: `python examples/09_two_moons_classifier.py [--quick] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
