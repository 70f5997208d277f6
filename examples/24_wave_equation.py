# %%
"""24 - The wave equation solved by a network: second derivatives in space and in time.

The 1+1-D wave equation on x ∈ [0, 1], t ∈ [0, 1] with wave speed c,

    u_tt = c² u_xx,   u(x, 0) = sin(πx),   u_t(x, 0) = 0,   u(0, t) = u(1, t) = 0,

has the standing wave u(x, t) = sin(πx) cos(cπt) as its solution. The trial solution

    g(x, t) = (1 − t²)·sin(πx) + x(1 − x)·t²·N(x, t; P)

meets all four conditions for any weights P of the network N (two hidden tanh layers): at
t = 0 it is sin(πx) and its t-derivative vanishes (every other term carries t²), and the
factor x(1 − x) keeps the ends fixed. Training makes the equation hold at N_c points:

    C(P) = mean_i (g_tt(x_i, t_i) − c² g_xx(x_i, t_i))².

`elementwise_grad` gives ∇g = (g_x, g_t) at every point in one reverse pass; `jvp` of it
along x gives (g_xx, g_tx) and along t gives (g_xt, g_tt) — two forward-over-reverse passes,
no loop over the points — and `grad` of the cost differentiates through all of it with
respect to P. A check cell computes the same residual the course's way, `hessian(g)(point, P)`
one point at a time. The script reports the max error against sin(πx) cos(cπt) on a grid.

Run:  python examples/24_wave_equation.py [--quick] [--plot DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import autograd_mini.numpy as np
from autograd_mini.func import elementwise_grad, grad, hessian, jvp
from nn.training import PlotUnavailable, new_figure, save_figure


# %%
def init_weights(hidden: int, seed: int) -> list[Any]:
    """[W1 (2, h), b1 (h,), W2 (h, h), b2 (h,), W3 (h, 1), b3 (1,)], Glorot-scaled."""
    rng = np.random.default_rng(seed)
    P = []
    for n_in, n_out in ((2, hidden), (hidden, hidden), (hidden, 1)):
        P.append(rng.normal(size=(n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out)))
        P.append(np.zeros(n_out))
    return P


# %%
def network(P: list[Any], X: Any) -> Any:
    """N(x, t): (points, 2) -> (points, 1)."""
    h = np.tanh(X @ P[0] + P[1])  # (points, hidden)
    h = np.tanh(h @ P[2] + P[3])  # (points, hidden)
    return h @ P[4] + P[5]  # (points, 1)


def g_trial(X: Any, P: list[Any]) -> Any:
    """g(x, t) = (1 − t²) sin(πx) + x(1 − x) t² N(x, t): (points, 2) -> (points, 1)."""
    x, t = X[:, 0:1], X[:, 1:2]
    return (1 - t ** 2) * np.sin(np.pi * x) + x * (1 - x) * t ** 2 * network(P, X)


# %%
def residual(P: list[Any], X: Any, c: float) -> Any:
    """g_tt − c² g_xx at every point: (points,)."""
    def gradient(X: Any) -> Any:  # (points, 2): [g_x, g_t], one reverse pass
        return elementwise_grad(g_trial, 0)(X, P)

    along_x, along_t = np.zeros(X.shape), np.zeros(X.shape)
    along_x[:, 0] = 1.0
    along_t[:, 1] = 1.0
    g_xx = jvp(gradient, (X,), (along_x,))[1][:, 0]  # ∂/∂x of g_x
    g_tt = jvp(gradient, (X,), (along_t,))[1][:, 1]  # ∂/∂t of g_t
    return g_tt - c ** 2 * g_xx


def cost(P: list[Any], X: Any, c: float) -> Any:
    return np.mean(residual(P, X, c) ** 2)


# %%
def residual_point_by_point(P: list[Any], X: Any, c: float) -> Any:
    """The course's way: the 2×2 Hessian of g at each point, one point at a time."""
    def g_point(point: Any, P: list[Any]) -> Any:  # (2,) -> a number
        return g_trial(np.reshape(point, (1, 2)), P)[0, 0]

    hessian_g = hessian(g_point)
    out = []
    for point in X:
        H = hessian_g(point, P)  # [[g_xx, g_xt], [g_tx, g_tt]]
        out.append(H[1, 1] - c ** 2 * H[0, 0])
    return np.array(out)


