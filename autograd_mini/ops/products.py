"""Products with numpy's names and signatures: dot, vdot, inner, outer, kron, tensordot (built
from matmul, reshape and transpose) and einsum, a primitive whose VJP for each operand is
itself an einsum of the output gradient with the other operands."""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .args import as_int, as_tensor, floating, tensor_pair
from .expose import composite, defop, parsed


# ---- composites of matmul, reshape and transpose ----------------------------------------------
def _sizes_product(shape: Sequence[int]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _tensordot_axes(axes: Any, a: Tensor, b: Tensor) -> tuple[list[int], list[int]]:
    """numpy's `axes` (an int N, or a pair of axis lists) as two lists of non-negative axes."""
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        n = int(axes)
        if n < 0 or n > min(a.ndim, b.ndim):
            raise ShapeError(f"tensordot: axes={n} does not fit shapes {a.shape} and {b.shape}; "
                             "expected 0 <= axes <= the smaller number of dims")
        return list(range(a.ndim - n, a.ndim)), list(range(n))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        raise TypeError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}"
                        ) from None
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ShapeError(f"tensordot: axes {axes_a} and {axes_b} differ in length")
    out = []
    for axis_list, t in ((axes_a, a), (axes_b, b)):
        normalized = []
        for axis in axis_list:
            axis = as_int(axis, "tensordot", "each axis")
            if not -t.ndim <= axis < t.ndim:
                raise ShapeError(f"tensordot: axis {axis} is out of range for shape {t.shape}")
            normalized.append(axis % t.ndim)
        if len(set(normalized)) != len(normalized):
            raise ShapeError(f"tensordot: repeated axis in {axis_list}")
        out.append(normalized)
    return out[0], out[1]


def _contract(a: Tensor, b: Tensor, axes_a: list[int], axes_b: list[int], op: str) -> Tensor:
    """Sum over a's `axes_a` against b's `axes_b`: one matmul between two reshaped operands."""
    for i, j in zip(axes_a, axes_b):
        if a.shape[i] != b.shape[j]:
            raise ShapeError(f"{op}: shapes {a.shape} and {b.shape} not aligned: dim {i} of the "
                             f"first ({a.shape[i]}) != dim {j} of the second ({b.shape[j]})")
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [j for j in range(b.ndim) if j not in axes_b]
    summed = _sizes_product([a.shape[i] for i in axes_a])
    out_shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b)
    perm_a, perm_b = free_a + axes_a, axes_b + free_b
    if perm_a != list(range(a.ndim)):
        a = a.transpose(*perm_a)
    if perm_b != list(range(b.ndim)):
        b = b.transpose(*perm_b)
    left = a.reshape(_sizes_product(out_shape[:len(free_a)]), summed)  # (free a, summed)
    right = b.reshape(summed, _sizes_product(out_shape[len(free_a):]))  # (summed, free b)
    return (left @ right).reshape(out_shape)


@composite("tensordot")
def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """numpy.tensordot: sum over `axes` of a and b (int N: a's last N with b's first N)."""
    ta, tb = tensor_pair(a, b, "tensordot")
    axes_a, axes_b = _tensordot_axes(axes, ta, tb)
    return _contract(floating(ta), floating(tb), axes_a, axes_b, "tensordot")


@composite("dot")
def dot(a: Any, b: Any) -> Tensor:
    """numpy.dot: a product for 0-d, matmul for 1-d and 2-d, a·b over a's last and b's
    second-to-last axis otherwise."""
    ta, tb = tensor_pair(a, b, "dot")
    if ta.ndim == 0 or tb.ndim == 0:
        return ta * tb
    axis_b = 0 if tb.ndim == 1 else tb.ndim - 2
    if ta.shape[-1] != tb.shape[axis_b]:
        raise ShapeError(f"dot: shapes {ta.shape} and {tb.shape} not aligned: {ta.shape[-1]} "
                         f"(dim {ta.ndim - 1}) != {tb.shape[axis_b]} (dim {axis_b})")
    if ta.ndim == 1 or tb.ndim == 1 or (ta.ndim == 2 and tb.ndim == 2):
        return ta @ tb  # matmul's rules agree with dot's here
    return _contract(ta, tb, [ta.ndim - 1], [axis_b], "dot")


@composite("vdot")
def vdot(a: Any, b: Any) -> Tensor:
    """numpy.vdot for real arrays: the dot product of the flattened operands."""
    ta, tb = tensor_pair(a, b, "vdot")
    if ta.size != tb.size:
        raise ShapeError(f"vdot: operands of shapes {ta.shape} and {tb.shape} have different "
                         f"sizes ({ta.size} != {tb.size}); expected equal sizes")
    return ta.reshape(-1) @ tb.reshape(-1)


