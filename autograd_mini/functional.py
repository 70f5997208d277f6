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


def normalize_axis(axis: Axis, ndim: int, op: str) -> tuple[int, ...] | None:
    """None, an int or a tuple of ints -> a sorted tuple of non-negative axes (or None)."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < builtins.max(ndim, 1):
            raise ShapeError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims")
        normalized.append(int(a) % builtins.max(ndim, 1))
    if len(set(normalized)) != len(normalized):
        raise ShapeError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(normalized))


def _single_axis(axis: int, ndim: int, op: str) -> int:
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    (a,) = normalize_axis(axis, ndim, op)  # type: ignore[misc]
    return a


def _unary(prim: ops.Primitive, x: ArrayLike, **params: Any) -> Tensor:
    return apply(prim, (as_tensor(x),), params or _NO_PARAMS)


def _binary(prim: ops.Primitive, a: ArrayLike, b: ArrayLike) -> Tensor:
    if isinstance(a, Tensor):
        return apply(prim, (a, as_tensor(b, a)), _NO_PARAMS)
    if isinstance(b, Tensor):
        return apply(prim, (as_tensor(a, b), b), _NO_PARAMS)
    return apply(prim, (as_tensor(a), as_tensor(b)), _NO_PARAMS)


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
        return apply(ops.POWER_SCALAR, (as_tensor(a),), {"exponent": b})
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


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope·x otherwise."""
    return _unary(ops.LEAKY_RELU, x, negative_slope=float(negative_slope))


def elu(x: ArrayLike, alpha: float = 1.0) -> Tensor:
    """x for x > 0, α(eˣ − 1) otherwise."""
    return _unary(ops.ELU, x, alpha=float(alpha))


def softplus(x: ArrayLike) -> Tensor:
    """ln(1 + eˣ), stable for any input."""
    return _unary(ops.SOFTPLUS, x)


def clip(x: ArrayLike, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Limit values to [min, max] (either bound may be None); gradient 1 inside, 0 outside."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
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
        ta = as_tensor(a)
        tb = as_tensor(b, ta)
    else:
        tb = b
        ta = as_tensor(a, tb)
    return apply(ops.WHERE, (ta, tb), {"condition": cond})


def astype(x: ArrayLike, dtype: Any) -> Tensor:
    """Cast to `dtype` (a floating dtype); the gradient is cast back."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"astype: only floating dtypes are differentiable, got {dtype}")
    return _unary(ops.ASTYPE, x, dtype=dtype)


# ---- reductions ------------------------------------------------------------------------------
def _reduce(prim: ops.Primitive, x: ArrayLike, axis: Axis, keepdims: bool) -> Tensor:
    t = as_tensor(x)
    axes = normalize_axis(axis, t.ndim, prim.name)
    if prim in (ops.MAX, ops.MIN) and t.size == 0:
        raise ShapeError(f"{prim.name}: cannot reduce an empty tensor of shape {t.shape}")
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
    t = as_tensor(x)
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
    t = as_tensor(x)
    return apply(ops.SOFTMAX, (t,), {"axis": _single_axis(axis, t.ndim, "softmax")})


def log_softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """x − logsumexp(x) along `axis`, computed without forming softmax."""
    t = as_tensor(x)
    return apply(ops.LOG_SOFTMAX, (t,), {"axis": _single_axis(axis, t.ndim, "log_softmax")})


# ---- shape ------------------------------------------------------------------------------------
def reshape(x: ArrayLike, *shape: Any) -> Tensor:
    """Same values, new shape (one entry may be −1); accepts reshape(2, 3) or reshape((2, 3))."""
    t = as_tensor(x)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    target = _resolve_shape(tuple(int(n) for n in shape), t.shape, t.size)
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
    t = as_tensor(x)
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(reversed(range(t.ndim)))
    in_range = all(-t.ndim <= int(a) < t.ndim for a in axes)
    perm = tuple(int(a) % builtins.max(t.ndim, 1) for a in axes)
    if not in_range or sorted(perm) != list(range(t.ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of {t.ndim} dims")
    return apply(ops.TRANSPOSE, (t,), {"axes": perm})


def swapaxes(x: ArrayLike, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    t = as_tensor(x)
    perm = list(range(t.ndim))
    a, b = _single_axis(axis1, t.ndim, "swapaxes"), _single_axis(axis2, t.ndim, "swapaxes")
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(t, tuple(perm))


def expand_dims(x: ArrayLike, axis: int) -> Tensor:
    """Insert a length-1 axis at `axis`."""
    t = as_tensor(x)
    return reshape(t, np.expand_dims(np.empty(t.shape, dtype=np.int8), axis).shape)


def broadcast_to(x: ArrayLike, shape: Sequence[int]) -> Tensor:
    """Repeat along new or length-1 axes to `shape`; the gradient sums them back."""
    t = as_tensor(x)
    shape = tuple(shape)
    try:
        np.broadcast_shapes(t.shape, shape)
    except ValueError as exc:
        raise ShapeError(f"broadcast_to: cannot broadcast {t.shape} to {shape}") from exc
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
    t = as_tensor(x)
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
    ts = [as_tensor(t, first) for t in tensors]
    if any(t.ndim != ts[0].ndim for t in ts):
        raise ShapeError(f"{op}: all inputs need the same number of dims, got "
                         f"{[t.shape for t in ts]}")
    if ts[0].ndim == 0 and op == "concatenate":
        raise ShapeError("concatenate: zero-dimensional tensors cannot be concatenated; use stack")
    return ts


# ---- linear algebra --------------------------------------------------------------------------
def matmul(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Matrix product with numpy's rules: 1-d operands are vectors, leading axes broadcast."""
    ta = a if isinstance(a, Tensor) else as_tensor(a, b if isinstance(b, Tensor) else None)
    tb = b if isinstance(b, Tensor) else as_tensor(b, ta)
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
    tx = as_tensor(x, weight)
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
    z = as_tensor(logits)
    if z.ndim != 2:
        raise ShapeError(f"cross_entropy: logits must be (batch, classes), got {z.shape}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    t = np.asarray(_raw(target))
    n, classes = z.shape
    if t.ndim == 1 and t.dtype.kind in "iu" or (t.ndim == 1 and t.dtype.kind == "f"
                                                  and np.all(t == np.round(t))):
        if t.shape != (n,):
            raise ShapeError(f"cross_entropy: logits of shape {z.shape} need {n} labels, got "
                             f"labels of shape {t.shape}")
        t = t.astype(np.int64, copy=False)
        if n and (t.min() < 0 or t.max() >= classes):
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
