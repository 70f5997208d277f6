"""Primitives that move values without changing them: reshape, transpose, indexing, joining.

A result that is a view of its input shares the input's version counter (engine.record), so
an in-place change through either is caught by backward.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import apply
from ..errors import AutogradError, ShapeError
from ..forward_levels import FORWARD_USERS, carries_tangent
from ..grad_mode import STATE
from ..tensor import Tensor
from .args import as_int, as_tensor, is_int, normalize_index, single_axis
from .expose import composite, defop, parsed


# ---- reshape ----------------------------------------------------------------------------------
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


def _reshape_parse(x: Any, *shape: Any) -> tuple:
    t = as_tensor(x, op="reshape")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    target = _resolve_shape(tuple(as_int(n, "reshape", "each size") for n in shape), t.shape,
                            t.size)
    return (t,), {"shape": target}


def _expand_dims_parse(x: Any, axis: int) -> tuple:
    t = as_tensor(x, op="expand_dims")
    a = single_axis(axis, t.ndim + 1, "expand_dims")  # the new axis indexes the result
    return (t,), {"shape": t.shape[:a] + (1,) + t.shape[a:]}


RESHAPE = defop(
    "reshape", lambda a, *, shape: np.reshape(a, shape),
    lambda g, out, inputs, needs, xp, *, shape: (g.reshape(inputs[0].shape),),
    jvp=lambda t, out, inputs, xp, *, shape: t[0].reshape(shape),
    batch=lambda t, out, inputs, xp, *, shape: t[0].reshape((t[0].shape[0],) + tuple(out.shape)),
    math="reshape(a; shape);  ∂/∂a = reshape(g, a.shape)",
    expose=[parsed("reshape", _reshape_parse, method=True),
            parsed("expand_dims", _expand_dims_parse, on_arrays=np.expand_dims)],
)


# ---- axes -------------------------------------------------------------------------------------
def _transpose_parse(x: Any, *axes: Any) -> tuple:
    t = as_tensor(x, op="transpose")
    if len(axes) == 1 and (isinstance(axes[0], (tuple, list)) or axes[0] is None):
        axes = () if axes[0] is None else tuple(axes[0])
    if not axes:
        axes = tuple(reversed(range(t.ndim)))
    axes = tuple(as_int(a, "transpose", "each axis") for a in axes)
    in_range = all(-t.ndim <= int(a) < t.ndim for a in axes)
    perm = tuple(int(a) % builtins.max(t.ndim, 1) for a in axes)
    if not in_range or sorted(perm) != list(range(t.ndim)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of {t.ndim} dims")
    return (t,), {"axes": perm}


def _swapaxes_parse(x: Any, axis1: int, axis2: int) -> tuple:
    t = as_tensor(x, op="swapaxes")
    perm = list(range(t.ndim))
    a, b = single_axis(axis1, t.ndim, "swapaxes"), single_axis(axis2, t.ndim, "swapaxes")
    perm[a], perm[b] = perm[b], perm[a]
    return (t,), {"axes": tuple(perm)}


TRANSPOSE = defop(
    "transpose", lambda a, *, axes: np.transpose(a, axes),
    lambda g, out, inputs, needs, xp, *, axes: (g.transpose(tuple(np.argsort(axes))),),
    jvp=lambda t, out, inputs, xp, *, axes: t[0].transpose(axes),
    batch=lambda t, out, inputs, xp, *, axes: t[0].transpose((0,) + tuple(a + 1 for a in axes)),
    math="transpose(a; axes);  ∂/∂a = g transposed by the inverse permutation",
    expose=[parsed("transpose", _transpose_parse, method=True, prop="T"),
            parsed("swapaxes", _swapaxes_parse, method=True, on_arrays=np.swapaxes)],
)


# ---- broadcasting -----------------------------------------------------------------------------
def _broadcast_to_parse(x: Any, shape: Sequence[int] | int) -> tuple:
    t = as_tensor(x, op="broadcast_to")
    shape = (shape,) if is_int(shape) else tuple(shape)  # numpy accepts a bare int too
    shape = tuple(as_int(n, "broadcast_to", "each size") for n in shape)
    try:
        fits = np.broadcast_shapes(t.shape, shape) == shape  # (2, 3) and (3,) give (2, 3)
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"broadcast_to: cannot broadcast {t.shape} to {shape}; each axis of "
                         "the tensor must equal the target's trailing axis or be 1")
    return (t,), {"shape": shape}


def _materialized_broadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """g repeated to `shape` as a new array (inside first-order VJPs): np.broadcast_to's view
    costs a few µs of Python per call, and every consumer of a gradient reads all of it."""
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


BROADCAST_TO = defop(
    "broadcast_to", lambda a, *, shape: np.broadcast_to(a, shape),
    lambda g, out, inputs, needs, xp, *, shape: (g,),  # the engine sums g back to a's shape
    jvp=lambda t, out, inputs, xp, *, shape: xp.broadcast_to(t[0], shape),
    batch=lambda t, out, inputs, xp, *, shape: xp.broadcast_to(  # (B, 1.., a's axes)
        t[0].reshape((t[0].shape[0],) + (1,) * (len(shape) - inputs[0].ndim) + inputs[0].shape),
        (t[0].shape[0],) + tuple(shape)),
    math="broadcast_to(a; shape);  ∂/∂a = g summed over the broadcast axes",
    expose=[parsed("broadcast_to", _broadcast_to_parse, on_arrays=_materialized_broadcast)],
)


# ---- indexing ---------------------------------------------------------------------------------
def is_basic_index(index: Any) -> bool:
    """True for ints, slices, None and Ellipsis only: such an index never repeats an element."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        item is None or item is Ellipsis or isinstance(item, (int, np.integer, slice))
        for item in items
    )


