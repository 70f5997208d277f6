"""How a numpy name finds autograd_mini's function: one resolver for `autograd_mini.numpy` and
for numpy's own functions called on Tensors (`__array_function__`, `__array_ufunc__`).

Differentiable functions come from `registry.TENSOR_FUNCTIONS`, looked up at call time, so an
op declared later appears without an edit here. Functions whose result carries no gradient
(shapes, indices, booleans) run numpy on the arrays. Every other numpy name is not covered
and raises, naming what to use instead: numpy's function never silently runs on a Tensor.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

import numpy

from ..registry import PUBLIC, TENSOR_FUNCTIONS
from ..tensor import Tensor

# numpy's spelling -> autograd_mini's, where they differ (used only when the numpy name itself
# is not declared, so an op published under numpy's name later takes precedence).
ALIASES: dict[str, str] = {
    "add": "add", "subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
    "power": "pow", "negative": "neg", "absolute": "abs", "amax": "max", "amin": "min",
    "degrees": "rad2deg", "radians": "deg2rad",
    # numpy 2's array-API spellings of the same functions
    "acos": "arccos", "asin": "arcsin", "atan": "arctan", "atan2": "arctan2",
    "acosh": "arccosh", "asinh": "arcsinh", "atanh": "arctanh", "concat": "concatenate",
    "permute_dims": "transpose",
}

# numpy's keyword names where autograd_mini's differ (`np.clip(x, a_min=0, a_max=1)`).
KEYWORDS: dict[str, dict[str, str]] = {
    "clip": {"a_min": "min", "a_max": "max"},
    "where": {"x": "a", "y": "b"},
}

# numpy keywords that autograd_mini's function takes as trailing positional arguments
# (`np.transpose(x, axes=(1, 0))`).
POSITIONAL_KEYWORDS: dict[str, tuple[str, ...]] = {"transpose": ("axes",),
                                                   "permute_dims": ("axes",)}

# Functions whose arguments are sequences of arrays. Every other function reads a list or tuple
# holding Tensors as one array (`np.mean([x, x + 2])`), so it is stacked first, as numpy would.
SEQUENCE_ARGUMENTS: frozenset[str] = frozenset({
    "concatenate", "concat", "stack", "hstack", "vstack", "dstack", "column_stack", "row_stack",
    "block",
    "broadcast_arrays", "einsum", "meshgrid", "select",
})

# numpy functions whose result has no gradient (metadata, indices, booleans): they run on the
# arrays; an array result from Tensor arguments comes back as a Tensor without grad.
NON_DIFFERENTIABLE: frozenset[str] = frozenset({
    "shape", "ndim", "size", "result_type", "isscalar", "iscomplexobj", "isrealobj",
    "allclose", "array_equal", "array_equiv", "isclose", "isnan", "isinf", "isfinite",
    "isneginf", "isposinf", "signbit", "iscomplex", "isreal",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_not", "logical_xor", "any", "all",
    "argmax", "argmin", "argsort", "argpartition", "argwhere", "nonzero", "flatnonzero",
    "count_nonzero", "searchsorted", "digitize", "bincount", "unique", "histogram",
    "histogram_bin_edges", "isin",
})

# numpy utilities that take no differentiable values: numpy's own objects, unchanged.
UTILITIES: frozenset[str] = frozenset({
    "errstate", "seterr", "geterr", "set_printoptions", "get_printoptions", "printoptions",
    "load", "save", "savez", "savez_compressed", "loadtxt", "savetxt", "genfromtxt",
    "broadcast_shapes", "ndindex", "unravel_index", "ravel_multi_index", "indices",
    "tril_indices", "triu_indices", "diag_indices", "can_cast", "promote_types", "issubdtype",
    "finfo", "iinfo", "dtype", "ndarray", "may_share_memory", "shares_memory",
    "mgrid", "ogrid", "s_", "index_exp", "ix_",
})


def differentiable(name: str) -> Callable[..., Any] | None:
    """autograd_mini's function for numpy's `name`, or None when none is declared."""
    fn = TENSOR_FUNCTIONS.get(name)
    if fn is not None and (name in PUBLIC or hasattr(numpy, name)):
        return fn
    alias = ALIASES.get(name)
    return TENSOR_FUNCTIONS.get(alias) if alias is not None else None


def holds_tensor(values: Iterable[Any]) -> bool:
    """Whether a Tensor is among `values` or inside (nested) lists/tuples among them."""
    for v in values:
        if isinstance(v, Tensor):
            return True
        if type(v) in (list, tuple) and holds_tensor(v):
            return True
    return False


def unwrap(value: Any) -> Any:
    """Tensors (also inside lists/tuples) -> their arrays, for functions with no gradient."""
    if isinstance(value, Tensor):
        return value.data
    if type(value) in (list, tuple):
        return type(value)(unwrap(v) for v in value)
    return value


def rewrap(value: Any) -> Any:
    """Array results of a non-differentiable function on Tensors -> Tensors without grad."""
    if isinstance(value, numpy.ndarray):
        return Tensor._make(value, False)
    if type(value) is tuple:
        return tuple(rewrap(v) for v in value)
    return value


def _has_derivative(values: Iterable[Any]) -> bool:
    """A Tensor among `values` requires grad while the graph is recorded, or carries a
    forward-mode tangent (inside jvp, jacfwd, ...)."""
    for v in values:
        if isinstance(v, Tensor) and v._carries_derivative():
            return True
        if type(v) in (list, tuple) and _has_derivative(v):
            return True
    return False


def _holds_float(value: Any) -> bool:
    if isinstance(value, numpy.ndarray):
        return value.dtype.kind in "fc"
    return type(value) is tuple and any(_holds_float(v) for v in value)


def on_values(name: str, numpy_fn: Callable[..., Any]) -> Callable[..., Any]:
    """numpy's `numpy_fn` for a function with no gradient: Tensors in, their arrays used.

    Its integer and boolean results (argmax, isnan, counts) carry no gradient by nature; a
    floating result computed from a tensor that requires grad (unique's values, histogram's
    edges, bincount's weighted sums) would silently drop the graph, so it raises instead."""
    def run(*args: Any, **kwargs: Any) -> Any:
        if holds_tensor(args) or holds_tensor(kwargs.values()):
            out = numpy_fn(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()})
            if _holds_float(out) and (_has_derivative(args)
                                      or _has_derivative(kwargs.values())):
                raise TypeError(
                    f"numpy.{name} on a tensor that requires grad (or carries a forward-mode "
                    "tangent): its floating result would carry no derivative "
                    f"(numpy.{name} is not differentiable in autograd_mini); "
                    f"call it on tensor.detach(), or inside am.no_grad(), for the values")
            return rewrap(out)
        return numpy_fn(*args, **kwargs)

    run.__name__ = run.__qualname__ = name
    run.__doc__ = f"numpy.{name} (no gradient: its result is not a differentiable value)"
    return run


def not_covered(name: str, where: str = "numpy") -> str:
    """The message for a numpy name autograd_mini cannot differentiate."""
    close = difflib.get_close_matches(name, [*PUBLIC, *ALIASES], n=3, cutoff=0.75)
    hint = f" Closest autograd_mini functions: {', '.join(close)}." if close else ""
    return (
        f"{where}.{name} is not covered by autograd_mini (no differentiable version is "
        f"declared).{hint} Build it from covered functions (README, 'numpy code'), or call "
        f"{where}.{name} on tensor.detach() to get its value without a gradient."
    )
