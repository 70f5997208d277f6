"""New primitives defined outside autograd_mini, with HIPS autograd's `autograd.extend` API.

    import numpy
    from autograd_mini.extend import defjvp, defvjp, primitive

    @primitive
    def logsumexp(x):                  # the forward: plain numpy on arrays
        m = numpy.max(x)
        return m + numpy.log(numpy.sum(numpy.exp(x - m)))

    defvjp(logsumexp, lambda ans, x: lambda g: g * numpy.exp(x - ans))
    defjvp(logsumexp, lambda t, ans, x: numpy.sum(t * numpy.exp(x - ans)))

`primitive(f)` runs `f` itself on plain values; given Tensors it records one node, as an op
declared with `defop` does, whose rules are HIPS's: a VJP maker `(ans, *args, **kwargs) ->
(g -> gradient)` per positional argument and a JVP `(t, ans, *args, **kwargs) -> tangent`
(None: zero). Positional Tensors are the differentiable inputs; every other argument is a
constant. First-order backward hands the rules arrays; `create_graph=True` and forward mode hand
them Tensors, so rules written with numpy's functions stay differentiable (numpy's protocols
dispatch them to autograd_mini). A rule never given raises NotImplementedError naming it.
Unlike `defop`, nothing is added to `autograd_mini`'s namespace or to the op table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import apply
from .numpy.names import holds_tensor
from .registry import Primitive
from .tensor import Tensor

VJPMaker = Callable[..., Callable[[Any], Any]]
JVPRule = Callable[..., Any]
_ZERO = object()  # a rule given as None: this argument's gradient or tangent is zero


class UserPrimitive:
    """A function with user-given derivative rules (made by `primitive`)."""

    def __init__(self, fun: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.name = getattr(fun, "__name__", "primitive")
        self.vjp_makers: dict[int, Any] = {}
        self.jvp_rules: dict[int, Any] = {}
        self.primitive = Primitive(self.name, self._forward, self._vjp, self._jvp,
                                   f"{self.name}: a primitive defined with autograd_mini.extend")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        if not positions:
            if holds_tensor(kwargs.values()) or holds_tensor(args):
                raise TypeError(f"{self.name}: Tensors inside lists or keyword arguments are "
                                "not differentiable inputs of a primitive; pass them as "
                                "positional arguments")
            return self.fun(*args, **kwargs)
        template = tuple(None if i in positions else a for i, a in enumerate(args))
        return apply(self.primitive, [args[i] for i in positions],
                     {"template": template, "positions": positions, "kwargs": kwargs})

    def _arguments(self, values: Sequence[Any], template: tuple, positions: tuple) -> list:
        args = list(template)
        for position, value in zip(positions, values):
            args[position] = value
        return args

    def _forward(self, *arrays: np.ndarray, template: tuple, positions: tuple,
                 kwargs: dict) -> np.ndarray:
        return np.asarray(self.fun(*self._arguments(arrays, template, positions), **kwargs))

    def _rule(self, table: dict[int, Any], position: int, kind: str, define: str) -> Any:
        rule = table.get(position)
        if rule is None:
            raise NotImplementedError(f"{self.name}: no {kind} is defined for positional "
                                      f"argument {position}; give one with {define}")
        return rule

    def _vjp(self, g: Any, out: Any, inputs: tuple, needs: tuple, xp: Any, *, template: tuple,
             positions: tuple, kwargs: dict) -> tuple:
        args = self._arguments(inputs, template, positions)
        grads = []
        for need, position in zip(needs, positions):
            maker = self._rule(self.vjp_makers, position, "VJP", "defvjp") if need else None
            grads.append(None if maker is None or maker is _ZERO
                         else maker(out, *args, **kwargs)(g))
        return tuple(grads)

    def _jvp(self, tangents: tuple, out: Any, inputs: tuple, xp: Any, *, template: tuple,
             positions: tuple, kwargs: dict) -> Any:
        args = self._arguments(inputs, template, positions)
        total = None
        for t, position in zip(tangents, positions):
            if t is None:
                continue
            rule = self._rule(self.jvp_rules, position, "JVP", "defjvp")
            if rule is not _ZERO:
                term = rule(t, out, *args, **kwargs)
                total = term if total is None else total + term
        return total


def primitive(fun: Callable[..., Any]) -> UserPrimitive:
    """`fun` (plain numpy on arrays) as a primitive whose derivatives `defvjp`/`defjvp` give."""
    return UserPrimitive(fun)


def _check(fun: Any, where: str) -> UserPrimitive:
    if not isinstance(fun, UserPrimitive):
        raise TypeError(f"{where}: expected a function made with autograd_mini.extend.primitive,"
                        f" got {type(fun).__name__}")
    return fun


def defvjp(fun: UserPrimitive, *vjpmakers: VJPMaker | None,
           argnums: Sequence[int] | None = None) -> None:
    """VJP makers for positional arguments 0, 1, ... (or `argnums`): `maker(ans, *args,
    **kwargs)` returns `g -> gradient` for that argument; None means a zero gradient."""
    fun = _check(fun, "defvjp")
    for position, maker in zip(range(len(vjpmakers)) if argnums is None else argnums, vjpmakers):
        fun.vjp_makers[position] = _ZERO if maker is None else maker


def defjvp(fun: UserPrimitive, *jvprules: JVPRule | None,
           argnums: Sequence[int] | None = None) -> None:
    """JVP rules for positional arguments 0, 1, ... (or `argnums`): `rule(t, ans, *args,
    **kwargs)` is the output's tangent from that argument's tangent t; None means zero."""
    fun = _check(fun, "defjvp")
    for position, rule in zip(range(len(jvprules)) if argnums is None else argnums, jvprules):
        fun.jvp_rules[position] = _ZERO if rule is None else rule


__all__ = ["UserPrimitive", "defjvp", "defvjp", "primitive"]
