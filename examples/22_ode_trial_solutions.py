# %%
"""22 - Ordinary differential equations solved by a network, written as with HIPS autograd.

Two initial-value problems on x ∈ [0, 1], each with a trial solution that meets the initial
condition for any weights P = [W_hidden, W_output] of a one-hidden-layer sigmoid network N:

* exponential decay   g′ = −γ g,  g(0) = g₀:   g_t(x) = g₀ + x·N(x, P),   exact g₀ e^{−γx};
* logistic growth     g′ = α g (1 − g/A), g(0) = g₀:  same trial,
                      exact A g₀ / (g₀ + (A − g₀) e^{−αx}).

The cost is the mean squared residual of the equation at the points, C(P) = mean (g_t′ − f)²,
where g_t′ = `elementwise_grad(g_trial, 0)(x, P)` — a derivative with respect to the *input*,
inside a cost that `grad(cost, 0)(P, x)` differentiates with respect to the *weights*. The code
is the course's HIPS autograd code with only the import lines changed; Adam updates the weights.

Run:  python examples/22_ode_trial_solutions.py [--quick] [--plot DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini.func import elementwise_grad, grad
from nn.training import PlotUnavailable, new_figure, save_figure

GAMMA, G0_DECAY = 2.0, 10.0
ALPHA, A, G0_LOGISTIC = 2.0, 1.0, 0.2


# %%
def network(P: list[Any], x: Any) -> Any:
    """N(x): (points, 1) -> (points, 1); a column of ones carries each layer's bias."""
    ones = np.ones((x.shape[0], 1))
    hidden = am.sigmoid(am.concatenate([ones, x], axis=1) @ P[0])  # (points, hidden)
    return am.concatenate([ones, hidden], axis=1) @ P[1]  # (points, 1)


# %%
def make_problem(name: str):
    """(right-hand side f(x, g), initial value, exact solution) for one equation."""
    if name == "decay":
        return (lambda x, g: -GAMMA * g), G0_DECAY, lambda x: G0_DECAY * np.exp(-GAMMA * x)
    return ((lambda x, g: ALPHA * g * (1 - g / A)), G0_LOGISTIC,
            lambda x: A * G0_LOGISTIC / (G0_LOGISTIC + (A - G0_LOGISTIC) * np.exp(-ALPHA * x)))


# %%
def solve(name: str, x: np.ndarray, hidden: int, steps: int, lr: float, seed: int
          ) -> dict[str, Any]:
    f, g0, exact = make_problem(name)

    def g_trial(x: Any, P: list[Any]) -> Any:
        return g0 + x * network(P, x)

    def cost(P: list[Any], x: np.ndarray) -> Any:
        d_g_trial = elementwise_grad(g_trial, 0)(x, P)
        return ((d_g_trial - f(x, g_trial(x, P))) ** 2).mean()

    rng = np.random.default_rng(seed)
    P = [rng.normal(size=(2, hidden)), rng.normal(size=(hidden + 1, 1))]
    cost_grad = grad(cost, 0)
    start_cost = float(cost(P, x))
    m = [np.zeros_like(p) for p in P]
    v = [np.zeros_like(p) for p in P]
    for step in range(1, steps + 1):  # Adam: plain descent needs ~100x more steps here
        gradients = cost_grad(P, x)
        for i, g in enumerate(gradients):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            P[i] = P[i] - lr * (m[i] / (1 - 0.9 ** step)) / (
                np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
    test = np.linspace(0, 1, 101).reshape(-1, 1)
    with am.no_grad():
        predicted = g_trial(test, P).data
    error = float(np.max(np.abs(predicted - exact(test))))
    print(f"{name:>8}: cost {start_cost:.3e} -> {float(cost(P, x)):.3e}; "
          f"max |g_trial − exact| on [0, 1]: {error:.2e}")
    return {"error": error, "start_cost": start_cost, "final_cost": float(cost(P, x)),
            "test": test, "predicted": predicted, "exact": exact(test)}


# %%
def save_plot(directory: Path, results: dict[str, dict[str, Any]]) -> Path | None:
    try:
        fig = new_figure(8, 3.5)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    for ax, (name, r) in zip(fig.subplots(1, 2), results.items()):
        ax.plot(r["test"], r["exact"], "k", label="exact")
        ax.plot(r["test"], r["predicted"], "r--", label="network trial")
        ax.set_title(name)
        ax.legend()
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "22_ode.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Solve both equations and report each trial solution's max error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps (CI)")
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=10)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps = 300
    x = np.linspace(0, 1, args.points).reshape(-1, 1)
    results = {name: solve(name, x, args.hidden, args.steps, args.lr, args.seed)
               for name in ("decay", "logistic")}
    if args.plot is not None:
        path = save_plot(args.plot, results)
        if path is not None:
            print(f"wrote {path}")
    return {name: {k: r[k] for k in ("error", "start_cost", "final_cost")}
            for name, r in results.items()}


# %% [markdown]
# ## Run
#
# From a shell: `python examples/22_ode_trial_solutions.py [--quick] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