# %%
def analytic(X: Any, c: float) -> Any:
    return np.sin(np.pi * X[:, 0:1]) * np.cos(c * np.pi * X[:, 1:2])


def grid(n: int) -> Any:
    xs, ts = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n))
    return np.stack([xs.ravel(), ts.ravel()], axis=1)  # (n², 2)


def max_error(P: list[Any], X: Any, c: float) -> float:
    return float(np.max(np.abs(np.asarray(g_trial(X, P)) - analytic(X, c))))


# %%
def adam(P: list[Any], steps: int, X: Any, c: float, lr: float) -> list[float]:
    """Adam on the weights (HIPS style: plain arrays in, gradients as arrays out)."""
    d_cost = grad(cost, 0)
    m = [np.zeros_like(p) for p in P]
    v = [np.zeros_like(p) for p in P]
    history = []
    for step in range(1, steps + 1):
        grads = d_cost(P, X, c)
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            P[i] = P[i] - lr * (m[i] / (1 - 0.9 ** step)) / (
                np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
        if step % max(steps // 10, 1) == 0 or step == 1:
            history.append(float(cost(P, X, c)))
    return history


# %%
def save_plot(directory: Path, P: list[Any], c: float) -> Path | None:
    """u(x, t) at a few times: the network (dashed) against the standing wave (solid)."""
    try:
        fig = new_figure(5, 4)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    ax = fig.add_subplot()
    x = np.linspace(0, 1, 101)
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        X = np.stack([x, np.full_like(x, t)], axis=1)
        line = ax.plot(x, analytic(X, c)[:, 0], "-", label=f"t = {t}")[0]
        ax.plot(x, np.asarray(g_trial(X, P))[:, 0], "--", color=line.get_color())
    ax.set_xlabel("x")
    ax.set_ylabel("u (solid: exact, dashed: network)")
    ax.legend()
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "24_wave.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train the trial solution and report its max error against sin(πx) cos(cπt)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer points and steps (CI)")
    parser.add_argument("--points", type=int, default=16, help="collocation grid per axis")
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--c", type=float, default=1.0, help="wave speed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.hidden, args.steps, args.lr = 8, 10, 150, 0.03

    X = grid(args.points)
    X = X[(X[:, 0] > 0) & (X[:, 0] < 1) & (X[:, 1] > 0)]  # interior: the trial meets the rest
    P = init_weights(args.hidden, args.seed)
    test_points = grid(41)
    untrained = max_error(P, test_points, args.c)
    print(f"wave u_tt = {args.c:g}² u_xx: {len(X)} collocation points, "
          f"2-{args.hidden}-{args.hidden}-1 tanh network, Adam for {args.steps} steps")
    start = time.perf_counter()
    history = adam(P, args.steps, X, args.c, args.lr)
    seconds = time.perf_counter() - start
    error = max_error(P, test_points, args.c)
    print(f"cost {history[0]:.3e} -> {history[-1]:.3e} in {seconds:.1f} s "
          f"({1e3 * seconds / args.steps:.1f} ms per step)")
    print(f"max |u − sin(πx) cos({args.c:g}πt)| on a 41×41 grid: {error:.2e} "
          f"(untrained {untrained:.2e})")
    few = X[:: max(len(X) // 5, 1)]
    check = float(np.max(np.abs(np.asarray(residual(P, few, args.c))
                                - residual_point_by_point(P, few, args.c))))
    print(f"residual by jvp of elementwise_grad vs hessian point by point ({len(few)} points): "
          f"max difference {check:.1e}")
    if args.plot is not None:
        path = save_plot(args.plot, P, args.c)
        if path is not None:
            print(f"wrote {path}")
    return {"max_error": error, "untrained_error": untrained, "cost": history,
            "seconds_per_step": seconds / args.steps, "hessian_check": check}


# %% [markdown]
# ## Run
#
# From a shell: `python examples/24_wave_equation.py [--quick] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
