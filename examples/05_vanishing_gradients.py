# %%
"""05 - Vanishing gradients in a deep sigmoid network, and the fix (Glorot & Bengio, 2010).

Back-propagation multiplies the error by one factor per layer on its way to the input:

    δ^l = (δ^{l+1} W^{l+1,T}) ∘ f'(z^l)

so after k layers the size of δ scales like (‖W‖·f')^k. The sigmoid's slope is at most
σ'(0) = 1/4, and far smaller when |z| is large (the unit "saturates"). Two things go wrong:

- sigmoid with weights ~ N(0, 1): z sums 64 inputs, so |z| is large, about half the units
  saturate and the gradient that gets through is noise from a few unsaturated units;
- sigmoid with well-scaled (Glorot) weights: nothing saturates, but every layer still
  multiplies δ by at most 1/4, so the first layer's gradient is ~1e-4 of the last's.

ReLU has slope 1 where it is active; He initialisation (std √(2/fan_in)) makes up for the
half of the units that are off, so the gradient keeps its size from layer to layer. ELU and
tanh with Glorot initialisation (std √(2/(fan_in + fan_out))) behave the same way. This
script builds an 8-layer MLP on the 8x8 digits in each of these ways, lets nn.GradientMonitor
measure ‖∂C/∂W^l‖ per layer at the first step and print its diagnosis, then trains each with
plain gradient descent (SGD, no momentum) and compares test accuracy.

Run:  python examples/05_vanishing_gradients.py [--quick] [--epochs N] [--plot DIR]
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

# (label, activation module, weight initialiser)
CONFIGS: list[tuple[str, type[nn.Module], str]] = [
    ("sigmoid, N(0,1)", nn.Sigmoid, "normal"),
    ("sigmoid, Glorot", nn.Sigmoid, "glorot"),
    ("ReLU, He", nn.ReLU, "he"),
    ("ELU, Glorot", nn.ELU, "glorot"),
]


# %%
def build(
    activation: type[nn.Module], init: str, depth: int, width: int, seed: int
) -> nn.Sequential:
    """64 -> width x (depth-1) -> 10 with `activation` between layers; biases start at 0."""
    rng = np.random.default_rng(seed)
    sizes = [64] + [width] * (depth - 1) + [10]
    layers: list[nn.Module] = []
    for l in range(depth):
        linear = nn.Linear(sizes[l], sizes[l + 1], rng=rng)
        if init == "normal":
            nn.init.normal_(linear.weight, 0.0, 1.0, rng=rng)
        elif init == "he":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", rng=rng)
        else:
            nn.init.xavier_normal_(linear.weight, rng=rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if l < depth - 1:
            layers.append(activation())
    return nn.Sequential(*layers)


# %%
def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of samples whose largest logit is the true class."""
    with am.no_grad():
        return float(np.mean(model(X).data.argmax(axis=1) == y))


