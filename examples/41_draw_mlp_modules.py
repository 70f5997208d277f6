# %%
"""41 - A 784-256-128-10 MLP drawn by module: clusters, collapsed boxes, vanishing gradients.

`trace` runs the forward pass while nn.Module calls are recorded, so the drawing can group the
nodes each call created into a cluster titled with the module's path and class
(`0 (Linear)`). Parameters are labelled by their paths (`0.weight`). With
`collapse_modules=True` each layer becomes one box (input and output shapes, parameters with
their gradient size, output value and gradient summaries), so the whole model with its loss
fits one screen. Drawings run top to bottom, so they stay narrow enough to read.

The third drawing is an 8-layer sigmoid MLP with the default initialisation: σ' ≤ ¼, so the
gradient shrinks at every layer on its way back; the colours fade from the loss to the first
layer, and the title warns that the parameter gradients span several orders of magnitude
(example 05 measures this in training). It has 40 tensors, so draw_graph collapses its modules
without being asked (the default above 30 tensors, when module calls were traced).

Run:  python examples/41_draw_mlp_modules.py [--out DIR] [--batch N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

import autograd_mini as am
import nn
from autograd_mini.viz import draw_graph, save_graph, trace


# %%
def mlp(sizes: list[int], activation: type, rng: np.random.Generator) -> Any:
    """Linear layers of the given sizes with an activation between them."""
    layers: list[Any] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out, rng=rng))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Draw the MLP expanded and collapsed, and a deep sigmoid MLP collapsed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="output folder")
    parser.add_argument("--batch", type=int, default=32, help="images per batch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="accepted for CI; already quick")
    parser.add_argument("--dpi", type=int, default=110, help="PNG resolution")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    # Random "images" and labels stand in for MNIST: the drawing needs shapes, not data.
    X = am.tensor(rng.random((args.batch, 784), dtype=np.float32))
    labels = rng.integers(0, 10, args.batch)
    model = mlp([784, 256, 128, 10], nn.ReLU, rng)
    loss_fn = nn.CrossEntropyLoss()
    loss, calls = trace(lambda: loss_fn(model(X), labels))
    names = {"X": X, "loss": loss}

    written = {}
    expanded = draw_graph(loss, model=model, calls=calls, names=names)
    collapsed = draw_graph(loss, model=model, calls=calls, names=names, collapse_modules=True)

    deep = mlp([64] * 8 + [10], nn.Sigmoid, rng)
    X_deep = am.tensor(rng.standard_normal((args.batch, 64)).astype(np.float32))
    deep_loss, deep_calls = trace(lambda: loss_fn(deep(X_deep), labels))
    vanishing = draw_graph(deep_loss, model=deep, calls=deep_calls, names={"X": X_deep},
                           title="8 sigmoid layers: each multiplies the gradient by at most "
                                 "¼·‖W‖, so the colours fade towards the input")

    for name, dot in (("41_mlp_modules", expanded), ("41_mlp_collapsed", collapsed),
                      ("41_deep_sigmoid_collapsed", vanishing)):
        dot.attr(dpi=str(args.dpi))
        written[name] = save_graph(dot, args.out / f"{name}.png")
        print(f"wrote {written[name]}")
    return {"paths": written, "calls": len(calls), "expanded": expanded.source,
            "collapsed": collapsed.source, "vanishing": vanishing.source}


# %% [markdown]
# ## Run
#
# From a shell: `python examples/41_draw_mlp_modules.py [--out DIR] [--batch N]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
