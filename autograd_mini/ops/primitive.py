"""The contract every differentiable primitive follows.

A primitive pairs a forward over numpy arrays with its vector-Jacobian product (VJP):

    forward(*arrays, **params) -> ndarray
    vjp(g, out, inputs, needs, xp, **params) -> tuple (one gradient or None per input)

`g` is the gradient of the final output with respect to `out`. The VJP is written once, with
operators and the functions of the namespace `xp`, so the same code runs in two modes:

* first-order backward: `g`, `out` and `inputs` are ndarrays and `xp` is numpy-like;
* `create_graph=True`: they are Tensors and `xp` is autograd_mini's own functional API, so the
  gradient is itself recorded and can be differentiated again.

`needs[i]` says whether input i wants a gradient; a VJP may skip (return None for) the others.
Primitives never broadcast-reduce, accumulate or touch `.grad`: the engine owns the chain rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Forward = Callable[..., np.ndarray]
VJP = Callable[..., tuple[Any, ...]]


class Primitive:
    """A named forward function with its VJP and a human-readable derivative rule."""

    __slots__ = ("name", "forward", "vjp", "rule")

    def __init__(self, name: str, forward: Forward, vjp: VJP, rule: str) -> None:
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.rule = rule

    def __repr__(self) -> str:
        return f"<primitive {self.name}: {self.rule}>"


REGISTRY: dict[str, Primitive] = {}


def register(name: str, forward: Forward, vjp: VJP, rule: str) -> Primitive:
    """Create a primitive and record it by name (the drawing code looks rules up here)."""
    prim = Primitive(name, forward, vjp, rule)
    REGISTRY[name] = prim
    return prim
