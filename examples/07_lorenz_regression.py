# %%
"""07 - Learning the Lorenz system's one-step map with an MLP (regression on physics data).

The Lorenz system (σ = 10, ρ = 28, β = 8/3) is a three-variable model of convection:

    dx/dt = σ(y − x),    dy/dt = x(ρ − z) − y,    dz/dt = xy − βz

Its trajectories never settle and never repeat (a chaotic "strange attractor"). We sample one
trajectory with a Runge-Kutta integrator (nn.data.make_lorenz, step dt = 0.01) and teach an
MLP the map x_t -> x_{t+1}. Because x_{t+1} is close to x_t, the network learns the increment
Δ_t = x_{t+1} − x_t and predicts x̂_{t+1} = x_t + Δ̂_t (a "residual" network, like one step of
an integrator). Quality is measured on a second, held-out trajectory with

    R² = 1 − Σ (y − ŷ)² / Σ (y − ȳ)²        (1 = perfect, 0 = as good as predicting the mean)

both for the next state (where even "x_{t+1} = x_t" scores high, so it is printed as a
baseline) and for the increment (the honest test). Finally the network is run freely, feeding
its own predictions back in; in a chaotic system any error grows like e^{λt} with λ ≈ 0.9, so
the rollout follows the true trajectory for a while and then drifts away.

Run:  python examples/07_lorenz_regression.py [--quick] [--epochs N] [--plot DIR]
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

HORIZONS = (10, 50, 100, 200, 500)  # rollout lengths in steps (×dt = 0.01 time units)


# %%
def r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """R² = 1 − SS_res / SS_tot, pooled over all outputs (each output about its own mean)."""
    ss_res = np.sum((y_true - y_pred) ** 2)
    ss_tot = np.sum((y_true - y_true.mean(axis=0)) ** 2)
    return float(1.0 - ss_res / ss_tot)


# %%
class StepModel:
    """x_t -> x_{t+1} = x_t + scale_Δ · MLP((x_t − mean) / std); the MLP sees unit-sized data."""

    def __init__(self, net: nn.Module, X: np.ndarray, deltas: np.ndarray) -> None:
        self.net = net
        self.mean, self.std = X.mean(axis=0), X.std(axis=0)
        self.delta_scale = deltas.std(axis=0)

    def inputs(self, X: np.ndarray) -> np.ndarray:
        """Normalised network inputs."""
        return (X - self.mean) / self.std

    def increment(self, X: np.ndarray) -> np.ndarray:
        """Predicted Δ_t = x_{t+1} − x_t in physical units, without recording a graph."""
        with am.no_grad():
            return self.net(self.inputs(X)).data * self.delta_scale

    def rollout(self, x0: np.ndarray, steps: int) -> np.ndarray:
        """Feed predictions back in: (steps + 1, batch, 3) starting at x0 (batch, 3)."""
        states = [x0]
        for _ in range(steps):
            states.append(states[-1] + self.increment(states[-1]))
        return np.stack(states)


# %%
def make_net(hidden: int, seed: int) -> nn.Sequential:
    """3 -> hidden -> hidden -> 3 with tanh, float64."""
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Linear(3, hidden, dtype=np.float64, rng=rng),
        nn.Tanh(),
        nn.Linear(hidden, hidden, dtype=np.float64, rng=rng),
        nn.Tanh(),
        nn.Linear(hidden, 3, dtype=np.float64, rng=rng),
    )


# %%
def train(model: StepModel, X: np.ndarray, deltas: np.ndarray, args: argparse.Namespace) -> float:
    """Adam on the mean squared error of the normalised increment; returns the last loss."""
    targets = deltas / model.delta_scale  # (n, 3), unit-sized
    loader = nn.data.DataLoader(model.inputs(X), targets, batch_size=64, seed=args.seed)
    optimizer = nn.optim.Adam(model.net.parameters(), lr=args.lr)
    schedule = nn.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=args.epochs * len(loader), eta_min=args.lr / 100
    )
    loss_fn = nn.MSELoss()
    loss_value = float("nan")
    for epoch in range(args.epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model.net(xb), yb)
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(xb)
        loss_value = total / len(X)
        if (epoch + 1) % max(args.epochs // 5, 1) == 0:
            print(
                f"  epoch {epoch + 1:3d}/{args.epochs}  train MSE (normalised Δ) {loss_value:.2e}"
            )
    return loss_value


# %%
def save_plot(directory: Path, truth: np.ndarray, rollout: np.ndarray) -> Path | None:
    """x(t) of one true trajectory and of the free-running network (needs matplotlib)."""
    try:
        fig = new_figure(7, 5)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    t = np.arange(len(truth)) * 0.01
    axes = fig.subplots(3, 1, sharex=True)
    for i, (ax, name) in enumerate(zip(axes, "xyz")):
        ax.plot(t, truth[:, i], "k", label="Runge-Kutta")
        ax.plot(t, rollout[:, i], "r--", label="MLP rollout")
        ax.set_ylabel(name)
    axes[0].legend(fontsize=8)
    axes[-1].set_xlabel("time")
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "07_lorenz_rollout.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train on one trajectory, score R² on another, and measure free-running rollout error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, few epochs (CI)")
    parser.add_argument("--steps", type=int, default=20000, help="training trajectory length")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.epochs = 3000, 8
    dt = 0.01

    X_train, Y_train = nn.data.make_lorenz(args.steps, dt=dt, seed=args.seed)
    X_test, Y_test = nn.data.make_lorenz(5000, dt=dt, seed=args.seed + 1)  # another trajectory
    D_train, D_test = Y_train - X_train, Y_test - X_test
    print(
        f"Lorenz (σ=10, ρ=28, β=8/3), RK4 with dt={dt}: {len(X_train)} training pairs, "
        f"{len(X_test)} test pairs from a second trajectory"
    )
    print(
        f"MLP 3 -> {args.hidden} -> {args.hidden} -> 3 (tanh) predicts Δ = x_(t+1) − x_t; "
        f"Adam lr {args.lr} (cosine), batch 64, {args.epochs} epochs"
    )

    model = StepModel(make_net(args.hidden, args.seed), X_train, D_train)
    start = time.perf_counter()
    train(model, X_train, D_train, args)
    seconds = time.perf_counter() - start

    D_pred = model.increment(X_test)
    result: dict[str, Any] = {
        "r2_next_state": r2(Y_test, X_test + D_pred),
        "r2_increment": r2(D_test, D_pred),
        "r2_persistence": r2(Y_test, X_test),  # baseline: x_{t+1} = x_t
        "train_seconds": seconds,
    }
    print(f"\none step ahead on the held-out trajectory (trained in {seconds:.1f}s):")
    print(f"  {'':29s} {'R²':>11s} {'1 − R²':>11s}")
    for label, key in (
        ("next state x_(t+1)", "r2_next_state"),
        ("baseline x_(t+1) = x_t", "r2_persistence"),
        ("increment Δ (the real test)", "r2_increment"),
    ):
        print(f"  {label:29s} {result[key]:11.6f} {1.0 - result[key]:11.2e}")

    # Free-running rollouts from 50 test states; error relative to the attractor's size.
    starts = np.arange(0, len(X_test) - max(HORIZONS) - 1, (len(X_test) - max(HORIZONS)) // 50)
    rollout = model.rollout(X_test[starts], max(HORIZONS))  # (H + 1, batch, 3)
    size = float(np.sqrt(np.mean(np.sum((X_test - X_test.mean(axis=0)) ** 2, axis=1))))
    errors = {}
    print(
        f"\nfree-running rollout from {len(starts)} test states "
        f"(RMS distance / attractor RMS radius {size:.1f}):"
    )
    for h in HORIZONS:
        truth = X_test[starts + h]  # the true state h steps later
        errors[h] = float(np.sqrt(np.mean(np.sum((rollout[h] - truth) ** 2, axis=1)))) / size
        print(f"  after {h:3d} steps (t = {h * dt:.1f}):  {errors[h]:.4f}")
    result["rollout_error"] = errors
    if args.plot is not None:
        truth = X_test[starts[0] : starts[0] + 801]
        path = save_plot(args.plot, truth, model.rollout(truth[:1], len(truth) - 1)[:, 0])
        if path is not None:
            print(f"wrote {path}")
    return result


# %% [markdown]
# ## Run
#
# From a shell: `python examples/07_lorenz_regression.py [--quick] [--epochs N] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
