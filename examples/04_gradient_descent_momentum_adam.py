# %%
"""04 - Gradient descent, momentum and Adam on a curved valley and on the digits.

All three optimizers walk downhill along the gradient g = ∇C(θ); they differ in how a step is
built from the gradients seen so far (the update rules of nn.optim, PyTorch's conventions):

    gradient descent   θ ← θ − η g
    momentum           v ← μ v + g,   θ ← θ − η v                     (μ = 0.9)
    Adam               m ← β1 m + (1 − β1) g,   s ← β2 s + (1 − β2) g²
                       θ ← θ − η m̂ / (√ŝ + ε),  m̂ = m / (1 − β1^t), ŝ = s / (1 − β2^t)

Momentum averages the gradients, so steps that zig-zag across a narrow valley cancel and the
steps along it add up. Adam divides each coordinate by a running size of its own gradient,
so all coordinates move at a similar pace whatever their scale. Part 1 minimises the
Rosenbrock function C(x, y) = (1 − x)² + 100 (y − x²)², whose minimum (1, 1) lies at the
bottom of a long curved valley; part 2 trains the same digits classifier with each method,
gradient descent and momentum with the same η.

Run:  python examples/04_gradient_descent_momentum_adam.py [--quick] [--steps N] [--epochs N]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am
import nn

Factory = Callable[[list[nn.Parameter]], nn.optim.Optimizer]

VALLEY_OPTIMIZERS: dict[str, Factory] = {
    "gradient descent, η=1e-3": lambda ps: nn.optim.SGD(ps, lr=1e-3),
    "momentum 0.9, η=1e-3": lambda ps: nn.optim.SGD(ps, lr=1e-3, momentum=0.9),
    "Nesterov 0.9, η=1e-3": lambda ps: nn.optim.SGD(ps, lr=1e-3, momentum=0.9, nesterov=True),
    "Adam, η=1e-2": lambda ps: nn.optim.Adam(ps, lr=1e-2),
}
DIGITS_OPTIMIZERS: dict[str, Factory] = {
    "gradient descent, η=0.01": lambda ps: nn.optim.SGD(ps, lr=0.01),
    "momentum 0.9, η=0.01": lambda ps: nn.optim.SGD(ps, lr=0.01, momentum=0.9),
    "Adam, η=1e-3": lambda ps: nn.optim.Adam(ps, lr=1e-3),
}


# %%
def rosenbrock(p: am.Tensor) -> am.Tensor:
    """C(x, y) = (1 − x)² + 100 (y − x²)²; minimum 0 at (1, 1)."""
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


# %%
def descend(make: Factory, steps: int, tol: float = 1e-6) -> dict[str, Any]:
    """Minimise Rosenbrock from (−1.5, 2); record C and the first step with C < tol."""
    point = nn.Parameter(np.array([-1.5, 2.0]))
    optimizer = make([point])
    costs = []
    for _ in range(steps):
        optimizer.zero_grad()
        cost = rosenbrock(point)
        cost.backward()
        optimizer.step()
        costs.append(cost.item())
    reached = next((t + 1 for t, c in enumerate(costs) if c < tol), None)
    return {"costs": costs, "final_point": point.data.copy(), "steps_to_tol": reached}


# %%
def train_digits(make: Factory, epochs: int, seed: int) -> list[float]:
    """64 -> 64 -> 10 ReLU net on the digits; mean training loss after each epoch."""
    X, y = nn.data.load_digits()
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(64, 64, rng=rng), nn.ReLU(), nn.Linear(64, 10, rng=rng))
    optimizer = make(list(model.parameters()))
    loader = nn.data.DataLoader(X, y, batch_size=32, shuffle=True, seed=seed)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        losses.append(total / len(X))
    return losses


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Compare the three update rules on Rosenbrock's valley and on a digits classifier."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and epochs (CI)")
    parser.add_argument("--steps", type=int, default=5000, help="Rosenbrock steps")
    parser.add_argument("--epochs", type=int, default=10, help="digits epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.epochs = 2000, 2

    print(f"Part 1: Rosenbrock valley from (−1.5, 2), {args.steps} steps")
    checkpoints = [c for c in (10, 100, 1000, args.steps) if c <= args.steps]
    print(
        f"{'optimizer':26s}"
        + "".join(f"{f'C after {c}':>15s}" for c in checkpoints)
        + f"{'steps to C<1e-6':>17s}   final (x, y)"
    )
    valley = {}
    for label, make in VALLEY_OPTIMIZERS.items():
        run = descend(make, args.steps)
        valley[label] = run
        reached = run["steps_to_tol"]
        x, y = run["final_point"]
        print(
            f"{label:26s}"
            + "".join(f"{run['costs'][c - 1]:15.3e}" for c in checkpoints)
            + f"{reached if reached else 'not reached':>17}   ({x:.4f}, {y:.4f})"
        )

    print("\nPart 2: digits, 64 -> 64 -> 10 (ReLU), batch 32; mean training loss per epoch")
    digits = {
        label: train_digits(make, args.epochs, args.seed)
        for label, make in DIGITS_OPTIMIZERS.items()
    }
    shown = sorted({0, args.epochs // 2, args.epochs - 1})
    print(f"{'optimizer':26s}" + "".join(f"{f'epoch {e + 1}':>12s}" for e in shown))
    for label, losses in digits.items():
        print(f"{label:26s}" + "".join(f"{losses[e]:12.4f}" for e in shown))
    print("With the same η, momentum moves like gradient descent with η/(1 − μ) = 10η once the")
    print("gradients agree from step to step. Adam sizes each coordinate's step by that")
    print("coordinate's own gradient history, so its default η = 1e-3 works here untuned.")
    return {
        "valley": {
            k: {"final_cost": v["costs"][-1], "steps_to_tol": v["steps_to_tol"]}
            for k, v in valley.items()
        },
        "digits_final_loss": {k: v[-1] for k, v in digits.items()},
    }


# %% [markdown]
# ## Run
#
# From a shell:
# `python examples/04_gradient_descent_momentum_adam.py [--quick] [--steps N] [--epochs N]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
