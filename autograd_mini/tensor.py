"""Tensor: a numpy array that records the ops applied to it, so gradients can flow back."""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .errors import AnomalyError, AutogradError, ShapeError
from .grad_mode import ANOMALY_USERS, STATE

ArrayLike = Any  # scalars, nested sequences, ndarrays, Tensors

_NO_PARAMS: dict[str, Any] = {}


class _Clock:
    """A global counter: every recorded op and every in-place change takes the next tick.

    A node remembers the tick at which it was recorded; a tensor mutated in place later gets a
    larger `_version`, which backward detects with one integer comparison per input.
    """

    __slots__ = ("tick",)

    def __init__(self) -> None:
        self.tick = 0


CLOCK = _Clock()


def _to_array(data: ArrayLike, dtype: Any, op: str = "Tensor") -> np.ndarray:
    """Floating input keeps its dtype; anything else becomes float64 unless `dtype` says so.
    Non-numeric data raises a TypeError naming `op`."""
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    array = np.asarray(data)
    kind = array.dtype.kind
    if kind == "f":
        return array
    if kind in "biu":
        return array.astype(np.float64)
    raise TypeError(
        f"{op}: cannot make a tensor from data of dtype {array.dtype}; expected real numbers "
        "(floats, ints or bools)"
    )