def _is_mask(index: Any) -> bool:
    return isinstance(index, np.ndarray) and index.dtype == bool


def _getitem_parse(x: Any, index: Any) -> tuple:
    return (as_tensor(x, op="getitem"),), {"index": normalize_index(index)}


def _scatter_add_forward(g, *, index, shape):
    grad = np.zeros(shape, dtype=g.dtype)
    if is_basic_index(index) or _is_mask(index):
        grad[index] = g  # each element appears at most once: plain assignment is exact
    elif not _scatter_integer_arrays(grad, index, g):
        np.add.at(grad, index, g)  # integer arrays may repeat an index: accumulate
    return grad


def _scatter_integer_arrays(grad: np.ndarray, index: Any, g: np.ndarray) -> bool:
    """grad[index] += g for the two integer-array forms of take and take_along_axis, exactly
    as np.add.at (same order of additions) but without its slow multi-index path (on 2+ dims):
    `(:, ..., :, i)` writes by assignment when i's entries differ (a permutation), and both
    it and one array per axis `(i0, i1, ...)` otherwise add at flat positions (np.add.at's
    fast 1-d path). False for any other index."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [k for k, item in enumerate(items) if isinstance(item, np.ndarray)]
    if not arrays or any(items[k].dtype.kind not in "iu" for k in arrays):
        return False
    shape = grad.shape
    if len(shape) == 1:  # np.add.at's own 1-d path is already fast
        return False
    axis = arrays[0]
    full = all(isinstance(item, slice) and item == slice(None)
               for k, item in enumerate(items) if k != axis)
    if len(arrays) == 1 and full and shape[axis] > 0:  # (:, ..., :, i): take
        n = shape[axis]
        along = _wrapped(items[axis].reshape(-1), n)  # (k,)
        if along.size == 0:
            return True
        if np.bincount(along, minlength=n).max() == 1:  # each position once: exact
            grad[index] = g
            return True
        pre = int(np.prod(shape[:axis], dtype=np.int64))
        post = int(np.prod(shape[axis + 1:], dtype=np.int64))
        rows = np.arange(pre)[:, None, None] * n + along[None, :, None]
        flat = (rows * post + np.arange(post)[None, None, :]).reshape(-1)  # (pre, k, post)
        np.add.at(grad.reshape(-1), flat, g.reshape(-1))
        return True
    if len(arrays) == len(items) == len(shape):  # (i0, i1, ...): take_along_axis
        try:
            wide = np.broadcast_shapes(*(item.shape for item in items))
        except ValueError:
            return False
        flat = np.broadcast_to(_flat_index(items, shape), wide).reshape(-1)
        np.add.at(grad.reshape(-1), flat, g.reshape(-1))
        return True
    return False


def _wrapped(index: np.ndarray, n: int) -> np.ndarray:
    """Negative indices counted from the end (bounds were checked by the forward)."""
    return index % n if index.size and index.min() < 0 else index


def _flat_index(items: tuple, shape: tuple[int, ...]) -> Any:
    """Σ_k i_k·stride_k: the flattened position of a[i0, i1, ...] (broadcast shape)."""
    flat: Any = 0
    stride = 1
    for item, n in zip(reversed(items), reversed(shape)):
        flat = flat + _wrapped(item, n).astype(np.intp, copy=False) * stride
        stride *= n
    return flat


def _scatter_add_parse(g: Any, index: Any, shape: tuple[int, ...]) -> tuple:
    return (as_tensor(g, op="scatter_add"),), {"index": index, "shape": shape}


GETITEM = defop(
    "getitem", lambda a, *, index: a[index],
    lambda g, out, inputs, needs, xp, *, index: (
        xp.scatter_add(g, index=index, shape=inputs[0].shape),),
    jvp=lambda t, out, inputs, xp, *, index: t[0][index],
    math="getitem(a; i) = a[i];  ∂/∂a = zeros with g added at i (repeats accumulate)",
    expose=[parsed("getitem", _getitem_parse, method="__getitem__")],
)

SCATTER_ADD = defop(
    "scatter_add", _scatter_add_forward,
    lambda gg, out, inputs, needs, xp, *, index, shape: (gg[index],),
    jvp=lambda t, out, inputs, xp, *, index, shape: xp.scatter_add(t[0], index=index, shape=shape),
    math="scatter_add(g; i, shape) = zeros(shape) with g added at i;  ∂/∂g = gg[i]",
    expose=[parsed("scatter_add", _scatter_add_parse, internal=True,
                   on_arrays=lambda g, index, shape: _scatter_add_forward(
                       g, index=index, shape=shape))],
)


# ---- assignment: x[i] = y is recorded, never a silent copy of y's value ------------------------
def _setitem_forward(a, b, *, index):
    out = a.copy()
    out[index] = b
    return out


def _setitem_vjp(g, out, inputs, needs, xp, *, index):
    a, b = inputs
    ga = gb = None
    if needs[0]:  # the overwritten elements no longer depend on a
        keep = np.ones(a.shape, dtype=xp.value(g).dtype)
        keep[index] = 0
        ga = g * keep
    if needs[1]:  # b was broadcast into a[index]; the engine sums it back to b's shape
        gb = g[index]
    return ga, gb


def _setitem_jvp(t, out, inputs, xp, *, index):
    a, _ = inputs
    ta, tb = t
    tangent = None
    if ta is not None:  # the transpose of the VJP's masks: a's tangent survives outside i
        keep = np.ones(a.shape, dtype=xp.value(ta).dtype)
        keep[index] = 0
        tangent = ta * keep
    if tb is not None:  # b's tangent, broadcast as b was, lands at i
        selected = xp.value(out)[index].shape
        part = xp.scatter_add(xp.broadcast_to(tb, selected), index=index, shape=a.shape)
        tangent = part if tangent is None else tangent + part
    return tangent


SETITEM = defop(
    "setitem", _setitem_forward, _setitem_vjp, jvp=_setitem_jvp,
    math="setitem(a, b; i) = a with a[i] = b;  ∂/∂a = g with zeros at i,  ∂/∂b = g[i]",
)


_VIEW_WRITE = (
    "{what}: this tensor is a view of another live tensor's memory (x[a:b], x.T, "
    "x.reshape(...), ...), and a write that joins the graph would reach only the view: the base "
    "would hold the new values as a constant and silently lose their gradient. Write into the "
    "base instead (x[a:b] = y), or build the result out of place (am.concatenate, am.where)"
)
_BASE_WRITE = (
    "{what}: a view of this tensor is alive (v = x[a:b], x.T, x.reshape(...), ...), and this "
    "write joins the graph: the view would show the new values without the graph that made "
    "them, silently losing their gradient (PyTorch rebases such views; autograd_mini refuses). "
    "Take the views after the write (or `del` them first), or build the result out of place "
    "(am.concatenate, am.where)"
)


def check_no_view_is_left_behind(tensor: Tensor, what: str) -> None:
    """Refuse a write that joins the graph when it would reach only a view (the base keeps the
    values as a constant) or leave a live view of the tensor showing values without a graph."""
    if tensor._is_view_of_a_live_tensor():
        raise AutogradError(_VIEW_WRITE.format(what=what))
    if tensor._has_live_views():
        raise AutogradError(_BASE_WRITE.format(what=what))


def _setitem(self: Tensor, index: Any, value: Any) -> None:
    """`x[i] = y`: when y (or x) takes part in the graph, x becomes the output of a recorded
    `setitem` (as in PyTorch), so y's gradient is not lost; otherwise a plain in-place write."""
    index = normalize_index(index)
    # Forward mode: x or y carries a tangent (a jvp input, or computed from one); the write is
    # recorded so that the setitem JVP rule gives x its new tangent (a plain write kept x's old
    # tangent: wrong derivatives, silently).
    tangents = bool(FORWARD_USERS.count) and (
        carries_tangent(self) or (isinstance(value, Tensor) and carries_tangent(value)))
    records = tangents or STATE.grad_enabled and (
        self._requires_grad or (isinstance(value, Tensor) and value._requires_grad))
    if not records:
        self._check_inplace("__setitem__")
        self.data[index] = value.data if isinstance(value, Tensor) else value
        self.bump_version()
        return
    if self.is_leaf and self._requires_grad and STATE.grad_enabled:
        raise AutogradError(
            "__setitem__: in-place change of a leaf tensor that requires grad; build a new "
            "tensor instead (e.g. am.where(mask, y, x)), or assign under `with am.no_grad():`"
        )
    if not self.data.flags.writeable:
        self._check_inplace("__setitem__")
    check_no_view_is_left_behind(self, "x[i] = y")
    # The value before the assignment keeps the recorded graph; this tensor turns into the
    # setitem output (a constant x's old values are not needed by the VJP: no copy).
    before = self._value_before_write(
        self.data.copy() if self._requires_grad or tangents else self.data, tangents)
    value = as_tensor(value, self, "__setitem__")
    self.data[index] = value.data  # the same memory, so views of x see the change
    self.bump_version()
    out = apply(SETITEM, (before, value), {"index": index})  # recorded after the change
    self._become_output_of(out, tangents)


