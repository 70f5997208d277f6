# %%
"""21 - Forward mode or reverse mode? The Jacobian of f: ℝⁿ → ℝᵐ, measured.

Both modes apply the chain rule to the same computation; they differ in the direction.

* Forward mode (`jvp`, `jacfwd`) pushes a tangent v through the computation beside the values
  and gets J·v: one column of the Jacobian per direction, so n directions for the whole
  Jacobian (`jacfwd` carries all n as one batch of tangents, so its work still grows with n).
* Reverse mode (`vjp`, `jacrev`) runs the computation once, then pulls a cotangent u back
  through it and gets uᵀ·J: one row per pass, so m passes.

So reverse mode wins when m < n (a loss: m = 1, which is why training uses backpropagation),
forward mode when n < m (the derivatives of a curve, of a network's output with respect to a
few inputs). The function here is a two-layer tanh network from ℝⁿ to ℝᵐ; the script times
`jacfwd` and `jacrev` for several (n, m), checks that they agree, and prints which one won.

Run:  python examples/21_forward_vs_reverse_mode.py [--quick] [--plot DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini.func import jacfwd, jacrev
from nn.training import PlotUnavailable, new_figure, save_figure

HIDDEN = 64


# %%
def make_function(n: int, m: int, seed: int):
    """f(x) = W2ᵀ tanh(W1ᵀ x): ℝⁿ → ℝᵐ through a hidden layer of 64 units."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(size=(n, HIDDEN)) / np.sqrt(n)
    w2 = rng.normal(size=(HIDDEN, m)) / np.sqrt(HIDDEN)

    def f(x: Any) -> Any:
        return am.tanh(x @ w1) @ w2  # (n,) -> (hidden,) -> (m,)

    return f


# %%
def best_time(fn, repeats: int) -> float:
    """The fastest of a few runs, in seconds (the machine's other load only adds time)."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return float(best)


# %%
def save_plot(directory: Path, rows: list[dict[str, Any]]) -> Path | None:
    try:
        fig = new_figure(5, 4)
    except PlotUnavailable:
        print("matplotlib is not installed; skipping the plot")
        return None
    ax = fig.add_subplot()
    ratios = [r["n"] / r["m"] for r in rows]
    ax.loglog(ratios, [r["forward_s"] for r in rows], "o-", label="jacfwd (n passes)")
    ax.loglog(ratios, [r["reverse_s"] for r in rows], "s-", label="jacrev (m passes)")
    ax.set_xlabel("n / m (inputs per output)")
    ax.set_ylabel("seconds for the full Jacobian")
    ax.legend()
    directory.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, directory / "21_forward_vs_reverse.png")


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Time jacfwd and jacrev for several (n, m) and report where each wins."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR")
    args = parser.parse_args(argv)
    sizes = [(1, 200), (10, 100), (30, 30), (100, 10), (200, 1)]
    if args.quick:
        sizes, args.repeats = [(1, 20), (5, 5), (20, 1)], 1

    rows = []
    print(f"{'n':>5} {'m':>5} {'jacfwd (s)':>11} {'jacrev (s)':>11}  faster   max |Jf − Jr|")
    for n, m in sizes:
        f = make_function(n, m, args.seed)
        x = np.random.default_rng(args.seed + 1).normal(size=n)
        forward, reverse = jacfwd(f)(x), jacrev(f)(x)
        difference = float(np.max(np.abs(forward - reverse)))
        tf = best_time(lambda: jacfwd(f)(x), args.repeats)  # noqa: B023 - called right here
        tr = best_time(lambda: jacrev(f)(x), args.repeats)  # noqa: B023
        winner = "forward" if tf < tr else "reverse"
        print(f"{n:>5} {m:>5} {tf:>11.4f} {tr:>11.4f}  {winner:<8} {difference:.1e}")
        rows.append({"n": n, "m": m, "forward_s": tf, "reverse_s": tr, "winner": winner,
                     "max_difference": difference, "shape": forward.shape})
    print("forward mode costs one pass per input, reverse mode one per output: the narrow "
          "side decides.")
    if args.plot is not None:
        path = save_plot(args.plot, rows)
        if path is not None:
            print(f"wrote {path}")
    return {"rows": rows}


# %% [markdown]
# ## Run
#
# From a shell: `python examples/21_forward_vs_reverse_mode.py [--quick] [--plot DIR]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
