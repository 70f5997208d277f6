"""The functional API (`am.exp`, `am.matmul`, ...): validates arguments, then applies a primitive.

Composite ops (var, stack) are built here from primitives, so their gradients come for free.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import backend, ops
from .errors import ShapeError
from .tensor import _NO_PARAMS, ArrayLike, Tensor, _raw, apply, as_tensor

Axis = int | Sequence[int] | None


def _is_int(value: Any) -> bool:
    """A Python or numpy integer, but not a bool (numpy refuses `axis=True` too)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _as_int(value: Any, op: str, what: str) -> int:
    """`value` as an int, or a TypeError naming the op (never a silent int(2.5) == 2)."""
    if not _is_int(value):
        raise TypeError(f"{op}: {what} must be an int, got {value!r} "
                        f"({type(value).__name__})")
    return int(value)


def normalize_axis(axis: Axis, ndim: int, op: str) -> tuple[int, ...] | None:
    """None, an int or a tuple of ints -> a sorted tuple of non-negative axes (or None)."""
    if axis is None:
        return None
    if _is_int(axis):
        axes: tuple[Any, ...] = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r} "
                        f"({type(axis).__name__})")
    normalized = []
    for a in axes:
        _as_int(a, op, "each axis")
        if not -ndim <= a < ndim:  # a 0-d tensor has no axis at all (as in numpy)
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims")
        normalized.append(int(a) % ndim)
    if len(set(normalized)) != len(normalized):
        raise ShapeError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(normalized))


def _single_axis(axis: int, ndim: int, op: str) -> int:
    _as_int(axis, op, "axis")
    (a,) = normalize_axis(axis, ndim, op)  # type: ignore[misc]
    return a


def _tensor(x: ArrayLike, op: str, like: Tensor | None = None) -> Tensor:
    """`as_tensor`, with an error for non-numeric data that names the op."""
    return as_tensor(x, like, op)


def _unary(prim: ops.Primitive, x: ArrayLike, **params: Any) -> Tensor:
    return apply(prim, (_tensor(x, prim.name),), params or _NO_PARAMS)


def _binary(prim: ops.Primitive, a: ArrayLike, b: ArrayLike) -> Tensor:
    if isinstance(a, Tensor):
        return apply(prim, (a, _tensor(b, prim.name, a)), _NO_PARAMS)
    if isinstance(b, Tensor):
        return apply(prim, (_tensor(a, prim.name, b), b), _NO_PARAMS)
    return apply(prim, (_tensor(a, prim.name), _tensor(b, prim.name)), _NO_PARAMS)


