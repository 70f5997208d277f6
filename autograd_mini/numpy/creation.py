"""Creating arrays in `autograd_mini.numpy`: numpy's own results (ndarrays, as HIPS autograd
gives), except where a Tensor goes in — `array([t, u])` stacks differentiably and `meshgrid`
of Tensors broadcasts them — and a value that requires grad is never silently dropped."""

from __future__ import annotations

from typing import Any

import numpy

from ..grad_mode import STATE
from ..registry import TENSOR_FUNCTIONS
from ..tensor import Tensor


def _plain(value: Any, op: str, what: str) -> Any:
    """A constant argument: a Tensor's array, refused when the Tensor requires grad."""
    if isinstance(value, Tensor):
        if value.requires_grad and STATE.grad_enabled:
            raise TypeError(
                f"{op}: {what} is a Tensor that requires grad, but {op} is not differentiable "
                f"in autograd_mini; build the values from Tensor ops instead (e.g. "
                f"t * np.ones(shape) for full), or pass {what}.detach()"
            )
        return value.data
    return value


def _creator(name: str, constant_args: tuple[str, ...]) -> Any:
    numpy_fn = getattr(numpy, name)

    def create(*args: Any, **kwargs: Any) -> numpy.ndarray:
        args = tuple(_plain(a, name, constant_args[min(i, len(constant_args) - 1)])
                     for i, a in enumerate(args))
        kwargs = {k: _plain(v, name, k) for k, v in kwargs.items()}
        return numpy_fn(*args, **kwargs)

    create.__name__ = create.__qualname__ = name
    create.__doc__ = f"numpy.{name}: a new ndarray (a constant; no gradient flows into it)."
    return create


zeros = _creator("zeros", ("shape",))
ones = _creator("ones", ("shape",))
empty = _creator("empty", ("shape",))
full = _creator("full", ("shape", "fill_value"))
arange = _creator("arange", ("start", "stop", "step"))
_numpy_linspace = _creator("linspace", ("start", "stop", "num"))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0) -> Any:
    """numpy.linspace; with Tensor ends, start + (stop − start)·k/div for k = 0..num−1
    (div = num − 1 with the endpoint, num without), differentiable in start and stop:
    ∂y_k/∂start = 1 − k/div, ∂y_k/∂stop = k/div."""
    if not (isinstance(start, Tensor) or isinstance(stop, Tensor)):
        return _numpy_linspace(start, stop, num, endpoint=endpoint, retstep=retstep,
                               dtype=dtype, axis=axis)
    if isinstance(num, bool) or not isinstance(num, (int, numpy.integer)) or num < 0:
        raise ValueError(f"linspace: num must be a non-negative int, got {num!r}")
    f = TENSOR_FUNCTIONS
    like = start if isinstance(start, Tensor) else stop
    start, stop = (v if isinstance(v, Tensor) else Tensor._make(
        numpy.asarray(v, dtype=like.dtype), False) for v in (start, stop))
    div = (num - 1) if endpoint else num
    span = stop - start  # (...) the broadcast shape of the ends
    fractions = numpy.arange(num, dtype=like.dtype) / div if div > 0 \
        else numpy.zeros(num, dtype=like.dtype)
    fractions = fractions.reshape((num,) + (1,) * span.ndim)  # (num, 1, ..., 1)
    result = start + span * fractions  # (num, ...)
    if axis != 0:
        result = f["moveaxis"](result, 0, axis)
    if dtype is not None:
        result = f["astype"](result, dtype)
    if retstep:
        return result, (span / div if div > 0 else span * numpy.nan)
    return result
logspace = _creator("logspace", ("start", "stop", "num"))
geomspace = _creator("geomspace", ("start", "stop", "num"))
eye = _creator("eye", ("N",))
identity = _creator("identity", ("n",))
tri = _creator("tri", ("N",))


def _like(name: str) -> Any:
    numpy_fn = getattr(numpy, name)

    def create(a: Any, *args: Any, **kwargs: Any) -> numpy.ndarray:
        # Only a's shape and dtype are read, so a Tensor that requires grad is fine here.
        prototype = a.data if isinstance(a, Tensor) else a
        args = tuple(_plain(v, name, "fill_value") for v in args)
        kwargs = {k: _plain(v, name, k) for k, v in kwargs.items()}
        return numpy_fn(prototype, *args, **kwargs)

    create.__name__ = create.__qualname__ = name
    create.__doc__ = f"numpy.{name}: a new ndarray shaped like `a` (a constant)."
    return create


zeros_like = _like("zeros_like")
ones_like = _like("ones_like")
empty_like = _like("empty_like")
full_like = _like("full_like")


def _holds_tensor(value: Any) -> bool:
    if isinstance(value, Tensor):
        return True
    if type(value) in (list, tuple):
        return any(_holds_tensor(v) for v in value)
    return False


