"""`import autograd_mini.numpy as np`: numpy's names, differentiable through autograd_mini.

    import autograd_mini as am
    import autograd_mini.numpy as np
    x = am.tensor([0.5, 1.0], requires_grad=True)
    y = np.sum(np.sin(x) ** 2)          # a Tensor: the graph is recorded
    (g,) = am.grad(y, x)                # 2·sin x·cos x

Every function declared in autograd_mini/ops/ is here by its numpy name, looked up when first
used (so an op declared later appears too). As in HIPS autograd, a function called with a
Tensor returns a Tensor, and with plain numbers or arrays returns numpy's own result; `array`
of a list holding Tensors stacks them differentiably. Constants, dtypes, creation functions
and `random` are numpy's. A numpy name that is not covered raises AttributeError saying so —
never numpy's function silently running on a Tensor.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy
import numpy.random as random

from ..registry import PUBLIC, TENSOR_FUNCTIONS
from ..tensor import Tensor
from . import linalg as linalg  # numpy.linalg's names
from .creation import CREATION, array
from .index_tricks import INDEX_TRICKS
from .names import (
    ALIASES,
    KEYWORDS,
    NON_DIFFERENTIABLE,
    POSITIONAL_KEYWORDS,
    SEQUENCE_ARGUMENTS,
    UTILITIES,
    differentiable,
    holds_tensor,
    not_covered,
    on_values,
)
from .real_parts import REAL_PARTS

globals().update(CREATION)  # zeros, ones, arange, linspace, eye, array, meshgrid, ...
globals().update(REAL_PARTS)  # real, imag, conj, ... of real values
globals().update(INDEX_TRICKS)  # r_, c_
__version__ = numpy.__version__  # the numpy whose names these are
sys.modules[f"{__name__}.random"] = random  # `import autograd_mini.numpy.random` is numpy's

pi, e, inf, nan, newaxis, euler_gamma = (numpy.pi, numpy.e, numpy.inf, numpy.nan,
                                         numpy.newaxis, numpy.euler_gamma)

# dtypes and scalar types (float32, float64, int64, bool_, ...) are numpy's own.
DTYPES = {name: value for name, value in vars(numpy).items()
          if isinstance(value, type) and issubclass(value, numpy.generic)}
globals().update(DTYPES)


_IN_A_LIST = 2


def _tensors_in(args: tuple) -> int:
    """0: no Tensor among args; _IN_A_LIST: the first one found is inside a list or tuple
    (`np.mean([x, x + 2])`); 1: it is an argument itself (a later list holding Tensors then
    reaches the function as a list, which refuses it rather than dropping the graph)."""
    for a in args:
        if isinstance(a, Tensor):
            return 1
        if (type(a) is list or type(a) is tuple) and holds_tensor(a):
            return _IN_A_LIST
    return 0


def _lists_as_arrays(args: tuple) -> tuple:
    """Each list or tuple holding Tensors -> one Tensor (numpy reads it as one array)."""
    return tuple(array(a) if type(a) in (list, tuple) and holds_tensor((a,)) else a
                 for a in args)


def dual(name: str, tensor_fn: Callable[..., Any], numpy_fn: Callable[..., Any] | None
         ) -> Callable[..., Any]:
    """Tensors in: autograd_mini's function. Plain values in: numpy's (HIPS autograd's rule)."""
    renames = KEYWORDS.get(name)
    positional = POSITIONAL_KEYWORDS.get(name, ())
    stack_lists = name not in SEQUENCE_ARGUMENTS

    def function(*args: Any, **kwargs: Any) -> Any:
        found = _tensors_in(args)
        if found or holds_tensor(kwargs.values()):
            if kwargs:
                if renames:
                    kwargs = {renames.get(k, k): v for k, v in kwargs.items()}
                if positional:
                    args = args + tuple(kwargs.pop(k) for k in positional if k in kwargs)
            if found is _IN_A_LIST and stack_lists:
                args = _lists_as_arrays(args)  # np.mean([x, x + 2]): one array, as numpy reads
            return tensor_fn(*args, **kwargs)
        if numpy_fn is not None:
            return numpy_fn(*args, **kwargs)
        out = tensor_fn(*args, **kwargs)  # an autograd_mini-only name (relu, softmax, ...)
        return out.data if hasattr(out, "data") else out

    function.__name__ = function.__qualname__ = name
    function.__doc__ = tensor_fn.__doc__
    function.__wrapped__ = tensor_fn  # type: ignore[attr-defined]
    return function


def resolve(name: str) -> Any:
    """What `autograd_mini.numpy.<name>` is, or AttributeError naming the uncovered name."""
    if name in CREATION:
        return CREATION[name]
    fn = differentiable(name)
    if fn is not None:
        return dual(name, fn, getattr(numpy, name, None))
    if name in NON_DIFFERENTIABLE and hasattr(numpy, name):
        return on_values(name, getattr(numpy, name))
    if name in UTILITIES:
        return getattr(numpy, name)
    raise AttributeError(not_covered(name))


def __getattr__(name: str) -> Any:
    """Functions are looked up on first use and cached here (module `__getattr__`)."""
    if name.startswith("__"):
        raise AttributeError(name)
    value = resolve(name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """numpy's names this namespace covers (functions are resolved when first used)."""
    names = {"pi", "e", "inf", "nan", "newaxis", "euler_gamma", "linalg", "random", *CREATION,
             *DTYPES, *UTILITIES, *REAL_PARTS, *INDEX_TRICKS}
    names.update(n for n in PUBLIC if not n.startswith("_"))
    names.update(a for a, b in ALIASES.items() if b in TENSOR_FUNCTIONS)
    names.update(n for n in NON_DIFFERENTIABLE if hasattr(numpy, n))
    return sorted(names)


__all__ = __dir__()  # `from autograd_mini.numpy import *`: numpy's names, not the helpers above