@composite("inner")
def inner(a: Any, b: Any) -> Tensor:
    """numpy.inner: sum over the last axes of a and b."""
    ta, tb = tensor_pair(a, b, "inner")
    if ta.ndim == 0 or tb.ndim == 0:
        return ta * tb
    return _contract(ta, tb, [ta.ndim - 1], [tb.ndim - 1], "inner")


@composite("outer")
def outer(a: Any, b: Any) -> Tensor:
    """numpy.outer: out[i, j] = a.ravel()[i] · b.ravel()[j]."""
    ta, tb = tensor_pair(a, b, "outer")
    return ta.reshape(-1, 1) * tb.reshape(1, -1)


@composite("kron")
def kron(a: Any, b: Any) -> Tensor:
    """numpy.kron: the Kronecker product, blocks a[i] · b (shapes padded with leading 1s)."""
    ta, tb = tensor_pair(a, b, "kron")
    ndim = max(ta.ndim, tb.ndim)
    sa = (1,) * (ndim - ta.ndim) + ta.shape
    sb = (1,) * (ndim - tb.ndim) + tb.shape
    # a as (sa0, 1, sa1, 1, ...) times b as (1, sb0, 1, sb1, ...): block (i, j) is a[i] · b
    spread_a = ta.reshape(*[s for n in sa for s in (n, 1)]) if ndim else ta
    spread_b = tb.reshape(*[s for n in sb for s in (1, n)]) if ndim else tb
    return (spread_a * spread_b).reshape(tuple(p * q for p, q in zip(sa, sb)))


# ---- einsum -----------------------------------------------------------------------------------
_LETTERS = string.ascii_letters


def _sublist_to_subscripts(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """numpy's interleaved form einsum(op0, [0, 1], op1, [1, 2], [0, 2]) as a string."""
    def letters(sublist: Any) -> str:
        out = ""
        for item in sublist:
            if item is Ellipsis:
                out += "..."
            else:
                out += _LETTERS[as_int(item, "einsum", "each sublist label")]
        return out

    operands, terms = list(args[0::2]), [letters(s) for s in args[1::2]]
    if len(terms) == len(operands):
        return ",".join(terms), operands
    return ",".join(terms) + "->" + letters(operands.pop()), operands


@functools.lru_cache(maxsize=1024)
def _normalized_subscripts(subscripts: str, shapes: tuple[tuple[int, ...], ...]) -> str:
    """Explicit subscripts without ellipsis ('...ij,jk' -> 'Aij,jk->Aik'), numpy's rules:
    implicit output = the ellipsis axes, then the labels used once, in alphabetical order."""
    text = subscripts.replace(" ", "")
    lhs, arrow, rhs = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s) but "
                         f"{len(shapes)} were given")
    used = set()
    for term in terms + [rhs]:
        bare = term.replace("...", "")
        bad = [c for c in bare if c not in _LETTERS]
        if bad:
            raise ValueError(f"einsum: invalid subscript character {bad[0]!r} in {subscripts!r};"
                             " expected letters, ',', '->' and '...'")
        used.update(bare)
    free = [c for c in _LETTERS if c not in used]
    ellipsis_dims = []
    for term, shape in zip(terms, shapes):
        labels = len(term.replace("...", ""))
        dims = len(shape) - labels if "..." in term else 0
        if dims < 0 or ("..." not in term and labels != len(shape)):
            raise ShapeError(f"einsum: subscripts {term!r} name {labels} axes but the operand "
                             f"has shape {shape} ({len(shape)} dims)")
        ellipsis_dims.append(dims)
    n_ellipsis = max(ellipsis_dims, default=0)
    ellipsis = "".join(free[:n_ellipsis])
    expanded = [t.replace("...", ellipsis[n_ellipsis - d:]) for t, d in zip(terms, ellipsis_dims)]
    if not arrow:
        counts = {c: "".join(terms).count(c) for c in used}
        rhs = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1))
    elif "..." in rhs:
        rhs = rhs.replace("...", ellipsis)
    elif n_ellipsis:
        raise ValueError(f"einsum: subscripts {subscripts!r} give the operands '...' axes but "
                         "the output has no '...'; add '...' to the output")
    return ",".join(expanded) + "->" + rhs


def _optimize(arrays: Sequence[Any]) -> Any:
    # numpy's path search costs ~20 µs per call (an explicit cached path costs the same):
    # worth it to reach BLAS (64 × 64 matmul: 240 → 62 µs) or to order 3+ operands.
    if len(arrays) <= 2 and all(a.size <= 256 for a in arrays):
        return False
    return "greedy"


