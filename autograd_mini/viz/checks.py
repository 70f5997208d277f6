"""Warnings a drawing shows: NaN/inf gradients, vanishing or exploding gradients, and `.grad`
accumulated over several backward() calls of the same graph."""

from __future__ import annotations

import math

import numpy as np

from .format import magnitude, number
from .graph import PARAMETER, Graph
from .naming import short_name


def gradient_warnings(graph: Graph, grads: dict[int, np.ndarray]) -> list[str]:
    """Flag NaN/inf gradients and parameter gradients spread over many orders of magnitude."""
    notes = []
    bad = [i for i, g in grads.items() if magnitude(g) == math.inf]
    if bad:
        notes.append("⚠ NaN/inf gradients at " + ", ".join(short_name(graph, i) for i in bad[:5]))
    params = [(magnitude(grads[n.index]), n.index) for n in graph.nodes
              if n.kind == PARAMETER and n.index in grads]
    params = [(m, i) for m, i in params if 0 < m < math.inf]
    if len(params) >= 2:
        (low, i_low), (high, i_high) = min(params), max(params)
        decades = math.log10(high / low)
        if decades >= 4:
            notes.append(f"⚠ parameter gradients span {decades:.0f} orders of magnitude "
                         f"({number(low)} at {short_name(graph, i_low)} … {number(high)} at "
                         f"{short_name(graph, i_high)}): vanishing or exploding gradients?")
    return notes


def accumulated(graph: Graph, stale: dict[int, np.ndarray],
                grads: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """The `.grad` values that look accumulated over several backward() calls of this graph.

    A `.grad` that differs from this graph's gradient is usually left over from another graph
    (the last training step before the drawing) and says nothing about this one. It points to a
    missing zero_grad() when backward() already went through this graph (so `.grad` should hold
    exactly its gradient), or when it is a whole multiple k ≥ 2 of that gradient.
    """
    return {i: g for i, g in stale.items()
            if i in grads and (graph.freed or _whole_multiple(g, grads[i]))}


def _whole_multiple(held: np.ndarray, grad: np.ndarray) -> bool:
    if held.shape != grad.shape:
        return False
    g = np.asarray(grad, dtype=np.float64)
    norm = float(np.vdot(g, g))
    if not 0 < norm < math.inf:
        return False
    k = round(float(np.vdot(np.asarray(held, dtype=np.float64), g)) / norm)
    return k >= 2 and bool(np.allclose(held, k * g, rtol=1e-5, atol=0))