# ---- elementwise ---------------------------------------------------------------------------
def add(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a + b with broadcasting."""
    return _binary(ops.ADD, a, b)


def sub(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a − b with broadcasting."""
    return _binary(ops.SUB, a, b)


def mul(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a · b with broadcasting."""
    return _binary(ops.MUL, a, b)


def div(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a / b with broadcasting."""
    return _binary(ops.DIV, a, b)


def pow(a: ArrayLike, b: ArrayLike) -> Tensor:  # noqa: A001 - numpy's name
    """a ** b; a constant Python exponent uses the cheaper scalar-power op."""
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        return apply(ops.POWER_SCALAR, (_tensor(a, "power"),), {"exponent": b})
    return _binary(ops.POW, a, b)


def neg(x: ArrayLike) -> Tensor:
    """−x."""
    return _unary(ops.NEG, x)


def exp(x: ArrayLike) -> Tensor:
    """eˣ."""
    return _unary(ops.EXP, x)


def log(x: ArrayLike) -> Tensor:
    """Natural logarithm."""
    return _unary(ops.LOG, x)


def sqrt(x: ArrayLike) -> Tensor:
    """√x."""
    return _unary(ops.SQRT, x)


def abs(x: ArrayLike) -> Tensor:  # noqa: A001
    """|x| (gradient sign(x), 0 at 0)."""
    return _unary(ops.ABS, x)


def tanh(x: ArrayLike) -> Tensor:
    """Hyperbolic tangent."""
    return _unary(ops.TANH, x)


def sigmoid(x: ArrayLike) -> Tensor:
    """Logistic function 1/(1 + e⁻ˣ), stable for any input."""
    return _unary(ops.SIGMOID, x)


def relu(x: ArrayLike) -> Tensor:
    """max(x, 0), with relu'(0) = 0."""
    return _unary(ops.RELU, x)


def _real(value: Any, op: str, what: str) -> float:
    """A real, non-NaN number parameter as a float, or an error naming the op."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
            or isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"{op}: {what} must be a real number, got {value!r} "
                        f"({type(value).__name__})")
    if np.isnan(value):
        raise ValueError(f"{op}: {what} is NaN; expected a real number")
    return float(value)


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope·x otherwise."""
    return _unary(ops.LEAKY_RELU, x,
                  negative_slope=_real(negative_slope, "leaky_relu", "negative_slope"))


def elu(x: ArrayLike, alpha: float = 1.0) -> Tensor:
    """x for x > 0, α(eˣ − 1) otherwise."""
    return _unary(ops.ELU, x, alpha=_real(alpha, "elu", "alpha"))


def softplus(x: ArrayLike) -> Tensor:
    """ln(1 + eˣ), stable for any input."""
    return _unary(ops.SOFTPLUS, x)


def clip(x: ArrayLike, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Limit values to [min, max] (either bound may be None); gradient 1 inside, 0 outside."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    # Bounds are scalars: a NaN bound would silently turn every value into NaN.
    min = None if min is None else _real(min, "clip", "min")
    max = None if max is None else _real(max, "clip", "max")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clip: min ({min}) must not exceed max ({max})")
    return _unary(ops.CLIP, x, min=min, max=max)


def maximum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise max; ties split the gradient equally."""
    return _binary(ops.MAXIMUM, a, b)


def minimum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise min; ties split the gradient equally."""
    return _binary(ops.MINIMUM, a, b)


def where(condition: ArrayLike, a: ArrayLike, b: ArrayLike) -> Tensor:
    """a where condition holds, else b (condition carries no gradient)."""
    cond = np.asarray(_raw(condition))
    if cond.dtype != bool:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    if isinstance(a, Tensor) or not isinstance(b, Tensor):
        ta = _tensor(a, "where")
        tb = _tensor(b, "where", ta)
    else:
        tb = b
        ta = _tensor(a, "where", tb)
    try:
        np.broadcast_shapes(cond.shape, ta.shape, tb.shape)
    except ValueError:
        raise ShapeError(
            f"where: condition {cond.shape}, a {ta.shape} and b {tb.shape} cannot be broadcast "
            "together; expected equal trailing dimensions or 1"
        ) from None
    return apply(ops.WHERE, (ta, tb), {"condition": cond})


def astype(x: ArrayLike, dtype: Any) -> Tensor:
    """Cast to `dtype` (a floating dtype); the gradient is cast back."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"astype: only floating dtypes are differentiable, got {dtype}")
    return _unary(ops.ASTYPE, x, dtype=dtype)


# ---- reductions ------------------------------------------------------------------------------
def _reduce(prim: ops.Primitive, x: ArrayLike, axis: Axis, keepdims: bool) -> Tensor:
    t = _tensor(x, prim.name)
    axes = normalize_axis(axis, t.ndim, prim.name)
    reduced = range(t.ndim) if axes is None else axes
    if prim in (ops.MAX, ops.MIN) and t.size == 0 and any(t.shape[a] == 0 for a in reduced):
        # (a 0-d tensor is never empty; reducing (0, 3) over axis 1 is a fine (0,) result)
        raise ShapeError(f"{prim.name}: cannot reduce an empty tensor of shape {t.shape} over "
                         f"axis {axis}: an empty slice has no {prim.name}imum")
    return apply(prim, (t,), {"axis": axes, "keepdims": bool(keepdims)})


def sum(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Σ over `axis` (all axes when None)."""
    return _reduce(ops.SUM, x, axis, keepdims)


def mean(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over `axis`."""
    return _reduce(ops.MEAN, x, axis, keepdims)


def max(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over `axis`; tied maxima share the gradient equally."""
    return _reduce(ops.MAX, x, axis, keepdims)


def min(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Minimum over `axis`; tied minima share the gradient equally."""
    return _reduce(ops.MIN, x, axis, keepdims)


def var(x: ArrayLike, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance Σ(x − mean)² / (n − ddof), composed from mean and power."""
    t = _tensor(x, "var")
    axes = normalize_axis(axis, t.ndim, "var")
    n = t.size if axes is None else int(np.prod([t.shape[i] for i in axes]))
    if n - ddof <= 0:
        raise ValueError(f"var: {n} values with ddof={ddof} leave no degrees of freedom")
    centered = t - mean(t, axes, keepdims=True)
    squares = sum(centered * centered, axes, keepdims)
    return squares * (1.0 / (n - ddof))


def logsumexp(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """ln Σ eˣ over `axis`, shifted by the max so it never overflows."""
    return _reduce(ops.LOGSUMEXP, x, axis, keepdims)


def softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """eˣ / Σ eˣ along `axis` (max-shifted: no overflow)."""
    t = _tensor(x, "softmax")
    return apply(ops.SOFTMAX, (t,), {"axis": _single_axis(axis, t.ndim, "softmax")})


def log_softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """x − logsumexp(x) along `axis`, computed without forming softmax."""
    t = _tensor(x, "log_softmax")
    return apply(ops.LOG_SOFTMAX, (t,), {"axis": _single_axis(axis, t.ndim, "log_softmax")})


# ---- shape ------------------------------------------------------------------------------------
def reshape(x: ArrayLike, *shape: Any) -> Tensor:
    """Same values, new shape (one entry may be −1); accepts reshape(2, 3) or reshape((2, 3))."""
    t = _tensor(x, "reshape")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    target = _resolve_shape(tuple(_as_int(n, "reshape", "each size") for n in shape), t.shape,
                            t.size)
    if target == t.shape:
        return t
    return apply(ops.RESHAPE, (t,), {"shape": target})


def _resolve_shape(shape: tuple[int, ...], old: tuple[int, ...], size: int) -> tuple[int, ...]:
    """Fill in a single −1 and check the element count, naming both shapes on failure."""
    unknown = [i for i, n in enumerate(shape) if n == -1]
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    bad = len(unknown) > 1 or any(n < -1 for n in shape)
    if not bad and unknown:
        bad = known == 0 or size % known != 0
        if not bad:
            shape = shape[: unknown[0]] + (size // known,) + shape[unknown[0] + 1 :]
    if bad or int(np.prod(shape, dtype=np.int64)) != size:
        raise ShapeError(f"reshape: cannot reshape {old} ({size} values) to {shape}")
    return shape


def transpose(x: ArrayLike, *axes: Any) -> Tensor:
    """Permute axes (reverse them when none are given)."""
    t = _tensor(x, "transpose")
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(reversed(range(t.ndim)))
    axes = tuple(_as_int(a, "transpose", "each axis") for a in axes)
    in_range = all(-t.ndim <= int(a) < t.ndim for a in axes)
    perm = tuple(int(a) % builtins.max(t.ndim, 1) for a in axes)
    if not in_range or sorted(perm) != list(range(t.ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of {t.ndim} dims")
    return apply(ops.TRANSPOSE, (t,), {"axes": perm})


def swapaxes(x: ArrayLike, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    t = _tensor(x, "swapaxes")
    perm = list(range(t.ndim))
    a, b = _single_axis(axis1, t.ndim, "swapaxes"), _single_axis(axis2, t.ndim, "swapaxes")
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(t, tuple(perm))


def expand_dims(x: ArrayLike, axis: int) -> Tensor:
    """Insert a length-1 axis at `axis`."""
    t = _tensor(x, "expand_dims")
    a = _single_axis(axis, t.ndim + 1, "expand_dims")  # the new axis indexes the result
    return reshape(t, t.shape[:a] + (1,) + t.shape[a:])


def broadcast_to(x: ArrayLike, shape: Sequence[int]) -> Tensor:
    """Repeat along new or length-1 axes to `shape`; the gradient sums them back."""
    t = _tensor(x, "broadcast_to")
    shape = (shape,) if _is_int(shape) else tuple(shape)  # numpy accepts a bare int too
    shape = tuple(_as_int(n, "broadcast_to", "each size") for n in shape)
    try:
        fits = np.broadcast_shapes(t.shape, shape) == shape  # (2, 3) and (3,) give (2, 3)
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"broadcast_to: cannot broadcast {t.shape} to {shape}; each axis of "
                         "the tensor must equal the target's trailing axis or be 1")
    if shape == t.shape:
        return t
    return apply(ops.BROADCAST_TO, (t,), {"shape": shape})


def normalize_index(index: Any) -> Any:
    """Turn Tensors and lists inside an index into numpy arrays numpy can use directly."""
    if isinstance(index, tuple):
        return tuple(normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        index = index.data
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, np.ndarray) and index.dtype.kind not in "biu":
        raise IndexError(
            f"getitem: index arrays must hold integers or booleans, got dtype {index.dtype}"
        )
    return index


def getitem(x: ArrayLike, index: Any) -> Tensor:
    """x[index] with ints, slices, None, ..., integer arrays (repeats accumulate) or masks."""
    t = _tensor(x, "getitem")
    return apply(ops.GETITEM, (t,), {"index": normalize_index(index)})


def _scatter_add(g: Tensor, index: Any, shape: tuple[int, ...]) -> Tensor:
    return apply(ops.SCATTER_ADD, (g,), {"index": index, "shape": shape})


def concatenate(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    ts = _same_rank(tensors, "concatenate")
    a = _single_axis(axis, ts[0].ndim, "concatenate")
    for t in ts[1:]:
        if t.shape[:a] + t.shape[a + 1 :] != ts[0].shape[:a] + ts[0].shape[a + 1 :]:
            raise ShapeError(
                f"concatenate: shapes {[u.shape for u in ts]} differ outside axis {axis}"
            )
    return apply(ops.CONCATENATE, tuple(ts), {"axis": a})


def stack(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    ts = _same_rank(tensors, "stack")
    if any(t.shape != ts[0].shape for t in ts):
        raise ShapeError(f"stack: all shapes must be equal, got {[t.shape for t in ts]}")
    a = _single_axis(axis, ts[0].ndim + 1, "stack")
    return concatenate([expand_dims(t, a) for t in ts], axis=a)


def _same_rank(tensors: Sequence[ArrayLike], op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or len(tensors) == 0:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    first = next((t for t in tensors if isinstance(t, Tensor)), None)
    ts = [_tensor(t, op, first) for t in tensors]
    if any(t.ndim != ts[0].ndim for t in ts):
        raise ShapeError(f"{op}: all inputs need the same number of dims, got "
                         f"{[t.shape for t in ts]}")
    if ts[0].ndim == 0 and op == "concatenate":
        raise ShapeError("concatenate: zero-dimensional tensors cannot be concatenated; use stack")
    return ts


# ---- linear algebra --------------------------------------------------------------------------
def matmul(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Matrix product with numpy's rules: 1-d operands are vectors, leading axes broadcast."""
    ta = a if isinstance(a, Tensor) else _tensor(a, "matmul", b if isinstance(b, Tensor) else None)
    tb = b if isinstance(b, Tensor) else _tensor(b, "matmul", ta)
    if ta.ndim == 0 or tb.ndim == 0:
        raise ShapeError(f"matmul: operands must have at least 1 dim, got {ta.shape} @ {tb.shape}")
    inner_a = ta.shape[-1]
    inner_b = tb.shape[0] if tb.ndim == 1 else tb.shape[-2]
    if inner_a != inner_b:
        raise ShapeError(
            f"matmul: inner dimensions differ in {ta.shape} @ {tb.shape} ({inner_a} != "
            f"{inner_b}); expected a.shape[-1] == b.shape[-2]"
        )
    return apply(ops.MATMUL, (ta, tb), _NO_PARAMS)


def linear(x: ArrayLike, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W + b as one fused node: x (batch, in), W (in, out), b (out,) -> (batch, out)."""
    weight = _tensor(weight, "linear", x if isinstance(x, Tensor) else None)
    tx = _tensor(x, "linear", weight)
    if bias is not None:
        bias = _tensor(bias, "linear", weight)
    if bias is None or tx.ndim != 2 or weight.ndim != 2 or tx.dtype != weight.dtype \
            or bias.dtype != weight.dtype:
        out = matmul(tx, weight)
        return out if bias is None else out + bias
    if tx.shape[1] != weight.shape[0] or bias.shape != (weight.shape[1],):
        raise ShapeError(
            f"linear: x {tx.shape}, weight {weight.shape}, bias {bias.shape}; expected "
            f"x (batch, in), weight (in, out), bias (out,)"
        )
    return apply(ops.LINEAR, (tx, weight, bias), _NO_PARAMS)


def cross_entropy(logits: Tensor, target: ArrayLike, reduction: str = "mean") -> Tensor:
    """−Σₖ tₖ log softmax(z)ₖ per row, fused and stable; target: labels (batch,) or
    probabilities (batch, classes). reduction: 'mean' | 'sum' | 'none'."""
    z = _tensor(logits, "cross_entropy")
    if z.ndim != 2:
        raise ShapeError(f"cross_entropy: logits must be (batch, classes), got {z.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    t = np.asarray(_raw(target))
    n, classes = z.shape
    if classes == 0:
        raise ShapeError(f"cross_entropy: logits of shape {z.shape} have no classes")
    if t.dtype.kind not in "biuf":
        raise TypeError(f"cross_entropy: target must hold integer labels (batch,) or "
                        f"probabilities (batch, classes), got dtype {t.dtype}")
    if t.ndim == 1:  # class labels
        if t.dtype.kind == "b":
            raise TypeError("cross_entropy: labels must be integers, got dtype bool; use "
                            "labels.astype(np.int64)")
        if t.shape != (n,):
            raise ShapeError(f"cross_entropy: logits of shape {z.shape} need {n} labels, got "
                             f"labels of shape {t.shape}")
        if t.dtype.kind == "f" and not np.all(t == np.round(t)):  # NaN fails too
            bad = t[t != np.round(t)][0]
            raise ValueError(f"cross_entropy: labels must be whole numbers, got {bad!r}")
        t = t.astype(np.int64, copy=False)
        # One pass checks both ends: seen as unsigned, a negative label is larger than any
        # class index.
        if n and np.maximum.reduce(t.view(np.uint64), axis=None) >= classes:
            raise ValueError(f"cross_entropy: labels must lie in [0, {classes}), got range "
                             f"[{t.min()}, {t.max()}]")
    elif t.shape != z.shape:
        raise ShapeError(f"cross_entropy: target of shape {t.shape} fits neither labels ({n},) "
                         f"nor probabilities {z.shape}")
    return apply(ops.CROSS_ENTROPY, (z,), {"target": t, "reduction": reduction})


backend.fill_tensor_backend(
    value=lambda x: x.data if isinstance(x, Tensor) else x,
    where=where,
    exp=exp,
    log=log,
    sigmoid=sigmoid,
    softmax=softmax,
    broadcast_to=broadcast_to,
    expand_dims=expand_dims,
    swapaxes=swapaxes,
    scatter_add=_scatter_add,
    astype=astype,
)
