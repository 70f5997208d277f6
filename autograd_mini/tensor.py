"""Tensor: a numpy array that records the ops applied to it, so gradients can flow back.

The differentiable methods and operators (`x.tanh()`, `x + y`, `x[i]`, `x.T`, ...) are not
written here: each op's declaration in autograd_mini/ops/ installs them (see ops/expose.py).
This file holds what is not an op: construction, conversion, comparison, in-place updates.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import AutogradError, ShapeError, caller_stacklevel
from .forward_levels import FORWARD_USERS, carries_tangent, hand_over_tangent
from .grad_mode import STATE
from .node import UNCHANGED, Node

ArrayLike = Any  # scalars, nested sequences, ndarrays, Tensors


def to_array(data: ArrayLike, dtype: Any, op: str = "Tensor") -> np.ndarray:
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


class Tensor(Node):
    """An n-dimensional array with an optional gradient, recording the graph as ops run.

    `Tensor(data, requires_grad=False, dtype=None)`: floating arrays keep their dtype (and share
    memory with the array given), other input becomes float64 unless `dtype=` says otherwise.
    A Tensor given as data is shared too, with its version counter: an in-place change through
    either one is seen by backward. The new tensor is a leaf, outside the given one's graph (as
    `t.detach()`): given a tensor that requires grad while the graph is recorded, `Tensor(t)` /
    `am.tensor(t)` warns, as `torch.tensor(t)` does, since gradients will not reach `t`.
    """

    __slots__ = ("data", "_grad", "_requires_grad", "_retains_grad", "_origin", "name",
                 "__weakref__")

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> None:
        version = UNCHANGED
        if isinstance(data, Tensor):
            source = data
            if source._requires_grad and STATE.grad_enabled and type(self) is Tensor:
                _warn_detached_copy(source, requires_grad)
            data = source.data
            if dtype is None or np.dtype(dtype) == data.dtype:
                version = source._own_version()  # same memory: same version counter
        self.data: np.ndarray = to_array(data, dtype)
        self._grad: Tensor | None = None
        self._requires_grad = False
        self._prim = None
        self._version = version
        self._retains_grad = False
        if requires_grad is not False:  # requires_grad_ refuses non-bools ("no" was truthy)
            self.requires_grad_(requires_grad)

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool) -> Tensor:
        """Fast constructor for op outputs and constants: no conversion, no checks."""
        t = object.__new__(cls)
        t.data = data
        t._grad = None
        t._requires_grad = requires_grad
        t._prim = None
        t._version = UNCHANGED
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
        """The number of elements (numpy's meaning; PyTorch's `t.size()` is `t.shape` here)."""
        return _ElementCount(self.data.size)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient, a Tensor of this tensor's shape (None until a backward
        reaches it). A Tensor in every mode, as in PyTorch: after `backward(create_graph=True)`
        it is itself recorded and differentiable; `.grad.data` is its array."""
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._grad = None
            return
        if not isinstance(value, Tensor):
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":  # "1" was parsed as 1.0, 1j lost its 1j
                raise TypeError(f"grad: assigned a gradient of dtype {array.dtype} "
                                f"({type(value).__name__}); expected real numbers")
            value = Tensor._make(array.astype(self.data.dtype, copy=False), False)
        if value.shape != self.data.shape:
            raise ShapeError(f"grad: assigned a gradient of shape {value.shape} to a tensor of "
                             f"shape {self.data.shape}; they must match")
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to (leaf) or through (non-leaf) this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)  # the same checks as the method: never a silent graph cut

    def item(self) -> float:
        return self.data.item()

    def _carries_derivative(self) -> bool:
        """True when a plain number or array made from this tensor would silently lose a
        derivative: it requires grad while the graph is recorded, or it carries a forward-mode
        tangent (inside jvp, jacfwd, ...)."""
        return (self._requires_grad and STATE.grad_enabled
                or FORWARD_USERS.count > 0 and carries_tangent(self))

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied); refused while it would cut the graph."""
        if self._carries_derivative():
            raise self._silent_detach_error("numpy()")
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    # ---- numpy interoperability: never a silent cut of the graph ------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """`np.asarray(t)`: the array, unless t requires grad while the graph is recorded
        (PyTorch's rule: the result would silently carry no gradient). An integer or boolean
        dtype is allowed (`np.int64(t)`, as `t.long()` in PyTorch): it has no gradient to lose."""
        if self._carries_derivative() and (dtype is None or np.dtype(dtype).kind not in "biu"):
            raise self._silent_detach_error("np.asarray(tensor)")
        data = self.data if dtype is None else self.data.astype(dtype, copy=False)
        return data.copy() if copy else data

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy's ufuncs on Tensors (`np.sin(t)`, `ndarray * t`) run autograd_mini's op."""
        if method == "__call__" and not kwargs:  # fast path for ufuncs already dispatched once
            if len(inputs) == 2 and inputs[1] is self and type(inputs[0]) in PLAIN_OPERANDS:
                reflected = REFLECTED.get(ufunc)  # `ndarray * t`: the operator Python would use
                if reflected is not None:
                    return reflected(self, inputs[0])
            fn = UFUNC_FUNCTIONS.get(ufunc)
            if fn is not None:
                for value in inputs:
                    if type(value) not in PLAIN_OPERANDS:
                        break
                else:
                    return fn(*inputs)
        return (PROTOCOLS or _load_protocols()).dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """numpy's functions on Tensors (`np.dot(t, W)`, `np.mean(t)`) run autograd_mini's."""
        return (PROTOCOLS or _load_protocols()).dispatch_function(func, types, args, kwargs)

    def _silent_detach_error(self, what: str) -> AutogradError:
        if not self._requires_grad:  # a forward-mode tangent (jvp, jacfwd, make_jvp, deriv)
            return AutogradError(
                f"{what}: this tensor carries a forward-mode tangent (it is computed inside "
                "jvp, jacfwd or another forward transform from the differentiated input), and "
                "a plain number or array made from it would silently carry no derivative. "
                "Use tensor.detach() when you mean a constant; for differentiable numpy code "
                "use `import autograd_mini.numpy as np`."
            )
        return AutogradError(
            f"{what}: this tensor requires grad, and a plain number or array made from it "
            "would silently carry no gradient. Use tensor.detach() (or .item() for a number) "
            "when you want the value without its gradient, or `with am.no_grad():`; for "
            "differentiable numpy code use `import autograd_mini.numpy as np`."
        )

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data and version counter, cut off from the graph:
        an in-place change made through it is seen as a change of this tensor too."""
        out = Tensor._make(self.data, False)
        out._version = self._own_version()
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark a leaf as needing gradients (floating dtypes only)."""
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(f"requires_grad_: expected True or False, got {requires_grad!r}")
        if not self.is_leaf:
            raise AutogradError(
                f"requires_grad: only leaf tensors can change requires_grad; this tensor was "
                f"produced by '{self.op}'. Use .detach().requires_grad_() for a new leaf."
            )
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"requires_grad: only floating-point tensors can require gradients, got dtype "
                f"{self.data.dtype}; create it with dtype=np.float64 or np.float32"
            )
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` of this non-leaf tensor after backward (leaves always keep theirs)."""
        if not self._requires_grad:
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
        if not self.is_leaf:
            extra = f", op={self.op}"
        elif self._requires_grad:
            extra = ", requires_grad=True"
        dtype = "" if self.data.dtype == np.float64 else f", dtype={self.data.dtype}"
        return f"Tensor({body}{dtype}{extra})"

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        # math.exp(t) would drop the graph (or, in forward mode, the tangent)
        if self._carries_derivative():
            raise self._silent_detach_error("float(tensor)")
        return float(self.data)

    def __int__(self) -> int:
        if self._carries_derivative():
            raise self._silent_detach_error("int(tensor)")
        return int(self.data)

    __hash__ = object.__hash__

    if TYPE_CHECKING:  # methods and operators are installed by the op declarations (ops/)
        def __getattr__(self, name: str) -> Any: ...  # x.sum(), x.tanh(), x.T, ...
        def __add__(self, other: ArrayLike) -> Tensor: ...
        def __radd__(self, other: ArrayLike) -> Tensor: ...
        def __sub__(self, other: ArrayLike) -> Tensor: ...
        def __rsub__(self, other: ArrayLike) -> Tensor: ...
        def __mul__(self, other: ArrayLike) -> Tensor: ...
        def __rmul__(self, other: ArrayLike) -> Tensor: ...
        def __truediv__(self, other: ArrayLike) -> Tensor: ...
        def __rtruediv__(self, other: ArrayLike) -> Tensor: ...
        def __pow__(self, other: ArrayLike) -> Tensor: ...
        def __rpow__(self, other: ArrayLike) -> Tensor: ...
        def __matmul__(self, other: ArrayLike) -> Tensor: ...
        def __rmatmul__(self, other: ArrayLike) -> Tensor: ...
        def __mod__(self, other: ArrayLike) -> Tensor: ...
        def __rmod__(self, other: ArrayLike) -> Tensor: ...
        def __neg__(self) -> Tensor: ...
        def __pos__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __getitem__(self, index: Any) -> Tensor: ...
        def __setitem__(self, index: Any, value: ArrayLike) -> None: ...

    # ---- comparisons: boolean tensors, no gradient -------------------------------------
    def _compare(self, ufunc: np.ufunc, other: ArrayLike, symbol: str) -> Tensor:
        value = other.data if isinstance(other, Tensor) else other
        if value is None or isinstance(value, (str, bytes)):
            raise TypeError(f"comparison {symbol}: cannot compare a tensor with "
                            f"{type(value).__name__} {value!r}; expected numbers or tensors")
        return Tensor._make(np.asarray(ufunc(self.data, value)), False)

    def __lt__(self, other: ArrayLike) -> Tensor:
        return self._compare(np.less, other, "<")

    def __le__(self, other: ArrayLike) -> Tensor:
        return self._compare(np.less_equal, other, "<=")

    def __gt__(self, other: ArrayLike) -> Tensor:
        return self._compare(np.greater, other, ">")

    def __ge__(self, other: ArrayLike) -> Tensor:
        return self._compare(np.greater_equal, other, ">=")

    def __eq__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        if other is None:
            return Tensor._make(np.zeros(self.shape, dtype=bool), False)
        return self._compare(np.equal, other, "==")

    def __ne__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        if other is None:
            return Tensor._make(np.ones(self.shape, dtype=bool), False)
        return self._compare(np.not_equal, other, "!=")

    # ---- in-place updates (bump the version so stale graphs are detected) --------------
    def _check_inplace(self, what: str) -> None:
        if not self.data.flags.writeable:
            raise ValueError(
                f"{what}: this tensor's array is read-only (it was made from a read-only numpy "
                "array, or is a broadcast view), so it cannot change in place; use an "
                "out-of-place op, or make a writable copy: am.tensor(np.array(data))"
            )
        if STATE.grad_enabled and self._requires_grad:
            raise AutogradError(
                f"{what}: in-place change of a tensor that requires grad while the graph is "
                "being recorded; use an out-of-place op (x = x + y) or wrap the update in "
                "`with am.no_grad():`"
            )

    def _inplace(self, ufunc: np.ufunc, other: ArrayLike, what: str) -> Tensor:
        # Forward mode: x or y carries a tangent; recorded so x's tangent follows its new value
        # (a plain update kept x's old tangent: wrong derivatives, silently).
        tangents = bool(FORWARD_USERS.count) and (
            carries_tangent(self) or isinstance(other, Tensor) and carries_tangent(other))
        if not (STATE.grad_enabled and self.is_leaf and self._requires_grad) and (
                tangents or STATE.grad_enabled and (
                    self._requires_grad or isinstance(other, Tensor) and other._requires_grad)):
            return self._recorded_inplace(ufunc, other, what, tangents)
        self._check_inplace(what)
        if isinstance(other, Tensor):
            if other._requires_grad and STATE.grad_enabled:
                raise AutogradError(
                    f"{what}: the right-hand side requires grad, and an in-place update would "
                    "drop its gradient; write x = x + y (out of place) instead"
                )
            other = other.data
        ufunc(self.data, other, out=self.data)
        self.bump_version()
        return self

    def _recorded_inplace(self, ufunc: np.ufunc, other: ArrayLike, what: str,
                          tangents: bool = False) -> Tensor:
        """`x += y` on a recorded value (the course's `cost_sum += err_sqr` in a loop): x
        becomes the output of the recorded op, as `x[i] = y` does (PyTorch's rule; HIPS
        autograd rebinds the name), so the sum keeps every term's gradient."""
        if not self.data.flags.writeable:
            self._check_inplace(what)
        from .ops.shape import check_no_view_is_left_behind  # the ops import this module

        check_no_view_is_left_behind(self, f"x {what} y")
        other_data = other.data if isinstance(other, Tensor) else np.asarray(other)
        shape = np.broadcast_shapes(self.shape, other_data.shape)
        dtype = np.result_type(self.data, other_data)
        if shape != self.shape or not np.can_cast(dtype, self.dtype, "same_kind"):
            raise ShapeError(f"{what}: the result would have shape {shape} and dtype {dtype}, "
                             f"but an in-place update keeps the tensor's {self.shape} "
                             f"{self.dtype}; write x = x {what[0]} y instead")
        before = self._value_before_write(self.data.copy(), tangents)
        self.bump_version()  # before the op records, so its output counts as unchanged
        out = _OUT_OF_PLACE[ufunc](before, other)
        self.data[...] = out.data  # the same memory, so views of x see the change
        self._become_output_of(out, tangents)
        return self

    def _value_before_write(self, data: np.ndarray, tangents: bool) -> Tensor:
        """An in-place write that joins the graph (`x += y`, `x[i] = y`): the value before it
        becomes a tensor of its own, and this tensor's node and tangents move to it (under
        no_grad only the tangents: a write there records nothing)."""
        before = Tensor._make(data, self._requires_grad)
        if STATE.grad_enabled:
            before._take_node(self)
        if tangents:
            hand_over_tangent(self, before)
        return before

    def _become_output_of(self, out: Tensor, tangents: bool) -> None:
        """After the write: this tensor (same object, same memory, so views and names see the
        change) takes over the node and tangents of `out`, the op that recorded the write."""
        if STATE.grad_enabled:
            self._requires_grad = out._requires_grad
            self._take_node(out)
        if tangents:
            hand_over_tangent(out, self)

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
        self.bump_version()
        return self

    def fill_(self, value: float) -> Tensor:
        self._check_inplace("fill_")
        self.data[...] = value
        self.bump_version()
        return self

    def copy_(self, source: ArrayLike) -> Tensor:
        """Overwrite the values in place with `source` (broadcast); bumps the version. When
        `source` (or this non-leaf tensor) takes part in the graph, the copy is recorded, as
        `x[...] = source` (PyTorch's copy_ is differentiable too): source's gradient is kept."""
        if STATE.grad_enabled and not (self.is_leaf and self._requires_grad) and (
                self._requires_grad or isinstance(source, Tensor) and source._requires_grad):
            self[...] = source  # recorded setitem (autograd_mini/ops/shape.py)
            return self
        self._check_inplace("copy_")
        np.copyto(self.data, source.data if isinstance(source, Tensor) else source)
        self.bump_version()
        return self


# autograd_mini/numpy/protocols.py, imported on the first numpy call on a Tensor (the ops it
# dispatches to are declared after this module); kept here so each call skips the import.
PROTOCOLS: Any = None
# ufunc -> autograd_mini's function, filled by the protocols as ufuncs are first dispatched:
# `ndarray * t` then costs numpy's override check and one dict lookup more than `t * ndarray`.
UFUNC_FUNCTIONS: dict[Any, Any] = {}
PLAIN_OPERANDS = frozenset({Tensor, np.ndarray, float, int})  # never another library's override
# ufunc -> the Tensor's reflected operator, for `ndarray <op> t`: t.__rmul__(ndarray) is what
# Python ran before Tensor took part in numpy's protocols, and skips the function's operand
# checks (filled when the protocols load, after the ops have installed the operators).
REFLECTED: dict[Any, Any] = {}
_REFLECTED_NAMES = {np.add: "__radd__", np.subtract: "__rsub__", np.multiply: "__rmul__",
                    np.true_divide: "__rtruediv__", np.power: "__rpow__",
                    np.remainder: "__rmod__", np.matmul: "__rmatmul__"}


def _load_protocols() -> Any:
    global PROTOCOLS
    from .numpy import protocols

    PROTOCOLS = protocols
    REFLECTED.update({ufunc: getattr(Tensor, name) for ufunc, name in _REFLECTED_NAMES.items()
                      if hasattr(Tensor, name)})
    return protocols


class _ElementCount(int):
    """An int that answers PyTorch's `t.size()` habit with the fix instead of "'int' object is
    not callable"."""

    def __call__(self, *args: Any) -> Any:
        raise TypeError(
            "Tensor.size is numpy's element count (an int), not PyTorch's size(): use t.shape "
            "for the shape (t.shape[i] for one axis) and t.size for the number of elements"
        )


def _warn_detached_copy(source: Tensor, requires_grad: bool) -> None:
    """`am.tensor(t)` of a t that requires grad: PyTorch's warning, in this library's terms."""
    leaf = "a new leaf that requires grad" if requires_grad else "a constant"
    warnings.warn(
        f"tensor(t): t (shape {source.shape}) requires grad, and tensor(t) makes {leaf} that "
        "shares t's values but not its graph: no gradient will reach t through it. Write "
        "t.detach() (or am.tensor(t.detach(), requires_grad=True) for a new leaf) to say so, "
        "or use t itself (or an op on it, e.g. t * 1.0) to keep the graph.",
        UserWarning, stacklevel=caller_stacklevel())


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Create a Tensor (same as `Tensor(...)`)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# The out-of-place op each recorded in-place update applies (Tensor._recorded_inplace).
_OUT_OF_PLACE = {np.add: lambda a, b: a + b, np.subtract: lambda a, b: a - b,
                 np.multiply: lambda a, b: a * b, np.true_divide: lambda a, b: a / b}