def _einsum_forward(*arrays: np.ndarray, subscripts: str) -> np.ndarray:
    return np.einsum(subscripts, *arrays, optimize=_optimize(arrays))


def _einsum_arrays(subscripts: str, *arrays: Any) -> np.ndarray:
    """einsum on arrays inside first-order VJPs: subscripts there are already explicit."""
    return np.einsum(subscripts, *arrays, optimize=_optimize(arrays))


def _einsum_parse(*args: Any, optimize: Any = None, out: Any = None, dtype: Any = None,
                  **kwargs: Any) -> tuple:
    if out is not None or dtype is not None or kwargs:
        given = sorted(k for k, v in {"out": out, "dtype": dtype, **kwargs}.items()
                       if v is not None)
        raise TypeError(f"einsum: keyword(s) {given} are not supported (autograd_mini ops are "
                        "out-of-place; cast with astype)")
    if not args:
        raise TypeError("einsum: expected subscripts and operands, got nothing")
    if isinstance(args[0], str):
        subscripts, operands = args[0], list(args[1:])
    else:
        subscripts, operands = _sublist_to_subscripts(args)
    if not operands:
        raise TypeError(f"einsum: subscripts {subscripts!r} given without operands")
    like = next((o for o in operands if isinstance(o, Tensor)), None)
    tensors = [as_tensor(o, like, "einsum") for o in operands]
    if like is None:
        tensors = [floating(t) for t in tensors]
    shapes = tuple(t.shape for t in tensors)
    return tensors, {"subscripts": _normalized_subscripts(subscripts, shapes)}


@functools.lru_cache(maxsize=1024)
def _vjp_plan(subscripts: str, k: int, shapes: tuple[tuple[int, ...], ...]
              ) -> tuple[str, tuple[tuple[str, int], ...]]:
    """How operand k's gradient is one einsum of g with the other operands: its subscripts
    and the constants to append (an identity per repeated label, ones for a label only k
    has). Cached: a training loop asks for the same plan at every step."""
    terms, output = subscripts.split("->")
    terms = terms.split(",")
    subs = [output] + [t for j, t in enumerate(terms) if j != k]
    used = set("".join(terms) + output)
    spare = (c for c in _LETTERS if c not in used)
    extras: list[tuple[str, int]] = []
    target = ""
    for axis, label in enumerate(terms[k]):
        if label in target:  # a repeated label ('ii'): the gradient lives on a diagonal
            fresh = next(spare)
            subs.append(label + fresh)
            extras.append(("eye", shapes[k][axis]))
            target += fresh
        else:
            target += label
    present = set("".join(subs))
    for axis, label in enumerate(target):
        if label not in present:  # summed in operand k alone: the gradient is constant
            subs.append(label)
            extras.append(("ones", shapes[k][axis]))
    return ",".join(subs) + "->" + target, tuple(extras)


def _einsum_vjp(g, out, inputs, needs, xp, subscripts):
    shapes = tuple(x.shape for x in inputs)
    dtype = xp.value(g).dtype
    grads = []
    for k, need in enumerate(needs):
        if not need:
            grads.append(None)
            continue
        plan, extras = _vjp_plan(subscripts, k, shapes)
        operands = [g] + [x for j, x in enumerate(inputs) if j != k]
        for kind, n in extras:
            operands.append(np.eye(n, dtype=dtype) if kind == "eye" else np.ones(n, dtype=dtype))
        grad = xp.einsum(plan, *operands)
        if grad.shape != shapes[k]:
            shape = np.broadcast_shapes(grad.shape, shapes[k])
            if shape != grad.shape:  # operand k's axis met only size-1 axes of the others
                grad = xp.broadcast_to(grad, shape)
        grads.append(grad)
    return tuple(grads)


def _einsum_jvp(t, out, inputs, xp, subscripts):
    total = None
    for k, tangent in enumerate(t):
        if tangent is None:
            continue
        operands = [tangent if j == k else x for j, x in enumerate(inputs)]
        term = xp.einsum(subscripts, *operands)
        total = term if total is None else total + term
    return total


EINSUM = defop(
    "einsum", _einsum_forward, _einsum_vjp, jvp=_einsum_jvp,
    math="einsum(s, a, b, …);  ∂/∂a = einsum(g, b, … → a's labels) (diagonal for repeated "
         "labels, broadcast for labels only a has)",
    expose=[parsed("einsum", _einsum_parse, on_arrays=_einsum_arrays)],
)

__all__ = ["EINSUM", "dot", "inner", "kron", "outer", "tensordot", "vdot"]
