# %%
"""03 - The four back-propagation equations against the autograd engine, layer by layer.

The lecture derives back-propagation as four equations. With z^l = a^{l-1} W^l + b^l and
a^l = f_l(z^l), and δ^l = ∂C/∂z^l (one sample per row):

    δ^L = f_L'(z^L) ∘ ∂C/∂a^L                    (1) the error at the output
    δ^l = (δ^{l+1} W^{l+1,T}) ∘ f_l'(z^l)        (2) the error moves back one layer
    ∂C/∂W^l = a^{l-1,T} δ^l                      (3) weight gradient
    ∂C/∂b^l = Σ_rows δ^l                         (4) bias gradient

nn.delta codes these equations in plain numpy; the engine knows nothing of them and derives
every gradient from the chain rule of its primitive ops. nn.delta_check runs the same deep
network through both and prints the largest difference per layer. If both are right the
differences are rounding error (~1e-16); a wrong equation shows up at once, as the last part
shows by dropping the factor f_l'(z^l) from equation (2).

Run:  python examples/03_delta_equations_vs_autograd.py [--quick] [--batch N] [--seed N]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

import nn
from nn import delta

# Five Linear layers with five different activations; the last is linear (identity).
HIDDEN_ACTIVATIONS = (nn.Sigmoid, nn.Tanh, nn.ReLU, nn.ELU)
REGRESSION_ACTIVATIONS = (nn.Tanh, nn.LeakyReLU, nn.Sigmoid, nn.ELU)


# %%
def build(
    widths: list[int], activations: tuple[type[nn.Module], ...], rng: np.random.Generator
) -> nn.Sequential:
    """Linear layers of the given widths (float64), an activation after each but the last."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(n_in, n_out, dtype=np.float64, rng=rng))
        if i < len(activations):
            layers.append(activations[i]())
    return nn.Sequential(*layers)


# %%
def weights_of(model: nn.Sequential) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The (W^l, b^l) arrays of the Linear layers in order."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return [m.weight.data for m in linears], [m.bias.data for m in linears]


# %%
def buggy_first_delta(
    X: np.ndarray, y: np.ndarray, model: nn.Sequential, names: list[str], loss: str
) -> np.ndarray:
    """δ^1 from equation (2) with the factor f_l'(z^l) forgotten: δ^l = δ^{l+1} W^{l+1,T}."""
    Ws, bs = weights_of(model)
    zs, outputs = delta.forward(X, Ws, bs, names)
    _, grad_output = delta.LOSSES[loss](outputs[-1], y)  # ∂C/∂a^L, (batch, out)
    d = delta.ACTIVATIONS[names[-1]][1](zs[-1]) * grad_output  # δ^L (correct)
    for l in range(len(Ws) - 2, -1, -1):
        d = d @ Ws[l + 1].T  # (batch, out_l): the bug, no ∘ f_l'(z^l)
    return d


# %%
def check(
    title: str, model: nn.Sequential, X: np.ndarray, y: np.ndarray, loss: str
) -> nn.DeltaCheckReport:
    """Print one delta_check report under a title and return it."""
    report = nn.delta_check(model, X, y, loss)
    print(f"== {title}")
    print(model)
    print(report)
    print(f"largest relative difference: {report.max_rel:.2e}\n")
    return report


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Cross-check a classifier (softmax cross-entropy) and a regressor (½Σ squared error)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small batch (CI smoke run)")
    parser.add_argument("--batch", type=int, default=256, help="samples per check")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    batch = 16 if args.quick else args.batch
    rng = np.random.default_rng(args.seed)

    # Classifier on the 8x8 digits: 64 -> 48 -> 32 -> 24 -> 16 -> 10 logits.
    X_digits, y_digits = nn.data.load_digits(dtype=np.float64)
    rows = rng.choice(len(X_digits), size=batch, replace=False)
    X_cls, y_cls = X_digits[rows], y_digits[rows]
    classifier = build([64, 48, 32, 24, 16, 10], HIDDEN_ACTIVATIONS, rng)
    cls_report = check(
        "digits classifier, softmax cross-entropy",
        classifier,
        X_cls,
        y_cls,
        "softmax_cross_entropy",
    )

    # Regressor on the smooth function of the unit cube: 3 -> 32 -> 32 -> 16 -> 8 -> 1.
    X_reg, y_reg = nn.data.make_smooth_function(batch, 3, seed=args.seed)
    regressor = build([3, 32, 32, 16, 8, 1], REGRESSION_ACTIVATIONS, rng)
    reg_report = check(
        "smooth-function regressor, C = ½Σ(ŷ − y)²", regressor, X_reg, y_reg, "mse_half_sum"
    )

    # What a bug looks like: the same check against equation (2) without f_l'(z^l).
    names = [row["activation"] for row in cls_report.rows]
    wrong = buggy_first_delta(X_cls, y_cls, classifier, names, "softmax_cross_entropy")
    right = delta.backward(
        X_cls, y_cls, *weights_of(classifier), names, "softmax_cross_entropy"
    ).deltas[0]
    bug_rel = float(np.max(np.abs(wrong - right)) / np.max(np.abs(right)))
    print("== a deliberate bug: δ^l = δ^{l+1} W^{l+1,T} without ∘ f_l'(z^l)")
    print(f"relative difference of δ^1 from the correct equations: {bug_rel:.2e}")
    print("(rounding error is ~1e-16; a wrong equation is off by order one)")
    return {
        "classifier_max_abs": cls_report.max_abs,
        "classifier_max_rel": cls_report.max_rel,
        "regressor_max_abs": reg_report.max_abs,
        "regressor_max_rel": reg_report.max_rel,
        "losses": (cls_report.loss_autograd, reg_report.loss_autograd),
        "loss_gap": max(
            abs(cls_report.loss_autograd - cls_report.loss_equations),
            abs(reg_report.loss_autograd - reg_report.loss_equations),
        ),
        "layers": len(cls_report.rows),
        "bug_rel": bug_rel,
    }


# %% [markdown]
# ## Run
#
# From a shell:
# `python examples/03_delta_equations_vs_autograd.py [--quick] [--batch N] [--seed N]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
