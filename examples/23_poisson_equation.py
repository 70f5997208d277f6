# %%
"""23 - The 1-D Poisson equation solved by a network, written as with HIPS autograd.

On x ∈ [0, 1] with Dirichlet boundaries,

    −u″(x) = f(x),    u(0) = u(1) = 0,

for two right-hand sides with known solutions:

* sine          f = π² sin(πx)                 u = sin(πx);
* exponential   f = 100 e^{−10x} (the course's) u = 1 − (1 − e^{−10}) x − e^{−10x}.

The trial solution g(x) = x(1 − x)·N(x, P) is zero at both ends for any weights P of the
network N (one hidden tanh layer; each weight matrix carries its bias in column 0, as the
course writes it), so training only has to make the equation hold at the points:

    C(P) = mean_i (−g″(x_i) − f(x_i))².

g″ = `elementwise_grad(elementwise_grad(g_trial, 0))(x, P)`: the second derivative at every
point in two reverse passes (each point's output depends only on its own x), inside a cost
that `grad(cost, 0)(P, x)` differentiates with respect to the list P — three nested
transforms. A check cell confirms g″ against the diagonal of `hessian`, and the script
reports the max error of g against u.

Run:  python examples/23_poisson_equation.py [--quick] [--plot DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import autograd_mini.numpy as np
from autograd_mini.func import elementwise_grad, grad, hessian
from nn.training import PlotUnavailable, new_figure, save_figure

# %%
PROBLEMS = {
    "sine": (lambda x: np.pi ** 2 * np.sin(np.pi * x), lambda x: np.sin(np.pi * x)),
    "exponential": (lambda x: 100 * np.exp(-10 * x),
                    lambda x: 1 - (1 - np.exp(-10)) * x - np.exp(-10 * x)),
}


# %%
def deep_neural_network(P: list[Any], x: Any) -> Any:
    """N(x): (points,) -> (points,). P = [W_hidden (h, 2), W_output (1, h + 1)]; a row of
    ones in front of each layer's input carries the bias."""
    num_points = np.size(x)
    x_prev = np.reshape(x, (1, num_points))  # (1, points)
    for w_hidden in P[:-1]:
        x_prev = np.concatenate((np.ones((1, num_points)), x_prev), axis=0)
        x_prev = np.tanh(np.matmul(w_hidden, x_prev))  # (hidden, points)
    x_prev = np.concatenate((np.ones((1, num_points)), x_prev), axis=0)
    return np.matmul(P[-1], x_prev)[0]  # (points,)


def g_trial(x: Any, P: list[Any]) -> Any:
    """g(x) = x(1 − x) N(x): zero at x = 0 and x = 1 whatever P is."""
    return x * (1 - x) * deep_neural_network(P, x)


# %%
def solve(name: str, x: Any, hidden: int, steps: int, lr: float, seed: int) -> dict[str, Any]:
    f, exact = PROBLEMS[name]

    def cost(P: list[Any], x: Any) -> Any:
        d2_g = elementwise_grad(elementwise_grad(g_trial, 0))(x, P)  # g″ at every point
        return np.mean((-d2_g - f(x)) ** 2)

    rng = np.random.default_rng(seed)
    P = [rng.normal(size=(hidden, 2)), rng.normal(size=(1, hidden + 1)) / np.sqrt(hidden)]
    cost_grad = grad(cost, 0)
    start_cost = float(cost(P, x))
    m = [np.zeros_like(p) for p in P]
    v = [np.zeros_like(p) for p in P]
    for step in range(1, steps + 1):  # Adam: plain gradient descent needs far more steps
        gradients = cost_grad(P, x)
        for i, g in enumerate(gradients):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            P[i] = P[i] - lr * (m[i] / (1 - 0.9 ** step)) / (
                np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
    test = np.linspace(0, 1, 101)
    predicted = np.asarray(g_trial(test, P))
    error = float(np.max(np.abs(predicted - exact(test))))
    final_cost = float(cost(P, x))
    print(f"{name:>12}: cost {start_cost:.3e} -> {final_cost:.3e}; "
          f"max |g − u| on [0, 1]: {error:.2e} (u peaks at {np.max(exact(test)):.2f})")
    return {"error": error, "start_cost": start_cost, "final_cost": final_cost, "P": P,
            "test": test, "predicted": predicted, "exact": exact(test)}


# %%
def second_derivative_check(x: Any, P: list[Any]) -> float:
    """elementwise_grad twice against the Hessian's diagonal: the same g″ two ways."""
    twice = elementwise_grad(elementwise_grad(g_trial, 0))(x, P)
    H = hessian(lambda x: np.sum(g_trial(x, P)))(x)  # (points, points), diagonal: g″
    return float(np.max(np.abs(twice - np.diag(H))))


# %%
def save_plot(directory: Path, results: dict[str, dict[str, Any]]) -> Path | None:
    try:
        fig = new_figure(8, 3.5)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    for ax, (name, r) in zip(fig.subplots(1, 2), results.items()):
        ax.plot(r["test"], r["exact"], "k", label="exact u")
        ax.plot(r["test"], r["predicted"], "r--", label="network trial g")
        ax.set_title(f"−u″ = f, {name}")
        ax.set_xlabel("x")
        ax.legend()
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "23_poisson.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Solve both problems and report each trial solution's max error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps (CI)")
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=20)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.steps, args.lr = 10, 300, 0.03
    x = np.linspace(0, 1, args.points)
    results = {name: solve(name, x, args.hidden, args.steps, args.lr, args.seed)
               for name in PROBLEMS}
    check = second_derivative_check(x, results["sine"]["P"])
    print(f"g″ by elementwise_grad twice vs the Hessian's diagonal: max difference {check:.1e}")
    if args.plot is not None:
        path = save_plot(args.plot, results)
        if path is not None:
            print(f"wrote {path}")
    out: dict[str, Any] = {name: {k: r[k] for k in ("error", "start_cost", "final_cost")}
                           for name, r in results.items()}
    out["second_derivative_check"] = check
    return out


# %% [markdown]
# ## Run
#
# From a shell: `python examples/23_poisson_equation.py [--quick] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
