"""`autograd_mini.numpy.linalg`: numpy.linalg's names, differentiable where declared.

A numpy.linalg name declared by the ops (inv, solve, det, slogdet, cholesky, eigh, svd, qr,
pinv, lstsq, norm, ... in `registry.TENSOR_FUNCTIONS`, looked up when first used) is that op;
eigvalsh, matrix_power and multi_dot are otherwise built from matmul/eigh/inv; matrix_rank has
no gradient. Other names raise AttributeError.
"""

from __future__ import annotations

from typing import Any

import numpy

from ..registry import PUBLIC, TENSOR_FUNCTIONS
from .names import holds_tensor, not_covered, on_values

LinAlgError = numpy.linalg.LinAlgError


def _op(name: str) -> Any:
    fn = TENSOR_FUNCTIONS.get(name)
    if fn is None:
        raise AttributeError(not_covered(name, "numpy.linalg"))
    return fn


def _eigvalsh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803 - numpy's name
    """numpy.linalg.eigvalsh: the eigenvalues of eigh (differentiable where eigh is)."""
    if not holds_tensor((a,)):
        return numpy.linalg.eigvalsh(a, UPLO=UPLO)
    return _op("eigh")(a, UPLO=UPLO)[0]


def _matrix_power(a: Any, n: int) -> Any:
    """numpy.linalg.matrix_power by repeated squaring with matmul (inv for n < 0)."""
    if not holds_tensor((a,)):
        return numpy.linalg.matrix_power(a, n)
    if not isinstance(n, (int, numpy.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power: n must be an int, got {n!r} ({type(n).__name__})")
    matmul = TENSOR_FUNCTIONS["matmul"]
    if n < 0:
        a, n = _op("inv")(a), -n
    result = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    if result is None:  # a⁰ = I, a constant
        eye = numpy.broadcast_to(numpy.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return TENSOR_FUNCTIONS["add"](a * 0.0, eye)
    return result


def _multi_dot(arrays: Any) -> Any:
    """numpy.linalg.multi_dot: matmul left to right (1-d ends as in numpy.dot)."""
    if not holds_tensor(arrays):
        return numpy.linalg.multi_dot(arrays)
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError(f"multi_dot: expected at least two arrays, got {len(arrays)}")
    result = arrays[0]
    for a in arrays[1:]:
        result = TENSOR_FUNCTIONS["matmul"](result, a)
    return result


# Built from other ops, used when no op of that name is declared.
COMPOSED = {"eigvalsh": _eigvalsh, "matrix_power": _matrix_power, "multi_dot": _multi_dot,
            "matrix_rank": on_values("matrix_rank", numpy.linalg.matrix_rank)}
for _name, _fn in COMPOSED.items():
    _fn.__name__ = _fn.__qualname__ = _name


def resolve(name: str) -> Any:
    """The function `numpy.linalg.<name>` means here, or AttributeError if not covered."""
    fn = TENSOR_FUNCTIONS.get(name)
    if fn is not None and name in PUBLIC and hasattr(numpy.linalg, name):
        from . import dual  # the same plain-values-give-ndarrays rule as the namespace

        return dual(name, fn, getattr(numpy.linalg, name))
    if name in COMPOSED:
        return COMPOSED[name]
    raise AttributeError(not_covered(name, "numpy.linalg"))


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    fn = resolve(name)
    globals()[name] = fn
    return fn


def __dir__() -> list[str]:
    declared = (n for n in PUBLIC if hasattr(numpy.linalg, n) and not n.startswith("_"))
    return sorted({*COMPOSED, *declared, "LinAlgError"})
