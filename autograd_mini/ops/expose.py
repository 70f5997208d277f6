"""Declaring an op: `defop` records a primitive and makes, from that one declaration, its public
function (`am.tanh`), its Tensor method (`x.tanh()`), its operators (`x + y`), the drawing's
rule text, and its entries in the two `xp` namespaces VJPs are written with.

An exposure says how users call the primitive. `parse(*args, **kwargs)` turns a call into
`(inputs, params)`: the Tensors the primitive differentiates and its keyword parameters. Every
function, method and operator then goes through `engine.apply` — one dispatch path.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from ..engine import apply, apply_binary, apply_unary
from ..grad_mode import no_grad
from ..registry import ARRAY_FUNCTIONS, PUBLIC, REGISTRY, TENSOR_FUNCTIONS, Primitive
from ..tensor import Tensor
from .args import NO_PARAMS, as_tensor, operand, tensor_pair

Parse = Callable[..., tuple[Sequence[Tensor], dict[str, Any]]]


class Exposure:
    """How one public name reaches a primitive: function, Tensor method, operators."""

    def __init__(self, name: str, parse: Parse | None = None, *, method: str | bool = False,
                 operators: Sequence[str] = (), reflected: Sequence[str] = (),
                 arity: int = 1, internal: bool = False, prop: str | None = None,
                 on_arrays: Callable[..., Any] | None = None) -> None:
        self.name = name
        self.parse = parse
        self.method = name if method is True else (method or None)
        self.operators = tuple(operators)
        self.reflected = tuple(reflected)
        self.arity = arity  # 1 or 2 for the parameterless fast paths, when parse is None
        self.internal = internal
        self.prop = prop  # a read-only property (x.T)
        self.on_arrays = on_arrays  # a numpy function with the same signature, if there is one

    def install(self, prim: Primitive) -> None:
        tensor_fn, array_fn, method = self._build(prim)
        array_fn = self.on_arrays or array_fn
        tensor_fn.__name__ = tensor_fn.__qualname__ = self.name
        tensor_fn.__doc__ = prim.math
        if self.parse is not None:
            tensor_fn.__signature__ = inspect.signature(self.parse)  # type: ignore[attr-defined]
        publish(self.name, tensor_fn, array_fn, internal=self.internal)
        if self.method:
            method.__name__ = method.__qualname__ = self.method
            method.__doc__ = prim.math
            setattr(Tensor, self.method, method)
        if self.prop:
            setattr(Tensor, self.prop, property(method, doc=prim.math))
        name = self.name
        for dunder in self.operators:
            setattr(Tensor, dunder, _forward_operator(prim, name))
        for dunder in self.reflected:
            setattr(Tensor, dunder, _reflected_operator(prim, name))

    def _build(self, prim: Primitive) -> tuple[Callable, Callable, Callable]:
        name, parse = self.name, self.parse
        if parse is None and self.arity == 1:
            def unary(x: Any) -> Tensor:
                return apply_unary(prim, as_tensor(x, op=name))

            def unary_method(self: Tensor) -> Tensor:
                return apply_unary(prim, self)

            return unary, prim.forward, unary_method
        if parse is None:
            def binary(a: Any, b: Any) -> Tensor:
                return apply_binary(prim, *tensor_pair(a, b, name))

            return binary, prim.forward, binary

        def function(*args: Any, **kwargs: Any) -> Tensor:
            inputs, params = parse(*args, **kwargs)
            return apply(prim, inputs, params)

        def on_arrays(*args: Any, **kwargs: Any) -> Any:
            inputs, params = parse(*args, **kwargs)
            return prim.forward(*[t.data for t in inputs], **params)

        def parsed_method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
            inputs, params = parse(self, *args, **kwargs)
            return apply(prim, inputs, params)

        return function, on_arrays, parsed_method


# Operators test for a Tensor operand inline instead of calling `operand` for it: one Python
# call fewer on the hottest path there is (x * y, y + b in every model).
def _forward_operator(prim: Primitive, name: str) -> Callable[[Tensor, Any], Tensor]:
    def operator(self: Tensor, other: Any) -> Tensor:
        if not isinstance(other, Tensor):
            other = operand(other, self, name)
        return apply_binary(prim, self, other)

    return operator


def _reflected_operator(prim: Primitive, name: str) -> Callable[[Tensor, Any], Tensor]:
    def operator(self: Tensor, other: Any) -> Tensor:
        if not isinstance(other, Tensor):
            other = operand(other, self, name)
        return apply_binary(prim, other, self)

    return operator


def defop(name: str, forward: Callable[..., Any], vjp: Callable[..., tuple], *, math: str,
          jvp: Callable[..., Any] | None = None,
          batch: str | Callable[..., Any] | None = None,
          expose: Sequence[Exposure] = ()) -> Primitive:
    """Declare a primitive: its forward, VJP, JVP, one-line math and how users call it.

    `batch` says how the JVP takes tangents with a leading batch axis (jacfwd seeds every
    element of an input in one pass): "elementwise" when the JVP broadcasts over it once each
    tangent is padded to the output's rank, or a JVP written for such tangents; without it,
    the JVP is called once per batch element."""
    if name in REGISTRY:
        raise ValueError(f"defop: an op named {name!r} is already declared")
    prim = Primitive(name, forward, vjp, jvp, math, batch)
    REGISTRY[name] = prim
    for exposure in expose:
        exposure.install(prim)
    return prim


def chain_rule(derivative: Callable[[Any, Any, Any], Any]) -> dict[str, Callable[..., Any]]:
    """`vjp=` and `jvp=` of a one-input elementwise op from its derivative f′(a), written once:
    `derivative(out, a, xp)`; the VJP is g·f′(a) and the JVP t·f′(a). Use as
    `defop(name, forward, **chain_rule(lambda out, a, xp: xp.cos(a)), ...)`."""
    def vjp(g: Any, out: Any, inputs: tuple, needs: tuple, xp: Any) -> tuple:
        return (g * derivative(out, inputs[0], xp),)

    def jvp(t: tuple, out: Any, inputs: tuple, xp: Any) -> Any:
        return t[0] * derivative(out, inputs[0], xp)

    return {"vjp": vjp, "jvp": jvp, "batch": "elementwise"}


def chain_rule_over(denominator: Callable[[Any, Any, Any], Any]) -> dict[str, Callable[..., Any]]:
    """`vjp=` and `jvp=` of a one-input elementwise op whose derivative is 1/d(a), from d written
    once: `denominator(out, a, xp)`; the VJP is g/d and the JVP t/d (a division, as the
    formula reads, rather than a product with 1/d, which would round twice)."""
    def vjp(g: Any, out: Any, inputs: tuple, needs: tuple, xp: Any) -> tuple:
        return (g / denominator(out, inputs[0], xp),)

    def jvp(t: tuple, out: Any, inputs: tuple, xp: Any) -> Any:
        return t[0] / denominator(out, inputs[0], xp)

    return {"vjp": vjp, "jvp": jvp, "batch": "elementwise"}


def unary(name: str, *, method: str | bool = True) -> Exposure:
    """`am.name(x)` and `x.name()` for a one-input op without parameters."""
    return Exposure(name, method=method)


def binary(name: str, *, operators: Sequence[str] = (), reflected: Sequence[str] = ()
           ) -> Exposure:
    """`am.name(a, b)` (a plain value takes the other operand's dtype), plus operators."""
    return Exposure(name, arity=2, operators=operators, reflected=reflected)


def parsed(name: str, parse: Parse, *, method: str | bool = False, internal: bool = False,
           prop: str | None = None, on_arrays: Callable[..., Any] | None = None) -> Exposure:
    """A function (and optional method) whose arguments `parse` turns into (inputs, params).

    `on_arrays`: numpy's function of the same signature, used on arrays inside first-order
    VJPs instead of parse + forward (skipping the argument checks on the hot path).
    """
    return Exposure(name, parse, method=method, internal=internal, prop=prop,
                    on_arrays=on_arrays)


def publish(name: str, tensor_fn: Callable[..., Any], array_fn: Callable[..., Any], *,
            internal: bool = False) -> None:
    """Record a public function in both `xp` namespaces (and in `am.*` unless internal)."""
    if name in TENSOR_FUNCTIONS:
        raise ValueError(f"an op function named {name!r} is already declared")
    TENSOR_FUNCTIONS[name] = tensor_fn
    ARRAY_FUNCTIONS[name] = array_fn
    if not internal:
        PUBLIC.append(name)


def composite(name: str, *, method: str | bool = False) -> Callable[[Callable], Callable]:
    """Declare a function built from other ops (its gradient comes from theirs).

    On arrays (inside a first-order VJP) it runs on constant Tensors and returns the array.
    """
    def declare(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        def on_arrays(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                out = fn(*args, **kwargs)
            if isinstance(out, (list, tuple)):  # split, broadcast_arrays, ...
                return type(out)(t.data for t in out)
            return out.data

        publish(name, fn, on_arrays)
        if method:
            def as_method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
                return fn(self, *args, **kwargs)

            as_method.__name__ = as_method.__qualname__ = name if method is True else method
            as_method.__doc__ = fn.__doc__
            setattr(Tensor, as_method.__name__, as_method)
        return fn

    return declare


__all__ = ["NO_PARAMS", "Exposure", "binary", "chain_rule", "chain_rule_over", "composite",
           "defop", "parsed", "publish", "unary"]
