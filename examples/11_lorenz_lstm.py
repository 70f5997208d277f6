# %%
"""11 - Forecasting the Lorenz system with an LSTM, against the one-step MLP of example 07.

Example 07 teaches an MLP the map x_t -> x_{t+1} from the current state alone. A recurrent
network reads a window of the last W states instead (here W = 8, dt = 0.01):

    i, f, g, o = σ, σ, tanh, σ of (W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
    c_t = f ⊙ c_{t−1} + i ⊙ g,    h_t = o ⊙ tanh(c_t),    Δ̂ = Linear(h_W)

and predicts the same increment Δ = x_{t+1} − x_t. The gradients of the loss flow back through
the W steps ("backpropagation through time"), which autograd_mini derives from the ops the
LSTM is built of (`nn.LSTM`, PyTorch's gates and layout). Both models are then run freely,
each feeding its own predictions back, and their rollout errors compared at several horizons:
chaos (λ ≈ 0.9) makes every rollout drift eventually; a better one-step model drifts later.

Run:  python examples/11_lorenz_lstm.py [--quick] [--epochs N] [--plot DIR]
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

HORIZONS = (10, 50, 100, 200)  # rollout lengths in steps (×dt = 0.01 time units)
DT = 0.01


# %%
class LSTMForecaster(nn.Module):
    """(batch, W, 3) normalised states -> normalised Δ of the last one: LSTM, then Linear."""

    def __init__(self, hidden: int, seed: int) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.lstm = nn.LSTM(3, hidden, batch_first=True, dtype=np.float64, rng=rng)
        self.head = nn.Linear(hidden, 3, dtype=np.float64, rng=rng)

    def forward(self, windows: Any) -> am.Tensor:
        output, _ = self.lstm(windows)  # (batch, W, hidden)
        return self.head(output[:, -1])  # (batch, 3)


class MLPForecaster(nn.Module):
    """Example 07's model: the last state alone, 3 -> hidden -> hidden -> 3 with tanh."""

    def __init__(self, hidden: int, seed: int) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.net = nn.Sequential(
            nn.Linear(3, hidden, dtype=np.float64, rng=rng), nn.Tanh(),
            nn.Linear(hidden, hidden, dtype=np.float64, rng=rng), nn.Tanh(),
            nn.Linear(hidden, 3, dtype=np.float64, rng=rng),
        )

    def forward(self, windows: Any) -> am.Tensor:
        return self.net(windows[:, -1])  # (batch, 3)