def _stacked(value: Any) -> Any:
    """Nested lists holding Tensors -> one differentiable Tensor (stacked level by level)."""
    if type(value) not in (list, tuple):
        return value
    items = [_stacked(v) for v in value]
    if not any(isinstance(v, Tensor) for v in items):
        return numpy.array(items)
    like = next(v for v in items if isinstance(v, Tensor))
    dtype = numpy.result_type(*[v.dtype if isinstance(v, Tensor) else numpy.asarray(v).dtype
                                for v in items])
    if dtype.kind != "f":
        dtype = like.dtype
    return TENSOR_FUNCTIONS["stack"]([v.astype(dtype) if isinstance(v, Tensor) and v.dtype != dtype
                                      else v for v in items])


def array(object: Any, dtype: Any = None, **kwargs: Any) -> Any:  # noqa: A002 - numpy's name
    """numpy.array; with Tensors inside (`array([t, 2 * t])`) a differentiable Tensor.

    As in HIPS autograd: plain values give an ndarray, a Tensor gives a Tensor, and a list
    holding Tensors is stacked so gradients flow to each element.
    """
    if isinstance(object, Tensor) or (type(object) in (list, tuple) and _holds_tensor(object)):
        if kwargs:
            raise TypeError(f"array: the options {sorted(kwargs)} are not supported for values "
                            "holding Tensors; only dtype= is")
        result = object if isinstance(object, Tensor) else _stacked(object)
        if not isinstance(result, Tensor):
            result = Tensor._make(result, False)
        if dtype is not None and numpy.dtype(dtype) != result.dtype:
            result = TENSOR_FUNCTIONS["astype"](result, dtype)
        return result
    return numpy.array(object, dtype=dtype, **kwargs)


def asarray(a: Any, dtype: Any = None, **kwargs: Any) -> Any:
    """numpy.asarray; a Tensor stays the same Tensor, a list holding Tensors is stacked."""
    if isinstance(a, Tensor) and (dtype is None or numpy.dtype(dtype) == a.dtype) \
            and not kwargs:
        return a
    if isinstance(a, Tensor) or (type(a) in (list, tuple) and _holds_tensor(a)):
        return array(a, dtype=dtype, **kwargs)
    return numpy.asarray(a, dtype=dtype, **kwargs)


def asanyarray(a: Any, dtype: Any = None, **kwargs: Any) -> Any:
    """numpy.asanyarray: asarray's rule (a Tensor stays the same Tensor)."""
    return asarray(a, dtype=dtype, **kwargs)


def ascontiguousarray(a: Any, dtype: Any = None, **kwargs: Any) -> Any:
    """numpy.ascontiguousarray; a Tensor stays a Tensor (its layout is numpy's business)."""
    if isinstance(a, Tensor) or (type(a) in (list, tuple) and _holds_tensor(a)):
        return asarray(a, dtype=dtype, **kwargs)
    return numpy.ascontiguousarray(a, dtype=dtype, **kwargs)


def copy(a: Any, order: str = "K", subok: bool = False) -> Any:
    """numpy.copy; of a Tensor, a new array recorded as `a * 1` (the gradient passes through
    unchanged, −0.0 and NaN are kept), so changing the copy in place never touches `a`."""
    if isinstance(a, Tensor):
        return a * numpy.ones((), dtype=a.dtype)
    return numpy.copy(a, order=order, subok=subok)


def meshgrid(*xi: Any, indexing: str = "xy", **kwargs: Any) -> Any:
    """numpy.meshgrid; with Tensor inputs the grids are differentiable broadcasts of them."""
    if not any(isinstance(x, Tensor) for x in xi):
        return numpy.meshgrid(*xi, indexing=indexing, **kwargs)
    if kwargs:
        raise TypeError(f"meshgrid: the options {sorted(kwargs)} are not supported for Tensors")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    reshape, broadcast_to = TENSOR_FUNCTIONS["reshape"], TENSOR_FUNCTIONS["broadcast_to"]
    sizes = [numpy.size(x.data if isinstance(x, Tensor) else x) for x in xi]
    if indexing == "xy" and len(xi) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, x in enumerate(xi):
        axis = i
        if indexing == "xy" and len(xi) >= 2 and i < 2:
            axis = 1 - i
        shape = [1] * len(xi)
        shape[axis] = -1
        grids.append(broadcast_to(reshape(x, tuple(shape)), tuple(sizes)))
    return tuple(grids)


CREATION = {
    f.__name__: f for f in (
        zeros, ones, empty, full, arange, linspace, logspace, geomspace, eye, identity, tri,
        zeros_like, ones_like, empty_like, full_like, array, asarray, asanyarray,
        ascontiguousarray, copy, meshgrid,
    )
}
