"""Turning what users pass into what primitives take: tensors, axes, sizes, numbers, indices.

Every check raises an error that names the op, the value given and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import ArrayLike, Tensor, to_array

Axis = int | Sequence[int] | None
NO_PARAMS: dict[str, Any] = {}


def is_int(value: Any) -> bool:
    """A Python or numpy integer, but not a bool (numpy refuses `axis=True` too)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def as_int(value: Any, op: str, what: str) -> int:
    """`value` as an int, or a TypeError naming the op (never a silent int(2.5) == 2)."""
    if not is_int(value):
        raise TypeError(f"{op}: {what} must be an int, got {value!r} "
                        f"({type(value).__name__})")
    return int(value)


def real(value: Any, op: str, what: str) -> float:
    """A real, non-NaN number parameter as a float, or an error naming the op."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
            or isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"{op}: {what} must be a real number, got {value!r} "
                        f"({type(value).__name__})")
    if np.isnan(value):
        raise ValueError(f"{op}: {what} is NaN; expected a real number")
    return float(value)


def normalize_axis(axis: Axis, ndim: int, op: str) -> tuple[int, ...] | None:
    """None, an int or a tuple of ints -> a sorted tuple of non-negative axes (or None)."""
    if axis is None:
        return None
    if is_int(axis):
        axes: tuple[Any, ...] = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r} "
                        f"({type(axis).__name__})")
    normalized = []
    for a in axes:
        as_int(a, op, "each axis")
        if not -ndim <= a < ndim:  # a 0-d tensor has no axis at all (as in numpy)
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims")
        normalized.append(int(a) % ndim)
    if len(set(normalized)) != len(normalized):
        raise ShapeError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(normalized))


def single_axis(axis: int, ndim: int, op: str) -> int:
    """One axis in [-ndim, ndim) as a non-negative int."""
    as_int(axis, op, "axis")
    (a,) = normalize_axis(axis, ndim, op)  # type: ignore[misc]
    return a


def refuse_torch_keywords(op: str, kwargs: dict[str, Any]) -> None:
    """PyTorch spellings (`dim=`, `keepdim=`) get a message with numpy's name for them."""
    names = {"dim": "axis", "keepdim": "keepdims"}
    for key in kwargs:
        if key in names:
            raise TypeError(f"{op}: got the keyword {key}= (PyTorch's name); autograd_mini "
                            f"follows numpy: use {names[key]}=")
    if kwargs:
        raise TypeError(f"{op}: unexpected keyword argument(s) {sorted(kwargs)}")


# Python numbers used as operands, wrapped once per (value, dtype): `y * 2.0` in a loop then
# costs a dict lookup instead of an array and a Tensor allocation per op.
_SCALAR_CONSTANTS: dict[tuple[float, str], Tensor] = {}


def operand(value: ArrayLike, like: Tensor, op: str = "op") -> Tensor:
    """Wrap a scalar or array as a constant. Python numbers and integer arrays take `like`'s
    floating dtype, so `x32 * 2` stays float32."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float)) and like.data.dtype.kind == "f":
        if value == 0:  # not cached: −0.0 == 0.0 as a key, but x·(−0.0) must keep its sign
            return Tensor._make(np.asarray(value, dtype=like.data.dtype), False)
        key = (value, like.data.dtype.char)
        constant = _SCALAR_CONSTANTS.get(key)
        if constant is None:
            if len(_SCALAR_CONSTANTS) >= 4096:  # bounded: loops over many values stay cheap
                _SCALAR_CONSTANTS.clear()
            constant = Tensor._make(np.asarray(value, dtype=like.data.dtype), False)
            constant.data.flags.writeable = False  # shared by every op that used this value
            _SCALAR_CONSTANTS[key] = constant
        return constant
    array = np.asarray(value)
    if array.dtype.kind not in "f":
        if array.dtype.kind not in "biu":
            raise TypeError(
                f"{op}: cannot combine a tensor with a value of dtype {array.dtype}; expected "
                "real numbers (floats, ints or bools)"
            )
        array = array.astype(like.data.dtype if like.data.dtype.kind == "f" else np.float64)
    return Tensor._make(array, False)


def as_tensor(value: ArrayLike, like: Tensor | None = None, op: str = "as_tensor") -> Tensor:
    """A Tensor for `value` without copying; constants follow `like`'s dtype when given.
    Non-numeric data raises a TypeError naming `op`."""
    if isinstance(value, Tensor):
        return value
    if like is not None:
        return operand(value, like, op)
    return Tensor._make(to_array(value, None, op), False)


def tensor_pair(a: ArrayLike, b: ArrayLike, op: str) -> tuple[Tensor, Tensor]:
    """Two operands as Tensors; a plain value takes the dtype of the Tensor beside it."""
    if isinstance(a, Tensor):
        return a, operand(b, a, op)
    if isinstance(b, Tensor):
        return operand(a, b, op), b
    if isinstance(b, np.ndarray) and not isinstance(a, np.ndarray):
        tb = as_tensor(b, op=op)  # a Python number beside an array takes the array's dtype
        return operand(a, tb, op), tb
    ta = as_tensor(a, op=op)
    return ta, operand(b, ta, op)


def normalize_index(index: Any) -> Any:
    """Turn Tensors and lists inside an index into numpy arrays numpy can use directly; an
    empty list is an empty integer index (numpy's and PyTorch's reading of `x[[]]`)."""
    if isinstance(index, tuple):
        return tuple(normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        index = index.data
    if isinstance(index, list):
        index = np.asarray(index) if index else np.zeros(0, dtype=np.intp)
    if isinstance(index, np.ndarray) and index.dtype.kind not in "biu":
        if index.size == 0:
            return index.astype(np.intp)
        raise IndexError(
            f"getitem: index arrays must hold integers or booleans, got dtype {index.dtype}"
        )
    return index


def floating(t: Tensor) -> Tensor:
    """An integer or bool tensor as float64 (numpy's promotion for exp, log, ...): the softmax
    family would otherwise fail inside numpy on its −inf start value."""
    if t.data.dtype.kind == "f":
        return t
    return Tensor._make(t.data.astype(np.float64), False)
