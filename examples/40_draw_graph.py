# %%
"""40 - The lecture's two-layer scalar network, drawn with values, gradients and local rules.

    z1 = w1·x + b1,   h = σ(z1),   z2 = w2·h + b2,   y = σ(z2),   C = ½(y − t)²

Reverse mode walks this graph from C back to the weights. Each op node shows its local rule
(mul: ∂/∂a = g·b, ∂/∂b = g·a), and each value node shows its value and its gradient ∂C/∂node,
so the chain rule can be checked by hand node by node: e.g. ∂C/∂z2 = ∂C/∂y · y(1 − y).
Gradients of the intermediates z1, h, z2, y are shown without retain_grad(): the drawing
computes them itself, without touching .grad. Edges are coloured by |gradient| on a log scale.
The chain is drawn top to bottom (draw_graph picks that for graphs deeper than wide), so the
picture is as narrow as a page and reads without zooming.

This script prints the tape, renders the graph to PNG and SVG, and writes a self-contained
HTML page that replays backward one node at a time (Prev/Next or the arrow keys): the drawing
at 100 % beside each step's story, with drag to pan, Ctrl+wheel or − / + to zoom, and a
100 % / Fit toggle.

Run:  python examples/40_draw_graph.py [--out DIR]     (needs graphviz: the Python package
      and the `dot` program; `pip install "autograd_mini[viz]"`, `apt-get install graphviz`)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import autograd_mini as am
from autograd_mini.viz import draw_graph, print_graph, replay_backward, save_graph

# The point of example 01: w2 is far from 1, so the factor w2 in ∂C/∂w1 is visible.
POINT = {"x": 1.5, "t": 0.2, "w1": 0.8, "b1": -0.3, "w2": -2.0, "b2": 0.4}


# %%
def network(point: dict[str, float]) -> tuple[am.Tensor, dict[str, am.Tensor]]:
    """Build C for the given point; return C and every named tensor (for the labels)."""
    x, t = am.tensor(point["x"]), am.tensor(point["t"])  # data: constants
    w1 = am.tensor(point["w1"], requires_grad=True)
    b1 = am.tensor(point["b1"], requires_grad=True)
    w2 = am.tensor(point["w2"], requires_grad=True)
    b2 = am.tensor(point["b2"], requires_grad=True)
    z1 = w1 * x + b1
    h = am.sigmoid(z1)
    z2 = w2 * h + b2
    y = am.sigmoid(z2)
    C = 0.5 * (y - t) ** 2
    return C, dict(locals())


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print the tape, draw the graph (PNG, SVG) and write the backward replay (HTML)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="output folder")
    parser.add_argument("--quick", action="store_true", help="accepted for CI; already quick")
    parser.add_argument("--dpi", type=int, default=150, help="PNG resolution")
    args = parser.parse_args(argv)

    C, names = network(POINT)
    print_graph(C, names=names)

    dot = draw_graph(C, names=names, title="C = ½(y − t)²,  y = σ(w2·σ(w1·x + b1) + b2)")
    dot.attr(dpi=str(args.dpi))
    png = save_graph(dot, args.out / "40_two_layer_scalar.png")
    svg = save_graph(dot, args.out / "40_two_layer_scalar.svg")
    page = replay_backward(C, args.out / "40_backward_replay.html", names=names)

    # The drawing computed ∂C/∂(every node) without touching .grad; backward agrees.
    C.backward()
    grads = {k: names[k].grad.item() for k in ("w1", "b1", "w2", "b2")}
    for path in (png, svg, page):
        print(f"wrote {path}")
    print("∂C/∂w1 = {w1:.6g}, ∂C/∂b1 = {b1:.6g}, ∂C/∂w2 = {w2:.6g}, ∂C/∂b2 = {b2:.6g}"
          .format(**grads))
    return {"png": png, "svg": svg, "html": page, "grads": grads, "source": dot.source, "dot": dot}


# %% [markdown]
# ## Run
#
# From a shell: `python examples/40_draw_graph.py [--out DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)

# %% [markdown]
# In a notebook the drawing also appears inline: a graphviz object displays itself as SVG.

# %%
if __name__ == "__main__" and "ipykernel" in sys.modules:
    from IPython.display import display

    display(result["dot"])