Tensor.__setitem__ = _setitem  # type: ignore[method-assign]


# ---- joining ----------------------------------------------------------------------------------
def _same_rank(tensors: Sequence[Any], op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or len(tensors) == 0:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    first = next((t for t in tensors if isinstance(t, Tensor)), None)
    ts = [as_tensor(t, first, op) for t in tensors]
    if any(t.ndim != ts[0].ndim for t in ts):
        raise ShapeError(f"{op}: all inputs need the same number of dims, got "
                         f"{[t.shape for t in ts]}")
    if ts[0].ndim == 0 and op == "concatenate":
        raise ShapeError("concatenate: zero-dimensional tensors cannot be concatenated; use stack")
    return ts


def _concatenate_parse(tensors: Sequence[Any], axis: int = 0) -> tuple:
    ts = _same_rank(tensors, "concatenate")
    a = single_axis(axis, ts[0].ndim, "concatenate")
    for t in ts[1:]:
        if t.shape[:a] + t.shape[a + 1 :] != ts[0].shape[:a] + ts[0].shape[a + 1 :]:
            raise ShapeError(
                f"concatenate: shapes {[u.shape for u in ts]} differ outside axis {axis}"
            )
    return tuple(ts), {"axis": a}


def _concatenate_vjp(g, out, inputs, needs, xp, *, axis):
    grads = []
    start = 0
    prefix = (slice(None),) * axis
    for a, need in zip(inputs, needs):
        stop = start + a.shape[axis]
        grads.append(g[prefix + (slice(start, stop),)] if need else None)
        start = stop
    return tuple(grads)


def _concatenate_jvp(t, out, inputs, xp, *, axis):
    # an input without a tangent contributes zeros of its shape
    parts = [np.zeros(a.shape, dtype=xp.value(out).dtype) if ti is None else ti
             for a, ti in zip(inputs, t)]
    return xp.concatenate(parts, axis=axis)


def _concatenate_batch(t, out, inputs, xp, *, axis):
    n = next(ti.shape[0] for ti in t if ti is not None)
    parts = [np.zeros((n,) + a.shape, dtype=xp.value(out).dtype) if ti is None else ti
             for a, ti in zip(inputs, t)]
    return xp.concatenate(parts, axis=axis + 1)


CONCATENATE = defop(
    "concatenate", lambda *arrays, axis: np.concatenate(arrays, axis=axis), _concatenate_vjp,
    jvp=_concatenate_jvp, batch=_concatenate_batch,
    math="concatenate(a₁…aₖ; axis);  ∂/∂aᵢ = the slice of g that aᵢ filled",
    expose=[parsed("concatenate", _concatenate_parse)],
)


@composite("stack")
def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """stack(a₁…aₖ; axis): same-shaped tensors joined along a new axis (expand + concatenate)."""
    ts = _same_rank(tensors, "stack")
    if any(t.shape != ts[0].shape for t in ts):
        raise ShapeError(f"stack: all shapes must be equal, got {[t.shape for t in ts]}")
    a = single_axis(axis, ts[0].ndim + 1, "stack")
    expanded = [apply(RESHAPE, (t,), {"shape": t.shape[:a] + (1,) + t.shape[a:]}) for t in ts]
    return apply(CONCATENATE, tuple(expanded), {"axis": a})