# %%
def run_config(
    activation: type[nn.Module], init: str, data: tuple[np.ndarray, ...], args: argparse.Namespace
) -> dict[str, Any]:
    """Monitor the first step, train with SGD, and return norms, findings and accuracy."""
    X_train, y_train, X_test, y_test = data
    model = build(activation, init, args.depth, args.width, args.seed)
    monitor = nn.GradientMonitor(model)
    optimizer = nn.optim.SGD(model.parameters(), lr=args.lr)
    loader = nn.data.DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=args.seed)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    first: dict[str, Any] | None = None
    for _ in range(args.epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            if first is None:  # the freshly initialised network: what the init alone does
                first = monitor.record(step=0)
                findings, summary = monitor.diagnose(), monitor.summary()
            optimizer.step()
    monitor.remove()
    assert first is not None
    norms = [layer["grad_norm"] for layer in first["layers"].values()]
    activations = first["activations"].values()
    saturated = [
        a["saturated_fraction"] for a in activations if a["saturated_fraction"] is not None
    ]
    dead = [a["dead_fraction"] for a in activations if a["dead_fraction"] is not None]
    return {
        "saturated": float(np.mean(saturated)) if saturated else 0.0,
        "dead": float(np.mean(dead)) if dead else 0.0,
        "grad_norms": norms,
        "first_over_last": norms[0] / norms[-1],
        "findings": findings,
        "summary": summary,
        "test_accuracy": accuracy(model, X_test, y_test),
        "seconds": time.perf_counter() - start,
    }


# %%
def save_plot(directory: Path, results: dict[str, dict[str, Any]]) -> Path | None:
    """‖∂C/∂W^l‖ against layer l, log scale, one line per configuration (needs matplotlib)."""
    try:
        fig = new_figure(6, 4)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    ax = fig.add_subplot()
    for label, result in results.items():
        norms = result["grad_norms"]
        ax.semilogy(range(1, len(norms) + 1), norms, "o-", label=label)
    ax.set_xlabel("layer l (1 = input side)")
    ax.set_ylabel("‖∂C/∂W^l‖ at the first step")
    ax.legend()
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "05_gradient_norms.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Compare per-layer gradient norms, monitor findings and accuracy of four deep MLPs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs (CI smoke run)")
    parser.add_argument("--depth", type=int, default=8, help="number of Linear layers")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--summaries",
        action="store_true",
        help="print the monitor's full per-layer summary for every network",
    )
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = 2

    X, y = nn.data.load_digits()
    X_train, y_train, _, _, X_test, y_test = nn.data.train_val_test_split(
        X, y, val=0.0, test=0.2, stratify=True, seed=args.seed
    )
    data = (X_train, y_train, X_test, y_test)
    print(
        f"{args.depth}-layer MLP 64 -> {args.width} x {args.depth - 1} -> 10 on the digits; "
        f"SGD lr {args.lr}, batch 32, {args.epochs} epochs\n"
    )

    results = {label: run_config(act, init, data, args) for label, act, init in CONFIGS}

    print("‖∂C/∂W^l‖ per layer at the first step (layer 1 is next to the input):")
    print(f"{'layer':>5s}" + "".join(f"{label:>18s}" for label in results))
    for l in range(args.depth):
        cells = "".join(f"{r['grad_norms'][l]:18.2e}" for r in results.values())
        print(f"{l + 1:5d}{cells}")
    print(f"{'1 / L':>5s}" + "".join(f"{r['first_over_last']:18.1e}" for r in results.values()))
    print()
    for label, result in results.items():
        findings = result["findings"]
        print(
            f"GradientMonitor.diagnose() for {label}: "
            + ("no problems found" if not findings else f"{len(findings)} finding(s)")
        )
        for finding in findings[:3]:
            print(f"  - {finding}")
        if len(findings) > 3:
            print(f"  - ... and {len(findings) - 3} more")
        if args.summaries:
            print(result["summary"])
    print()
    print(
        f"{'network':18s} {'saturated':>9s} {'dead':>6s} {'layer 1 / layer L':>17s} "
        f"{'test accuracy':>13s} {'train time':>10s}"
    )
    for label, r in results.items():
        print(
            f"{label:18s} {r['saturated']:9.0%} {r['dead']:6.0%} {r['first_over_last']:17.1e} "
            f"{r['test_accuracy']:13.3f} {r['seconds']:9.1f}s"
        )
    print("saturated: share of hidden outputs with slope < 10% of the maximum; dead: share of")
    print("ReLU units that are 0 for the whole batch (both at the first step). Chance is 0.100.")
    if args.plot is not None:
        path = save_plot(args.plot, results)
        if path is not None:
            print(f"wrote {path}")
    return {
        label: {k: v for k, v in result.items() if k != "summary"}
        for label, result in results.items()
    }


# %% [markdown]
# ## Run
#
# From a shell: `python examples/05_vanishing_gradients.py [--quick] [--epochs N] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
