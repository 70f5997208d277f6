"""Comparisons and floating-point tests: boolean tensors, never differentiable, never recorded.

`am.equal(a, b)`, `am.less(a, b)`, ..., `am.isclose(a, b)`, `am.isfinite(a)`, `am.isnan(a)`,
`am.isinf(a)` take Tensors, arrays and Python numbers, broadcast as numpy does and return a
Tensor of dtype bool that does not require grad (a mask for `where`, or for a test). Python
numbers keep numpy's rules: `equal(x32, 0.1)` compares in float32, as `np.equal` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .args import real
from .expose import publish


def _values(x: Any, name: str) -> Any:
    """The numbers behind x: a Tensor's array, a Python number as is (numpy's weak scalar)."""
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (bool, int, float)):
        return x
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected real numbers, tensors or arrays, got "
                        f"{type(x).__name__} of dtype {array.dtype}")
    return array


def _boolean(result: Any) -> Tensor:
    return Tensor._make(np.asarray(result), False)


def _comparison(name: str, ufunc: np.ufunc) -> None:
    def compare(a: Any, b: Any) -> Tensor:
        va, vb = _values(a, name), _values(b, name)
        try:
            return _boolean(ufunc(va, vb))
        except ValueError:
            raise ShapeError(f"{name}: shapes {np.shape(va)} and {np.shape(vb)} cannot be "
                             "broadcast together; expected equal trailing dimensions or 1"
                             ) from None

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"{name}(a, b): elementwise, as numpy.{name}; a bool Tensor, no gradient."
    publish(name, compare, ufunc)


def _test(name: str, ufunc: np.ufunc) -> None:
    def test(a: Any) -> Tensor:
        return _boolean(ufunc(_values(a, name)))

    test.__name__ = test.__qualname__ = name
    test.__doc__ = f"{name}(a): elementwise, as numpy.{name}; a bool Tensor, no gradient."
    publish(name, test, ufunc)


for _name, _ufunc in [("equal", np.equal), ("not_equal", np.not_equal), ("less", np.less),
                      ("less_equal", np.less_equal), ("greater", np.greater),
                      ("greater_equal", np.greater_equal)]:
    _comparison(_name, _ufunc)

for _name, _ufunc in [("isfinite", np.isfinite), ("isnan", np.isnan), ("isinf", np.isinf)]:
    _test(_name, _ufunc)


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|a − b| ≤ atol + rtol·|b| elementwise, as numpy.isclose; a bool Tensor, no gradient."""
    rtol, atol = real(rtol, "isclose", "rtol"), real(atol, "isclose", "atol")
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol ({rtol}) and atol ({atol}) must be ≥ 0")
    if not isinstance(equal_nan, (bool, np.bool_)):
        raise TypeError(f"isclose: equal_nan must be True or False, got {equal_nan!r}")
    va, vb = _values(a, "isclose"), _values(b, "isclose")
    try:
        return _boolean(np.isclose(va, vb, rtol=rtol, atol=atol, equal_nan=bool(equal_nan)))
    except ValueError:
        raise ShapeError(f"isclose: shapes {np.shape(va)} and {np.shape(vb)} cannot be "
                         "broadcast together; expected equal trailing dimensions or 1") from None


_isclose_on_arrays: Callable[..., Any] = np.isclose
publish("isclose", isclose, _isclose_on_arrays)
