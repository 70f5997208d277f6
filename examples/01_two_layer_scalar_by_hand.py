# %%
"""01 - The lecture's two-layer scalar network, differentiated four ways.

One input x, one hidden unit, one output, sigmoid everywhere:

    z1 = w1·x + b1,   a1 = σ(z1),   z2 = w2·a1 + b2,   ŷ = σ(z2),   C = ½(ŷ − y)²

The chain rule, written out by hand (σ'(z) = σ(z)(1 − σ(z))):

    ∂C/∂b2 = (ŷ − y)·σ'(z2)                  ∂C/∂w2 = (ŷ − y)·σ'(z2)·a1
    ∂C/∂b1 = (ŷ − y)·σ'(z2)·w2·σ'(z1)        ∂C/∂w1 = (ŷ − y)·σ'(z2)·w2·σ'(z1)·x

The lecture notes print ∂C/∂w1 wrongly: the printed version has no factor w2. But w1 only
reaches C through z2 = w2·a1, so the error signal flowing back from z2 to a1 is multiplied by
w2 on the way. This script computes the four partials by hand, with the autograd engine, with
the matrix-form delta equations (nn.delta) and with central finite differences, shows that
all four agree, and shows that the formula without w2 does not.

Run:  python examples/01_two_layer_scalar_by_hand.py [--seed N] [--plot DIR]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

import autograd_mini as am
from nn import delta
from nn.training import PlotUnavailable, new_figure, save_figure

PARAMETER_NAMES = ("w1", "b1", "w2", "b2")
# Default point: w2 is far from 1, so a formula that forgets w2 is visibly wrong.
DEFAULT_POINT = {"x": 1.5, "y": 0.2, "w1": 0.8, "b1": -0.3, "w2": -2.0, "b2": 0.4}


# %%
def sigmoid(t: float) -> float:
    """σ(t) = 1 / (1 + e^(−t))."""
    return 1.0 / (1.0 + math.exp(-t))


# %%
def cost(x: float, y: float, w1: float, b1: float, w2: float, b2: float) -> float:
    """C = ½(σ(w2·σ(w1·x + b1) + b2) − y)², the forward pass in plain floats."""
    y_hat = sigmoid(w2 * sigmoid(w1 * x + b1) + b2)
    return 0.5 * (y_hat - y) ** 2


# %%
def by_hand(x: float, y: float, w1: float, b1: float, w2: float, b2: float) -> dict[str, float]:
    """The forward pass and the four partial derivatives, one chain-rule factor at a time."""
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    y_hat = sigmoid(z2)
    d_sigma_z1 = a1 * (1.0 - a1)  # σ'(z1)
    d_sigma_z2 = y_hat * (1.0 - y_hat)  # σ'(z2)
    delta2 = (y_hat - y) * d_sigma_z2  # ∂C/∂z2: the output error
    delta1 = delta2 * w2 * d_sigma_z1  # ∂C/∂z1: back through z2 = w2·a1, then through σ
    return {
        "z1": z1,
        "a1": a1,
        "z2": z2,
        "y_hat": y_hat,
        "C": 0.5 * (y_hat - y) ** 2,
        "w2": delta2 * a1,
        "b2": delta2,
        "w1": delta1 * x,
        "b1": delta1,
    }


# %%
def wrong_dC_dw1(x: float, y: float, w1: float, b1: float, w2: float, b2: float) -> float:
    """The misprinted formula (ŷ − y)·σ'(z2)·σ'(z1)·x: it forgets the factor w2."""
    a1 = sigmoid(w1 * x + b1)
    y_hat = sigmoid(w2 * a1 + b2)
    return (y_hat - y) * y_hat * (1.0 - y_hat) * a1 * (1.0 - a1) * x


# %%
def by_autograd(x: float, y: float, **params: float) -> dict[str, float]:
    """The same network as a recorded graph of am Tensors; one backward() gives all four."""
    leaves = {name: am.tensor(params[name], requires_grad=True) for name in PARAMETER_NAMES}
    a1 = am.sigmoid(leaves["w1"] * x + leaves["b1"])
    y_hat = am.sigmoid(leaves["w2"] * a1 + leaves["b2"])
    loss = 0.5 * (y_hat - y) ** 2
    loss.backward()
    return {name: float(leaf.grad) for name, leaf in leaves.items()}


# %%
def by_delta_equations(x: float, y: float, **params: float) -> dict[str, float]:
    """The matrix-form delta equations of nn.delta on 1x1 matrices (one sample, one unit)."""
    result = delta.backward(
        X=[[x]],
        y=[[y]],
        weights=[[[params["w1"]]], [[params["w2"]]]],
        biases=[[params["b1"]], [params["b2"]]],
        activations=["sigmoid", "sigmoid"],
        loss="mse_half_sum",
    )
    return {
        "w1": float(result.grad_W[0][0, 0]),
        "b1": float(result.grad_b[0][0]),
        "w2": float(result.grad_W[1][0, 0]),
        "b2": float(result.grad_b[1][0]),
    }


# %%
def by_finite_differences(x: float, y: float, h: float = 1e-6, **params: float) -> dict[str, float]:
    """Central differences (C(p + h) − C(p − h)) / 2h, error O(h²) plus rounding ~1e-10."""
    grads = {}
    for name in PARAMETER_NAMES:
        up, down = dict(params), dict(params)
        up[name] += h
        down[name] -= h
        grads[name] = (cost(x, y, **up) - cost(x, y, **down)) / (2.0 * h)
    return grads


# %%
def draw_point(seed: int | None) -> dict[str, float]:
    """The default point, or a random one from `seed` (|w2 − 1| kept > 0.5 so w2 matters)."""
    if seed is None:
        return dict(DEFAULT_POINT)
    rng = np.random.default_rng(seed)
    point = {name: float(rng.uniform(-2.0, 2.0)) for name in DEFAULT_POINT}
    point["y"] = float(rng.uniform(0.0, 1.0))
    while abs(point["w2"] - 1.0) < 0.5:
        point["w2"] = float(rng.uniform(-3.0, 3.0))
    return point


# %%
def save_plot(
    directory: Path, point: dict[str, float], slope: float, wrong_slope: float
) -> Path | None:
    """C(w1) with the tangent of slope ∂C/∂w1 and the misprinted slope (needs matplotlib)."""
    try:
        fig = new_figure(5, 3.5)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    others = {k: v for k, v in point.items() if k != "w1"}
    w1s = np.linspace(point["w1"] - 3.0, point["w1"] + 3.0, 200)
    ax = fig.add_subplot()
    ax.plot(w1s, [cost(w1=w, **others) for w in w1s], label="C(w1)")
    c0 = cost(**point)
    ax.plot(w1s, c0 + slope * (w1s - point["w1"]), "--", label="tangent, slope ∂C/∂w1")
    ax.plot(w1s, c0 + wrong_slope * (w1s - point["w1"]), ":", label="misprinted slope (no w2)")
    ax.set_xlabel("w1")
    ax.set_ylabel("C")
    ax.legend()
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "01_cost_vs_w1.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print the forward pass, the four partials four ways, and the misprinted ∂C/∂w1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="draw a random point from this seed instead of the default one",
    )
    parser.add_argument("--quick", action="store_true", help="accepted for CI; already quick")
    parser.add_argument(
        "--plot",
        type=Path,
        default=None,
        metavar="DIR",
        help="write 01_cost_vs_w1.png into DIR (needs matplotlib)",
    )
    args = parser.parse_args(argv)

    point = draw_point(args.seed)
    x, y = point["x"], point["y"]
    params = {name: point[name] for name in PARAMETER_NAMES}
    hand = by_hand(**point)
    methods = {
        "by hand": {name: hand[name] for name in PARAMETER_NAMES},
        "autograd": by_autograd(x, y, **params),
        "delta eqs": by_delta_equations(x, y, **params),
        "finite diff": by_finite_differences(x, y, **params),
    }

    print("Two-layer scalar network  ŷ = σ(w2·σ(w1·x + b1) + b2),  C = ½(ŷ − y)²")
    print("  " + ", ".join(f"{k} = {v:+.4f}" for k, v in point.items()))
    print(
        f"  forward: z1 = {hand['z1']:+.6f}  a1 = {hand['a1']:.6f}  z2 = {hand['z2']:+.6f}"
        f"  ŷ = {hand['y_hat']:.6f}  C = {hand['C']:.6f}"
    )
    print()
    header = f"{'':8s}" + "".join(f"{m:>16s}" for m in methods) + f"{'max |diff|':>13s}"
    print(header)
    print("-" * len(header))
    max_diff = 0.0
    for name in PARAMETER_NAMES:
        values = [methods[m][name] for m in methods]
        spread = max(values) - min(values)
        max_diff = max(max_diff, spread)
        row = "".join(f"{v:+16.10f}" for v in values)
        print(f"∂C/∂{name:4s}{row}{spread:13.1e}")

    packaged = delta.worked_example(**point)  # the library's copy of the by-hand formulas
    packaged_diff = max(abs(packaged["dC_d" + name] - hand[name]) for name in PARAMETER_NAMES)
    print(f"nn.delta.worked_example gives the same four partials (max |diff| {packaged_diff:.1e}).")

    wrong = wrong_dC_dw1(**point)
    right = hand["w1"]
    print()
    print(f"∂C/∂w1 = (ŷ − y)·σ'(z2)·w2·σ'(z1)·x      (correct)      = {right:+.10f}")
    print(
        "∂C/∂w1 = (ŷ − y)·σ'(z2)·σ'(z1)·x  as misprinted in the lecture notes: no w2 "
        f"= {wrong:+.10f}"
    )
    print(
        f"The misprinted version is off by the factor w2 = {point['w2']:+.4f}: it differs "
        f"from autograd by {abs(wrong - methods['autograd']['w1']):.3e}."
    )
    print(f"The four correct methods agree to {max_diff:.1e} (finite differences limit this).")
    if args.plot is not None:
        path = save_plot(args.plot, point, right, wrong)
        if path is not None:
            print(f"wrote {path}")
    return {
        "point": point,
        "forward": {k: hand[k] for k in ("z1", "a1", "z2", "y_hat", "C")},
        "grads": methods,
        "max_diff": max_diff,
        "worked_example_diff": packaged_diff,
        "wrong_dC_dw1": wrong,
        "wrong_error": abs(wrong - methods["autograd"]["w1"]),
    }


# %% [markdown]
# ## Run
#
# From a shell: `python examples/01_two_layer_scalar_by_hand.py [--seed N] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