class Tensor:
    """An n-dimensional array with an optional gradient, recording the graph as ops run.

    `Tensor(data, requires_grad=False, dtype=None)`: floating arrays keep their dtype (and share
    memory with the array given), other input becomes float64 unless `dtype=` says otherwise.
    """

    __slots__ = ("data", "grad", "requires_grad", "_node", "_version", "_retains_grad",
                 "_origin", "_base", "name", "__weakref__")
    __array_ufunc__ = None  # `ndarray * Tensor` defers to Tensor.__rmul__ instead of looping

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data: np.ndarray = _to_array(data, dtype)
        self.grad: Any = None
        self.requires_grad = False
        self._node: tuple | None = None
        self._version = 0
        self._retains_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool) -> Tensor:
        """Fast constructor for op outputs: no conversion, no checks."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t._node = None
        t._version = 0
        t._retains_grad = False
        return t

    # ---- attributes --------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created, or no grad needed)."""
        return self._node is None

    @property
    def op(self) -> str | None:
        """Name of the op that produced this tensor, or None for a leaf."""
        return None if self._node is None else self._node[0].name

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The tensors this one was computed from (empty for leaves)."""
        node = self._node
        return () if node is None else node[2]

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        return F.transpose(self)

    def item(self) -> float:
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut off from the graph. In-place changes made
        through it count as changes of this tensor too (so stale graphs are still caught)."""
        out = Tensor._make(self.data, False)
        out._base = self
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark a leaf as needing gradients (floating dtypes only)."""
        if self._node is not None:
            raise AutogradError(
                f"requires_grad_: only leaf tensors can change requires_grad; this tensor was "
                f"produced by '{self.op}'. Use .detach().requires_grad_() for a new leaf."
            )
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"requires_grad_: only floating-point tensors can require gradients, got dtype "
                f"{self.data.dtype}; create it with dtype=np.float64 or np.float32"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` of this non-leaf tensor after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise AutogradError("retain_grad: this tensor does not require grad")
        self._retains_grad = True

    def backward(
        self, grad_output: ArrayLike = None, retain_graph: bool = False,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) · grad_output into every leaf's `.grad`."""
        from .autograd import backward

        backward(self, grad_output, retain_graph=retain_graph, create_graph=create_graph)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ""
        if self._node is not None:
            extra = f", op={self.op}"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        dtype = "" if self.data.dtype == np.float64 else f", dtype={self.data.dtype}"
        return f"Tensor({body}{dtype}{extra})"

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    __hash__ = object.__hash__

    # ---- arithmetic (Tensor or scalar/array on either side) -----------------------------
    def __add__(self, other: ArrayLike) -> Tensor:
        return apply_binary(ops.ADD, self, _operand(other, self, "add"))

    def __radd__(self, other: ArrayLike) -> Tensor:
        return apply_binary(ops.ADD, _operand(other, self, "add"), self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return apply_binary(ops.SUB, self, _operand(other, self, "sub"))

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return apply_binary(ops.SUB, _operand(other, self, "sub"), self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return apply_binary(ops.MUL, self, _operand(other, self, "mul"))

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return apply_binary(ops.MUL, _operand(other, self, "mul"), self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return apply_binary(ops.DIV, self, _operand(other, self, "div"))

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return apply_binary(ops.DIV, _operand(other, self, "div"), self)

    def __pow__(self, other: ArrayLike) -> Tensor:
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return apply(ops.POWER_SCALAR, (self,), {"exponent": other})
        return apply_binary(ops.POW, self, _operand(other, self, "pow"))

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return apply_binary(ops.POW, _operand(other, self, "pow"), self)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return F.matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return F.matmul(other, self)

    def __neg__(self) -> Tensor:
        return apply_unary(ops.NEG, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return F.abs(self)

    # ---- comparisons: boolean tensors, no gradient -------------------------------------
    def __lt__(self, other: ArrayLike) -> Tensor:
        return Tensor._make(self.data < _raw(other), False)

    def __le__(self, other: ArrayLike) -> Tensor:
        return Tensor._make(self.data <= _raw(other), False)

    def __gt__(self, other: ArrayLike) -> Tensor:
        return Tensor._make(self.data > _raw(other), False)

    def __ge__(self, other: ArrayLike) -> Tensor:
        return Tensor._make(self.data >= _raw(other), False)

    def __eq__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        return Tensor._make(self.data == _raw(other), False)

    def __ne__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        return Tensor._make(self.data != _raw(other), False)

    # ---- indexing --------------------------------------------------------------------
    def __getitem__(self, index: Any) -> Tensor:
        return F.getitem(self, index)

    def __setitem__(self, index: Any, value: ArrayLike) -> None:
        self._check_inplace("__setitem__")
        self.data[F.normalize_index(index)] = _raw(value)
        self._mark_changed()

    # ---- in-place updates (bump the version so stale graphs are detected) --------------
    def _check_inplace(self, what: str) -> None:
        if not self.data.flags.writeable:
            raise ValueError(
                f"{what}: this tensor's array is read-only (it was made from a read-only numpy "
                "array, or is a broadcast view), so it cannot change in place; use an "
                "out-of-place op, or make a writable copy: am.tensor(np.array(data))"
            )
        if STATE.grad_enabled and self.requires_grad:
            raise AutogradError(
                f"{what}: in-place change of a tensor that requires grad while the graph is "
                "being recorded; use an out-of-place op (x = x + y) or wrap the update in "
                "`with am.no_grad():`"
            )

    def _mark_changed(self) -> None:
        CLOCK.tick += 1
        tensor: Tensor | None = self
        while tensor is not None:  # a detached tensor shares its data with its base
            tensor._version = CLOCK.tick
            tensor = getattr(tensor, "_base", None)

    def _inplace(self, ufunc: np.ufunc, other: ArrayLike, what: str) -> Tensor:
        self._check_inplace(what)
        ufunc(self.data, _raw(other), out=self.data)
        self._mark_changed()
        return self

    def __iadd__(self, other: ArrayLike) -> Tensor:
        return self._inplace(np.add, other, "+=")

    def __isub__(self, other: ArrayLike) -> Tensor:
        return self._inplace(np.subtract, other, "-=")

    def __imul__(self, other: ArrayLike) -> Tensor:
        return self._inplace(np.multiply, other, "*=")

    def __itruediv__(self, other: ArrayLike) -> Tensor:
        return self._inplace(np.true_divide, other, "/=")

    def zero_(self) -> Tensor:
        self._check_inplace("zero_")
        self.data[...] = 0
        self._mark_changed()
        return self

    def fill_(self, value: float) -> Tensor:
        self._check_inplace("fill_")
        self.data[...] = value
        self._mark_changed()
        return self

    def copy_(self, source: ArrayLike) -> Tensor:
        self._check_inplace("copy_")
        np.copyto(self.data, _raw(source))
        self._mark_changed()
        return self

    # ---- methods mirroring the functional API (numpy vocabulary) ------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return F.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return F.mean(self, axis, keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return F.var(self, axis, keepdims, ddof)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return F.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return F.min(self, axis, keepdims)

    def exp(self) -> Tensor:
        return apply_unary(ops.EXP, self)

    def log(self) -> Tensor:
        return apply_unary(ops.LOG, self)

    def sqrt(self) -> Tensor:
        return apply_unary(ops.SQRT, self)

    def abs(self) -> Tensor:
        return apply_unary(ops.ABS, self)

    def tanh(self) -> Tensor:
        return apply_unary(ops.TANH, self)

    def sigmoid(self) -> Tensor:
        return apply_unary(ops.SIGMOID, self)

    def relu(self) -> Tensor:
        return apply_unary(ops.RELU, self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return F.leaky_relu(self, negative_slope)

    def elu(self, alpha: float = 1.0) -> Tensor:
        return F.elu(self, alpha)

    def softplus(self) -> Tensor:
        return apply_unary(ops.SOFTPLUS, self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        return F.clip(self, min, max)

    def reshape(self, *shape: Any) -> Tensor:
        return F.reshape(self, *shape)

    def flatten(self) -> Tensor:
        return F.reshape(self, -1)

    def transpose(self, *axes: Any) -> Tensor:
        return F.transpose(self, *axes)

    def astype(self, dtype: Any) -> Tensor:
        return F.astype(self, dtype)

    def softmax(self, axis: int = -1) -> Tensor:
        return F.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return F.log_softmax(self, axis)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return F.logsumexp(self, axis, keepdims)


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Create a Tensor (same as `Tensor(...)`)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _raw(value: ArrayLike) -> Any:
    """The array behind a Tensor, or the value itself."""
    return value.data if isinstance(value, Tensor) else value


# Python numbers used as operands, wrapped once per (value, dtype): `y * 2.0` in a loop then
# costs a dict lookup instead of an array and a Tensor allocation per op.
_SCALAR_CONSTANTS: dict[tuple[float, str], Tensor] = {}


def _operand(value: ArrayLike, like: Tensor, op: str = "op") -> Tensor:
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
        return _operand(value, like, op)
    return Tensor._make(_to_array(value, None, op), False)


def apply(prim: ops.Primitive, inputs: Sequence[Tensor], params: dict[str, Any]) -> Tensor:
    """Run a primitive's forward and, when any input requires grad, record the node."""
    try:
        data = prim.forward(*[t.data for t in inputs], **params)
    except (ValueError, IndexError, TypeError) as exc:
        raise _forward_error(prim, inputs, exc) from exc
    return _record(prim, data, tuple(inputs), params,
                   any(t.requires_grad for t in inputs))


def apply_unary(prim: ops.Primitive, a: Tensor) -> Tensor:
    """`apply` for a one-input op without parameters (the hot path of elementwise math)."""
    try:
        data = prim.forward(a.data)
    except (ValueError, IndexError, TypeError) as exc:
        raise _forward_error(prim, (a,), exc) from exc
    return _record(prim, data, (a,), _NO_PARAMS, a.requires_grad)


def apply_binary(prim: ops.Primitive, a: Tensor, b: Tensor) -> Tensor:
    """`apply` for a two-input op without parameters (the hot path of + − × ÷)."""
    try:
        data = prim.forward(a.data, b.data)
    except (ValueError, IndexError, TypeError) as exc:
        raise _forward_error(prim, (a, b), exc) from exc
    return _record(prim, data, (a, b), _NO_PARAMS, a.requires_grad or b.requires_grad)


def _record(prim: ops.Primitive, data: np.ndarray, parents: tuple, params: dict,
            any_requires_grad: bool) -> Tensor:
    """Wrap an op's output; link it to its parents when gradients will be needed."""
    if type(data) is not np.ndarray:  # ufuncs turn 0-d results into numpy scalars
        data = np.asarray(data)
    out = object.__new__(Tensor)  # skips __init__: the data is already a checked array
    out.data = data
    out.grad = None
    out._version = 0
    out._retains_grad = False
    if any_requires_grad and STATE.grad_enabled:
        out.requires_grad = True
        CLOCK.tick += 1
        out._node = (prim, params, parents, CLOCK.tick)
    else:
        out.requires_grad = False
        out._node = None
    if ANOMALY_USERS.count and STATE.anomaly:
        _check_forward_anomaly(prim, out)
    return out


def _forward_error(prim: ops.Primitive, inputs: Sequence[Tensor], exc: Exception) -> Exception:
    shapes = " and ".join(str(t.shape) for t in inputs)
    if "broadcast" in str(exc):
        return ShapeError(
            f"{prim.name}: shapes {shapes} cannot be broadcast together; expected equal "
            f"trailing dimensions or 1 (numpy: {exc})"
        )
    return type(exc)(f"{prim.name} on shapes {shapes}: {exc}")


def _user_frame() -> str:
    """The innermost stack frame outside autograd_mini: where the user created the op."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if "autograd_mini" not in frame.filename.replace("\\", "/").split("/")[-2:][0]:
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
    return "unknown location"


def _check_forward_anomaly(prim: ops.Primitive, out: Tensor) -> None:
    out._origin = _user_frame()
    if out.data.dtype.kind == "f" and not np.all(np.isfinite(out.data)):
        raise AnomalyError(
            f"'{prim.name}' produced NaN/Inf in its output of shape {out.shape}, created at "
            f"{out._origin}"
        )


from . import functional as F  # noqa: E402  (functional needs Tensor defined first)
