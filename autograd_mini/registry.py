"""The tables the op declarations fill (autograd_mini/ops/), and the `xp` namespaces read from them.

A primitive pairs a forward over numpy arrays with its vector-Jacobian product (VJP) and,
optionally, its Jacobian-vector product (JVP):

    forward(*arrays, **params) -> ndarray
    vjp(g, out, inputs, needs, xp, **params) -> one gradient (or None) per input
    jvp(tangents, out, inputs, xp, **params) -> the output's tangent (tangents[i] None: zero)
    batch: None, "elementwise" or a JVP on tangents with a leading batch axis (forward.py)

The VJP is written once with operators and the functions of `xp`, so the same code runs in
two modes: first-order backward (arrays, `xp` = numpy functions) and `create_graph=True`
(Tensors, `xp` = autograd_mini's own functions, so the gradient is recorded again).
`needs[i]` says whether input i wants a gradient; a VJP may return None for the others.
Primitives never broadcast-reduce, accumulate or touch `.grad`: the engine owns the chain rule.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from .tensor import Tensor


class Primitive:
    """A named forward function with its VJP, optional JVP and its one-line math."""

    __slots__ = ("name", "forward", "vjp", "jvp", "math", "batch")

    def __init__(self, name: str, forward: Callable[..., Any], vjp: Callable[..., tuple],
                 jvp: Callable[..., Any] | str | None = None, math: str | None = None,
                 batch: str | Callable[..., Any] | None = None, *,
                 rule: str | None = None) -> None:
        if math is None and (isinstance(jvp, str) or rule is not None):
            # 0.1.0's Primitive(name, forward, vjp, rule): kept for one release
            warnings.warn("Primitive(name, forward, vjp, rule) is deprecated: use "
                          "Primitive(name, forward, vjp, jvp, math), or autograd_mini.extend",
                          DeprecationWarning, stacklevel=2)
            math, jvp = (jvp, None) if isinstance(jvp, str) else (rule, jvp)
        if not isinstance(math, str):
            raise TypeError(f"Primitive {name!r}: math= must be the op's one-line math (a "
                            f"string such as 'f(a);  ∂/∂a = g·f′(a)'), got {math!r}")
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.jvp = jvp
        self.math = math
        # How the JVP handles tangents with a leading batch axis (jacfwd's one pass): None
        # (one call per batch element), "elementwise" (the JVP broadcasts once each tangent is
        # padded to the output's rank), or a rule with the JVP's signature on such tangents.
        self.batch = batch

    @property
    def rule(self) -> str:
        """The derivative part of the math line (what the drawings print beside the op)."""
        return self.math.split(";", 1)[-1].strip()

    def __repr__(self) -> str:
        return f"<primitive {self.math}>"


REGISTRY: dict[str, Primitive] = {}  # name -> primitive (the drawings look rules up here)
TENSOR_FUNCTIONS: dict[str, Callable[..., Any]] = {}  # public name -> function on Tensors
ARRAY_FUNCTIONS: dict[str, Callable[..., Any]] = {}  # public name -> same function on arrays
PUBLIC: list[str] = []  # the names `autograd_mini` exports (internal helpers are left out)


class OpNamespace:
    """`xp` inside a VJP: every declared function by name, on arrays or on Tensors.

    Looked up lazily from the tables above and cached, so a newly declared op is available in
    both modes without any other edit.
    """

    def __init__(self, tensors: bool) -> None:
        self.tensors = tensors
        self._table = TENSOR_FUNCTIONS if tensors else ARRAY_FUNCTIONS

    def __getattr__(self, name: str) -> Any:
        try:
            fn = self._table[name]
        except KeyError:
            raise AttributeError(f"no op named {name!r} is declared") from None
        setattr(self, name, fn)
        return fn

    def value(self, x: Any) -> Any:
        """The array behind x (a Tensor in create_graph mode), for masks and comparisons."""
        return x.data if isinstance(x, Tensor) else x
