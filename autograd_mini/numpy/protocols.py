"""numpy's dispatch protocols for Tensors (as MyGrad does): `np.sin(t)`, `ndarray * t`,
`np.dot(t, W)`, `np.concatenate([t, u])` on real numpy run autograd_mini's function of the
same name, so the graph is kept; a numpy function autograd_mini does not cover raises a
TypeError naming what to use. Called from `Tensor.__array_ufunc__` / `__array_function__`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from ..registry import TENSOR_FUNCTIONS
from ..tensor import UFUNC_FUNCTIONS, Tensor
from . import linalg, resolve
from .names import not_covered, unwrap

# ufunc.reduce / ufunc.accumulate -> the reduction or scan of the same meaning (axis=0 default).
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}

_FUNCTIONS: dict[Any, Callable[..., Any]] = {}  # numpy function -> ours (found ones only)


_PLAIN_TYPES = frozenset({Tensor, numpy.ndarray, float, int, bool, list, tuple})


def _foreign(types: Any) -> bool:
    """A type that is neither a Tensor nor an ndarray: let it (or numpy) decide."""
    return any(not issubclass(t, (Tensor, numpy.ndarray)) for t in types)


def _foreign_operand(inputs: tuple) -> bool:
    """An operand of another library with its own ufunc override (it gets its turn)."""
    for v in inputs:
        kind = type(v)
        if kind in _PLAIN_TYPES or issubclass(kind, (Tensor, numpy.ndarray, numpy.generic)):
            continue
        if getattr(kind, "__array_ufunc__", None) is not None:
            return True
    return False


def _requires_grad(values: Any) -> bool:
    """A Tensor among `values` requires grad while recording, or has a forward-mode tangent."""
    return any(isinstance(v, Tensor) and v._carries_derivative() for v in values)


def dispatch_ufunc(ufunc: numpy.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """`Tensor.__array_ufunc__`: numpy's ufunc as autograd_mini's function of that name."""
    if _foreign_operand(inputs):
        return NotImplemented
    name = ufunc.__name__
    if "out" in kwargs:  # `array += t`: numpy would write into an array, cutting the graph
        if _requires_grad((*inputs, *kwargs["out"])):
            raise TypeError(
                f"numpy.{name}(..., out=...) would write a result that requires grad into a "
                "plain array and drop its gradient (or its forward-mode tangent); write it out "
                f"of place (a = a + t, or autograd_mini's {name}) instead"
            )
        out = kwargs.pop("out")
        # A Tensor given as out= changes in place, as `t += 1` does: the same checks first
        # (read-only, requires grad), and a new version after, so a graph that recorded its
        # old values (or those of any view of it) is refused at backward, not silently wrong.
        targets = [t for t in out if isinstance(t, Tensor)]
        for target in targets:
            target._check_inplace(f"numpy.{name}(..., out=tensor)")
        getattr(ufunc, method)(*unwrap(inputs), out=unwrap(out), **kwargs)
        for target in targets:
            target.bump_version()
        return out[0] if len(out) == 1 else out
    if method == "__call__":
        fn = None if kwargs else _resolved(name)
        if fn is None:
            raise TypeError(_unsupported(f"numpy.{name}", name, kwargs))
        UFUNC_FUNCTIONS[ufunc] = getattr(fn, "__wrapped__", fn)  # Tensor.__array_ufunc__'s
        return fn(*inputs)
    table = {"reduce": _REDUCE, "accumulate": _ACCUMULATE}.get(method, {})
    target = table.get(name)
    fn = TENSOR_FUNCTIONS.get(target) if target else None
    if fn is None:
        raise TypeError(_unsupported(f"numpy.{name}.{method}", target or f"{name}.{method}",
                                     {}))
    kwargs.setdefault("axis", 0)  # numpy's default for ufunc.reduce / accumulate
    if kwargs.keys() - {"axis", "keepdims"} or len(inputs) != 1:
        raise TypeError(f"numpy.{name}.{method} on a Tensor: only axis= and keepdims= are "
                        f"supported; call autograd_mini's {target} directly")
    if method == "accumulate":
        kwargs.pop("keepdims", None)
    return fn(inputs[0], **kwargs)


def dispatch_function(func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """`Tensor.__array_function__`: numpy's function as autograd_mini's of that name."""
    if _foreign(types):
        return NotImplemented
    fn = _FUNCTIONS.get(func)
    if fn is None:
        module = getattr(func, "__module__", "") or ""
        name = func.__name__
        try:
            if module == "numpy.linalg":
                fn = linalg.resolve(name)
            elif module == "numpy" or module.startswith("numpy._core"):
                fn = resolve(name)
            else:
                raise AttributeError(not_covered(name, module))
        except AttributeError as exc:
            raise TypeError(f"{module}.{name} was called on an autograd_mini Tensor: "
                            f"{exc}") from None
        _FUNCTIONS[func] = fn
    return fn(*args, **kwargs)


def _resolved(name: str) -> Callable[..., Any] | None:
    try:
        return resolve(name)
    except AttributeError:
        return None


def _unsupported(what: str, name: str, kwargs: dict) -> str:
    if kwargs:
        return (f"{what} on a Tensor: the options {sorted(kwargs)} are not supported; call "
                f"autograd_mini's {name} (am.{name} or autograd_mini.numpy.{name}) without "
                "them")
    return f"{what} was called on an autograd_mini Tensor: " + not_covered(name)
