# %%
"""20 - The diffusion equation solved by a network: derivatives of a network's *inputs*.

The 1+1-D diffusion (heat) equation on x ∈ [0, 1], t ∈ [0, 1],

    u_t = u_xx,    u(x, 0) = sin(πx),    u(0, t) = u(1, t) = 0,

has the solution u(x, t) = e^{−π²t} sin(πx). Following Lagaris et al., the trial solution

    g(x, t) = (1 − t)·sin(πx) + x(1 − x)·t·N(x, t; P)

meets the initial and boundary conditions for any weights P of the network N (two hidden tanh
layers), so training only has to make the equation hold at N_c collocation points:

    C(P) = mean_i (g_t(x_i, t_i) − g_xx(x_i, t_i))².

g_t comes from `elementwise_grad` (one reverse pass gives ∂g/∂x and ∂g/∂t at every point),
g_xx from `jvp` of that gradient along x (forward-over-reverse: one more pass), and the cost's
gradient with respect to P from `grad`, through both — three nested transforms, no loop over
the points. The script reports the max error against the analytic solution on a grid.

Run:  python examples/20_diffusion_equation.py [--quick] [--plot DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini.func import elementwise_grad, grad, jvp
from nn.training import PlotUnavailable, new_figure, save_figure


# %%
def init_weights(hidden: int, seed: int) -> list[np.ndarray]:
    """[W1 (2, h), b1 (h,), W2 (h, h), b2 (h,), W3 (h, 1), b3 (1,)], Glorot-scaled."""
    rng = np.random.default_rng(seed)
    sizes = [(2, hidden), (hidden, hidden), (hidden, 1)]
    P: list[np.ndarray] = []
    for n_in, n_out in sizes:
        P.append(rng.normal(size=(n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out)))
        P.append(np.zeros(n_out))
    return P


# %%
def network(P: list[Any], X: Any) -> Any:
    """N(x, t): (points, 2) -> (points, 1)."""
    h = am.tanh(X @ P[0] + P[1])  # (points, hidden)
    h = am.tanh(h @ P[2] + P[3])  # (points, hidden)
    return h @ P[4] + P[5]  # (points, 1)


# %%
def trial(X: Any, P: list[Any]) -> Any:
    """g(x, t) = (1 − t) sin(πx) + x(1 − x) t N(x, t): (points, 2) -> (points, 1)."""
    x, t = X[:, 0:1], X[:, 1:2]
    return (1.0 - t) * am.sin(np.pi * x) + x * (1.0 - x) * t * network(P, X)


# %%
def residual(P: list[Any], X: np.ndarray) -> Any:
    """g_t − g_xx at every collocation point: (points, 1)."""
    def gradient(X: Any) -> Any:  # (points, 2): [g_x, g_t], one reverse pass
        return elementwise_grad(trial, 0)(X, P)

    along_x = np.zeros_like(X)
    along_x[:, 0] = 1.0
    first, second = jvp(gradient, (X,), (along_x,))  # second[:, 0] = g_xx
    return first[:, 1:2] - second[:, 0:1]


# %%
def cost(P: list[Any], X: np.ndarray) -> Any:
    return (residual(P, X) ** 2).mean()


# %%
def analytic(X: np.ndarray) -> np.ndarray:
    return np.exp(-np.pi ** 2 * X[:, 1:2]) * np.sin(np.pi * X[:, 0:1])


# %%
def grid(n: int) -> np.ndarray:
    xs, ts = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n))
    return np.stack([xs.ravel(), ts.ravel()], axis=1)  # (n², 2)


# %%
def max_error(P: list[np.ndarray], X: np.ndarray) -> float:
    with am.no_grad():
        return float(np.max(np.abs(trial(X, P).data - analytic(X))))


# %%
def adam(P: list[np.ndarray], steps: int, X: np.ndarray, lr: float) -> list[float]:
    """Adam on the weights (HIPS style: plain arrays in, gradients as arrays out)."""
    d_cost = grad(cost, 0)
    m = [np.zeros_like(p) for p in P]
    v = [np.zeros_like(p) for p in P]
    history = []
    for step in range(1, steps + 1):
        grads = d_cost(P, X)
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            P[i] -= lr * (m[i] / (1 - 0.9 ** step)) / (np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
        if step % max(steps // 10, 1) == 0 or step == 1:
            history.append(float(cost(P, X).item()))
    return history


# %%
def save_plot(directory: Path, P: list[np.ndarray]) -> Path | None:
    """The network's u(x, t) at a few times against the analytic solution."""
    try:
        fig = new_figure(5, 4)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 101)
    for t in (0.0, 0.05, 0.1, 0.2, 0.4):
        X = np.stack([x, np.full_like(x, t)], axis=1)
        with am.no_grad():
            u = trial(X, P).data[:, 0]
        line = ax.plot(x, analytic(X)[:, 0], "-", label=f"t = {t}")[0]
        ax.plot(x, u, "--", color=line.get_color())
    ax.set_xlabel("x")
    ax.set_ylabel("u (solid: exact, dashed: network)")
    ax.legend()
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "20_diffusion.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train the trial solution and report its max error against e^{−π²t} sin(πx)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer points and steps (CI)")
    parser.add_argument("--points", type=int, default=20, help="collocation grid per axis")
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.hidden, args.steps, args.lr = 10, 10, 150, 0.05

    X = grid(args.points)
    X = X[(X[:, 0] > 0) & (X[:, 0] < 1) & (X[:, 1] > 0)]  # interior: the trial meets the rest
    P = init_weights(args.hidden, args.seed)
    test_points = grid(41)
    untrained = max_error(P, test_points)
    print(f"diffusion u_t = u_xx: {len(X)} collocation points, 2-{args.hidden}-{args.hidden}-1 "
          f"tanh network, Adam for {args.steps} steps")
    start = time.perf_counter()
    history = adam(P, args.steps, X, args.lr)
    seconds = time.perf_counter() - start
    error = max_error(P, test_points)
    print(f"cost {history[0]:.3e} -> {history[-1]:.3e} in {seconds:.1f} s "
          f"({1e3 * seconds / args.steps:.1f} ms per step)")
    print(f"max |u − e^(−π²t) sin(πx)| on a 41×41 grid: {error:.2e} (untrained {untrained:.2e})")
    if args.plot is not None:
        path = save_plot(args.plot, P)
        if path is not None:
            print(f"wrote {path}")
    return {"max_error": error, "untrained_error": untrained, "cost": history,
            "seconds_per_step": seconds / args.steps}


# %% [markdown]
# ## Run
#
# From a shell: `python examples/20_diffusion_equation.py [--quick] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