# %%
def windows_of(trajectory: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, width, 3) windows of consecutive states and the increment after each (n, 3)."""
    n = len(trajectory) - width
    index = np.arange(width)[None, :] + np.arange(n)[:, None]  # (n, width)
    return trajectory[index], trajectory[width:] - trajectory[width - 1 : -1]


class Scaled:
    """A network on unit-sized data: inputs normalised, increments in physical units."""

    def __init__(self, net: nn.Module, states: np.ndarray, deltas: np.ndarray) -> None:
        self.net = net
        self.mean, self.std = states.mean(axis=0), states.std(axis=0)
        self.delta_scale = deltas.std(axis=0)

    def inputs(self, windows: np.ndarray) -> np.ndarray:
        return (windows - self.mean) / self.std

    def increment(self, windows: np.ndarray) -> np.ndarray:
        """Predicted Δ in physical units, without recording a graph."""
        with am.no_grad():
            return self.net(self.inputs(windows)).data * self.delta_scale

    def rollout(self, window: np.ndarray, steps: int) -> np.ndarray:
        """Feed predictions back in: (steps, batch, 3) after the windows (batch, W, 3)."""
        states = []
        for _ in range(steps):
            following = window[:, -1] + self.increment(window)  # (batch, 3)
            states.append(following)
            window = np.concatenate([window[:, 1:], following[:, None]], axis=1)
        return np.stack(states)


# %%
def train(model: Scaled, windows: np.ndarray, deltas: np.ndarray, args: argparse.Namespace,
          label: str) -> float:
    """Adam with a cosine schedule on the MSE of the normalised increment; returns seconds."""
    loader = nn.data.DataLoader(model.inputs(windows), deltas / model.delta_scale,
                                batch_size=64, seed=args.seed)
    optimizer = nn.optim.Adam(model.net.parameters(), lr=args.lr)
    schedule = nn.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=args.epochs * len(loader), eta_min=args.lr / 100)
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for epoch in range(args.epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model.net(xb), yb)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(xb)
        if (epoch + 1) % max(args.epochs // 4, 1) == 0:
            print(f"  {label} epoch {epoch + 1:3d}/{args.epochs}  train MSE (normalised Δ) "
                  f"{total / len(windows):.2e}")
    return time.perf_counter() - start


# %%
def save_plot(directory: Path, truth: np.ndarray, rollouts: dict[str, np.ndarray]) -> Path | None:
    """x, y, z of the true trajectory and of each free-running model (needs matplotlib)."""
    try:
        fig = new_figure(7, 5)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    t = np.arange(1, len(truth) + 1) * DT
    axes = fig.subplots(3, 1, sharex=True)
    for i, (ax, name) in enumerate(zip(axes, "xyz")):
        ax.plot(t, truth[:, i], "k", label="Runge-Kutta")
        for (label, path), style in zip(rollouts.items(), ("r--", "b:")):
            ax.plot(t, path[:, i], style, label=f"{label} rollout")
        ax.set_ylabel(name)
    axes[0].legend(fontsize=8)
    axes[-1].set_xlabel("time after the last observed state")
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "11_lorenz_lstm_rollout.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train an LSTM and the MLP baseline on one trajectory; compare on another."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, few epochs (CI)")
    parser.add_argument("--steps", type=int, default=10000, help="training trajectory length")
    parser.add_argument("--window", type=int, default=8, help="states the LSTM reads")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.epochs = 2000, 6

    X_train, _ = nn.data.make_lorenz(args.steps, dt=DT, seed=args.seed)
    X_test, _ = nn.data.make_lorenz(3000, dt=DT, seed=args.seed + 1)  # another trajectory
    W_train, D_train = windows_of(X_train, args.window)
    W_test, D_test = windows_of(X_test, args.window)
    print(f"Lorenz, RK4 with dt={DT}: {len(W_train)} training windows of {args.window} states, "
          f"{len(W_test)} test windows from a second trajectory")

    models = {
        "MLP": Scaled(MLPForecaster(args.hidden, args.seed), X_train, D_train),
        "LSTM": Scaled(LSTMForecaster(args.hidden, args.seed), X_train, D_train),
    }
    result: dict[str, Any] = {"r2_increment": {}, "rollout_error": {}, "train_seconds": {}}
    starts = np.linspace(0, len(W_test) - max(HORIZONS) - 1, 40).astype(int)
    size = float(np.sqrt(np.mean(np.sum((X_test - X_test.mean(axis=0)) ** 2, axis=1))))
    rollouts = {}
    for label, model in models.items():
        result["train_seconds"][label] = train(model, W_train, D_train, args, label)
        predicted = model.increment(W_test)
        residual = np.sum((D_test - predicted) ** 2)
        result["r2_increment"][label] = float(
            1 - residual / np.sum((D_test - D_test.mean(axis=0)) ** 2))
        paths = model.rollout(W_test[starts], max(HORIZONS))  # (H, batch, 3)
        rollouts[label] = paths
        errors = {}
        for h in HORIZONS:  # state h steps after the window's last one
            truth = X_test[starts + args.window - 1 + h]
            errors[h] = float(np.sqrt(np.mean(np.sum((paths[h - 1] - truth) ** 2, axis=1))))
            errors[h] /= size
        result["rollout_error"][label] = errors

    print(f"\n{'':6s} {'R² of Δ':>9s} {'train s':>8s}   rollout RMS error / attractor radius "
          f"({size:.1f}) after " + ", ".join(f"{h}" for h in HORIZONS) + " steps")
    for label in models:
        errors = result["rollout_error"][label]
        print(f"{label:6s} {result['r2_increment'][label]:9.5f} "
              f"{result['train_seconds'][label]:8.1f}   "
              + "  ".join(f"{errors[h]:.4f}" for h in HORIZONS))
    if args.plot is not None:
        first = starts[0] + args.window
        path = save_plot(args.plot, X_test[first : first + max(HORIZONS)],
                         {label: paths[:, 0] for label, paths in rollouts.items()})
        if path is not None:
            print(f"wrote {path}")
            result["plot"] = str(path)
    return result


# %% [markdown]
# ## Run
#
# From a shell: `python examples/11_lorenz_lstm.py [--quick] [--epochs N] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
