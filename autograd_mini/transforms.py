"""The transforms themselves: grad, value_and_grad, elementwise_grad, vjp, jvp, jacrev/jacfwd,
hessian, hvp, laplacian (public through `autograd_mini.func`, documented there)."""

from __future__ import annotations

import threading
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import grad as _engine_grad
from .engine import reaches_leaf
from .errors import AutogradError, caller_stacklevel
from .forward import ForwardLevel, forward_active
from .grad_mode import STATE
from .tensor import Tensor

Argnums = int | Sequence[int]

__all__ = ["IndependentOutputWarning", "elementwise_grad", "grad", "hessian",
           "hessian_vector_product", "hvp", "jacfwd", "jacobian", "jacrev", "jvp", "laplacian",
           "value_and_grad", "vjp"]


# ---- an output that does not depend on an argument -------------------------------------------
class IndependentOutputWarning(UserWarning):
    """The function's output does not depend on a differentiated argument, so its derivative
    there is zeros. Ignored unless enabled: warnings.simplefilter("always", <this class>)."""


def _ignore_independent_output_by_default() -> None:
    """Put the category's 'ignore' at the end of the filters, where Python keeps its own
    silenced-by-default categories, so any filter the user adds first decides. Done again
    when a `warnings.catch_warnings()` block has since restored a list without it."""
    if not any(f[2] is IndependentOutputWarning for f in warnings.filters):
        warnings.filterwarnings("ignore", category=IndependentOutputWarning, append=True)


_ignore_independent_output_by_default()


def _warn_independent(where: str, what: str) -> None:
    _ignore_independent_output_by_default()
    warnings.warn(f"{where}: the output does not depend on {what}; its derivative there is "
                  "zeros (HIPS autograd: 'Output seems independent of input')",
                  IndependentOutputWarning, stacklevel=caller_stacklevel())


# ---- pytrees: lists, tuples and dicts of leaves ------------------------------------------------
def _flatten(tree: Any) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """The leaves of a (nested) list/tuple/dict, and a function rebuilding it from new leaves."""
    if isinstance(tree, (list, tuple)):
        parts = [_flatten(item) for item in tree]
        sizes = [len(leaves) for leaves, _ in parts]

        def rebuild_sequence(leaves: list[Any]) -> Any:
            out, start = [], 0
            for (_, rebuild), n in zip(parts, sizes):
                out.append(rebuild(leaves[start:start + n]))
                start += n
            return type(tree)(out) if type(tree) in (list, tuple) else type(tree)(*out)

        return [leaf for leaves, _ in parts for leaf in leaves], rebuild_sequence
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]
        sizes = [len(leaves) for leaves, _ in parts]

        def rebuild_dict(leaves: list[Any]) -> Any:
            out, start = {}, 0
            for k, (_, rebuild), n in zip(keys, parts, sizes):
                out[k] = rebuild(leaves[start:start + n])
                start += n
            return out

        return [leaf for leaves, _ in parts for leaf in leaves], rebuild_dict
    return [tree], lambda leaves: leaves[0]


# ---- how deep the transforms are nested in this thread ----------------------------------------
class _Depth(threading.local):
    def __init__(self) -> None:
        self.n = 0


_DEPTH = _Depth()


class _Transform:
    """Counts open transforms: an inner one must keep its results differentiable."""

    def __enter__(self) -> bool:
        # Transforms differentiate whatever the caller's grad mode (as torch.func does).
        self.grad_was = STATE.grad_enabled
        STATE.grad_enabled = True
        _DEPTH.n += 1
        return _DEPTH.n > 1 or forward_active()

    def __exit__(self, *exc: Any) -> None:
        _DEPTH.n -= 1
        STATE.grad_enabled = self.grad_was


# ---- arguments in, results out ----------------------------------------------------------------
def _float_array(value: Any, where: str, position: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind != "f":
        hint = " (write 1.0 instead of 1, or x.astype(float))" if array.dtype.kind in "biu" \
            else ""
        raise TypeError(
            f"{where}: can only differentiate with respect to floating-point values, but "
            f"{position} is {type(value).__name__} of dtype {array.dtype}{hint}"
        )
    return array


# Every input node a transform made: once its transform returns, nobody outside can ask for
# a derivative with respect to it, so it does not make a result "depend on parameters".
# (keyed by id: a Tensor's == is elementwise, so it cannot sit in a WeakSet)
_TRANSFORM_LEAVES: weakref.WeakValueDictionary[int, Tensor] = weakref.WeakValueDictionary()


class _Leaf:
    """One differentiated input: the Tensor the function sees, and how to return results."""

    __slots__ = ("tensor", "kind")

    def __init__(self, value: Any, where: str, position: str, reverse: bool) -> None:
        if isinstance(value, Tensor):
            _float_array(value.data, where, position)
            # A new node downstream of the caller's tensor: the inner derivative is taken with
            # respect to this node only, so an outer transform that closes over the same
            # tensor is not confused with this one; its own derivatives still flow through.
            node = value.astype(value.dtype)
            if reverse and not node.requires_grad:
                node.requires_grad_(True)
            self.tensor, self.kind = node, "tensor"
        else:
            array = _float_array(value, where, position)
            self.tensor = Tensor(array, requires_grad=reverse)
            self.kind = "scalar" if isinstance(value, (float, np.floating)) else "array"
        _TRANSFORM_LEAVES[id(self.tensor)] = self.tensor

    def export(self, result: Any, keep_tensor: bool) -> Any:
        """A result shaped like this input: a Tensor, or an array (a float for a float)."""
        if result is None:
            result = np.zeros(self.tensor.shape, dtype=self.tensor.dtype)
        return _export(result, self.kind, keep_tensor)


def _export(result: Any, kind: str, keep_tensor: bool) -> Any:
    if keep_tensor or kind == "tensor":
        return result if isinstance(result, Tensor) else Tensor._make(np.asarray(result), False)
    array = result.data if isinstance(result, Tensor) else np.asarray(result)
    return array[()] if kind == "scalar" and array.ndim == 0 else array


def _argnums(argnums: Argnums, argnum: int | None, where: str) -> tuple[tuple[int, ...], bool]:
    """(positions, whether a single int was given)."""
    if argnum is not None:
        argnums = argnum
    if isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool):
        return (int(argnums),), True
    if isinstance(argnums, (tuple, list)) and argnums and all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in argnums):
        return tuple(int(a) for a in argnums), False
    raise TypeError(f"{where}: argnums must be an int or a non-empty tuple of ints, got "
                    f"{argnums!r}")


class _Inputs:
    """The positional arguments with the differentiated ones replaced by fresh leaves."""

    def __init__(self, args: tuple, argnums: tuple[int, ...], where: str,
                 reverse: bool = True) -> None:
        if any(not -len(args) <= a < len(args) for a in argnums):
            raise ValueError(f"{where}: argnums {argnums} out of range for {len(args)} "
                             "positional arguments")
        self.args = list(args)
        self.where, self.argnums, self.given = where, argnums, args
        self.groups: list[tuple[list[_Leaf], Callable[[list[Any]], Any]]] = []
        for a in argnums:
            values, rebuild = _flatten(args[a])
            leaves = [_Leaf(v, where, f"argument {a}", reverse) for v in values]
            self.groups.append((leaves, rebuild))
            self.args[a] = rebuild([leaf.tensor for leaf in leaves])

    def warn_independent(self, reached: Sequence[bool]) -> None:
        """IndependentOutputWarning (ignored by default) naming the leaves not reached."""
        if all(reached):
            return
        labels = []  # "argument 1", or "argument 1[0]" for the leaves of a container
        for a, (leaves, _) in zip(self.argnums, self.groups):
            if len(leaves) == 1 and not isinstance(self.given[a], (list, tuple, dict)):
                labels.append(f"argument {a}")
            else:
                labels += [f"argument {a}[{i}]" for i in range(len(leaves))]
        _warn_independent(self.where, ", ".join(
            label for label, r in zip(labels, reached) if not r))

    @property
    def leaves(self) -> list[_Leaf]:
        return [leaf for leaves, _ in self.groups for leaf in leaves]

    def export(self, results: list[Any], keep_tensor: bool, single: bool) -> Any:
        """Per-leaf results rebuilt into the arguments' structure (one per argnum); a None
        result (the output does not depend on that leaf) becomes zeros."""
        out, start = [], 0
        if any(r is None for r in results):
            self.warn_independent([r is not None for r in results])
        for leaves, rebuild in self.groups:
            n = len(leaves)
            out.append(rebuild([leaf.export(r, keep_tensor)
                                for leaf, r in zip(leaves, results[start:start + n])]))
            start += n
        return out[0] if single else tuple(out)


def _split_aux(out: Any, has_aux: bool, where: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{where}(has_aux=True): the function must return a pair (output, aux), "
                        f"got {type(out).__name__}")
    return out[0], out[1]


def _refuse_non_float_output(out: Any, dtype: np.dtype, where: str) -> None:
    """A bool or integer output has no derivative: HIPS autograd raises a TypeError there,
    and zeros would hide the mistake (a comparison, or an int count, returned by accident)."""
    if dtype.kind == "f":
        return
    kind = {"b": "a boolean", "i": "an integer", "u": "an integer"}.get(dtype.kind)
    if kind is None:
        raise TypeError(f"{where}: the function must return a Tensor or a floating-point "
                        f"number, got {type(out).__name__} of dtype {dtype}")
    raise TypeError(
        f"{where}: the function returned {type(out).__name__} of dtype {dtype}, {kind} value, "
        "which has no derivative; return a floating-point value (a comparison or an int "
        "count has derivative nowhere: write 0.0, not 0, or x.astype(float) if you mean it)"
    )


def _as_output(out: Any, where: str) -> Tensor:
    if isinstance(out, Tensor):
        _refuse_non_float_output(out, out.dtype, where)
        return out
    if isinstance(out, (list, tuple, dict)):  # np.asarray would turn Tensors into constants
        raise TypeError(f"{where}: the function returned a {type(out).__name__}; return one "
                        "Tensor (join several with am.stack or am.concatenate), or use "
                        "has_aux=True to return (output, extra)")
    try:
        array = np.asarray(out)
    except (TypeError, ValueError):
        array = np.asarray(None)  # refused below, naming the type
    _refuse_non_float_output(out, array.dtype, where)
    return Tensor._make(array, False)


def _uses_other_grad_leaves(out: Tensor) -> bool:
    """True when `out` depends on tensors that require grad besides transforms' inputs (a
    network's parameters): the derivative must then stay differentiable for them."""
    return reaches_leaf(out, lambda leaf: _TRANSFORM_LEAVES.get(id(leaf)) is not leaf)


def _reverse(out: Tensor, leaves: list[_Leaf], cotangent: Any, create_graph: bool,
             retain_graph: bool) -> list[Any]:
    """One reverse pass: cotangent·∂out/∂leaf for each leaf (None where out does not depend)."""
    if not out.requires_grad:
        return [None] * len(leaves)
    return list(_engine_grad(out, [leaf.tensor for leaf in leaves], grad_outputs=cotangent,
                             create_graph=create_graph, retain_graph=retain_graph,
                             allow_unused=True))


# ---- reverse mode --------------------------------------------------------------------------------
def _value_and_grad_call(fun: Callable, argnums: tuple[int, ...], single: bool, has_aux: bool,
                         where: str, args: tuple, kwargs: dict, elementwise: bool) -> tuple:
    with _Transform() as nested:
        inputs = _Inputs(args, argnums, where)
        leaves = inputs.leaves
        out, aux = _split_aux(fun(*inputs.args, **kwargs), has_aux, where)
        out = _as_output(out, where)
        if not elementwise and out.size != 1:
            raise AutogradError(
                f"{where}: the function returned shape {out.shape}, but grad needs a scalar "
                "output; use elementwise_grad (the gradient of its sum, one reverse pass) or "
                "jacobian (every output's gradient)"
            )
        keep = nested or _given_requires_grad(args, argnums) or _uses_other_grad_leaves(out)
        cotangent = np.ones(out.shape, dtype=out.dtype) if out.requires_grad else None
        grads = _reverse(out, leaves, cotangent, create_graph=keep, retain_graph=keep)
        result = inputs.export(grads, keep, single)
        value = _export(out, "scalar" if out.ndim == 0 else "array", keep)
        return value, result, _export_aux(aux, leaves, keep)


def _export_aux(aux: Any, leaves: list[_Leaf], keep: bool) -> Any:
    """has_aux's extra output with the Tensors computed from this transform's inputs turned
    into arrays, as HIPS and JAX return them (kept as Tensors when the result must stay
    differentiable); anything else in it is returned untouched."""
    if keep or aux is None:
        return aux
    mine = {id(leaf.tensor) for leaf in leaves}
    values, rebuild = _flatten(aux)
    return rebuild([_export(v, "scalar" if v.ndim == 0 else "array", False)
                    if isinstance(v, Tensor) and reaches_leaf(v, lambda t: id(t) in mine)
                    else v for v in values])


def _given_requires_grad(args: tuple, argnums: tuple[int, ...]) -> bool:
    """True when the caller passed a Tensor that requires grad (its result stays on the graph)."""
    for a in argnums:
        values, _ = _flatten(args[a])
        if any(isinstance(v, Tensor) and v.requires_grad for v in values):
            return True
    return False


def grad(fun: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
         argnum: int | None = None) -> Callable:
    """The gradient of a scalar function with respect to argument(s) `argnums` (HIPS also
    spells it `argnum`). With has_aux, `fun` returns (output, aux) and so does the result."""
    positions, single = _argnums(argnums, argnum, "grad")

    def gradient(*args: Any, **kwargs: Any) -> Any:
        _, result, aux = _value_and_grad_call(fun, positions, single, has_aux, "grad", args,
                                              kwargs, elementwise=False)
        return (result, aux) if has_aux else result

    gradient.__name__ = f"grad_of_{getattr(fun, '__name__', 'function')}"
    return gradient


def value_and_grad(fun: Callable, argnums: Argnums = 0, has_aux: bool = False, *,
                   argnum: int | None = None) -> Callable:
    """Like `grad`, returning (value, gradient) from one forward and one reverse pass
    (((value, aux), gradient) with has_aux, as JAX does)."""
    positions, single = _argnums(argnums, argnum, "value_and_grad")

    def both(*args: Any, **kwargs: Any) -> Any:
        value, result, aux = _value_and_grad_call(fun, positions, single, has_aux,
                                                  "value_and_grad", args, kwargs,
                                                  elementwise=False)
        return ((value, aux), result) if has_aux else (value, result)

    return both


def elementwise_grad(fun: Callable, argnums: Argnums = 0, *, argnum: int | None = None
                     ) -> Callable:
    """The gradient of sum(fun(x)): for a function applied elementwise (or row by row, each
    row depending only on its own input row), each output's derivative, in one reverse pass."""
    positions, single = _argnums(argnums, argnum, "elementwise_grad")

    def gradient(*args: Any, **kwargs: Any) -> Any:
        return _value_and_grad_call(fun, positions, single, False, "elementwise_grad", args,
                                    kwargs, elementwise=True)[1]

    return gradient


class _OutputTree:
    """`fun` seen through its output: a (nested) list/tuple/dict of values is joined into one
    vector (each leaf raveled), so vjp/jvp take a cotangent and give a value and a tangent of
    the output's own structure, shapes and dtypes, as HIPS and JAX do."""

    def __init__(self, fun: Callable, where: str) -> None:
        self.fun, self.where = fun, where
        self.rebuild: Callable[[list[Any]], Any] | None = None
        self.leaves: list[tuple[tuple[int, ...], np.dtype]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.fun(*args, **kwargs)
        if not isinstance(out, (list, tuple, dict)):
            return out
        values, self.rebuild = _flatten(out)
        if not values:
            raise TypeError(f"{self.where}: the function returned an empty "
                            f"{type(out).__name__}; there is nothing to differentiate")
        tensors = [_as_output(v, self.where) for v in values]
        self.leaves = [(t.shape, t.dtype) for t in tensors]
        from .functional import concatenate
        return concatenate([t.reshape(-1) for t in tensors])

    def split(self, joined: Any) -> Any:
        """The joined vector (array or Tensor) back in the output's structure."""
        if self.rebuild is None:
            return joined
        pieces, start = [], 0
        for shape, dtype in self.leaves:
            size = int(np.prod(shape, dtype=np.int64))
            piece = joined[start:start + size].reshape(shape)
            pieces.append(piece if piece.dtype == dtype else piece.astype(dtype))
            start += size
        return self.rebuild(pieces)

    def join(self, cotangent: Any) -> Any:
        """A cotangent of the output's structure as one vector (Tensors stay on the graph)."""
        if self.rebuild is None:
            return cotangent
        values, _ = _flatten(cotangent)
        shapes = [np.shape(v.data if isinstance(v, Tensor) else v) for v in values]
        if shapes != [shape for shape, _ in self.leaves]:
            raise ValueError(f"{self.where}: the cotangent's leaves have shapes {shapes}; the "
                             f"output's are {[shape for shape, _ in self.leaves]}")
        from .functional import concatenate
        return concatenate([(v if isinstance(v, Tensor) else Tensor._make(
            np.asarray(v, dtype=dtype), False)).reshape(-1)
            for v, (_, dtype) in zip(values, self.leaves)])


def vjp(fun: Callable, *primals: Any) -> tuple[Any, Callable]:
    """(fun(*primals), vjp_fn): vjp_fn(cotangent) returns cotangent·J for every primal (a
    tuple, as JAX), and may be called repeatedly. `fun` may return a list/tuple/dict of
    arrays; the cotangent then has that structure."""
    tree = _OutputTree(fun, "vjp")
    with _Transform() as nested:
        inputs = _Inputs(primals, tuple(range(len(primals))), "vjp")
        out = _as_output(tree(*inputs.args), "vjp")
    keep = nested or _given_requires_grad(primals, tuple(range(len(primals))))

    def vjp_fn(cotangent: Any) -> tuple:
        with _Transform() as inner_nested:
            cotangent = tree.join(cotangent)
            cg = keep or inner_nested or isinstance(cotangent, Tensor) and cotangent.requires_grad
            grads = _reverse(out, inputs.leaves, cotangent, create_graph=cg, retain_graph=True)
            return inputs.export(grads, cg, single=False)

    return tree.split(_export(out, "array", keep)), vjp_fn


# ---- forward mode --------------------------------------------------------------------------------
def _tangent_tensor(tangent: Any, leaf: _Leaf, where: str, batch: int | None = None) -> Tensor:
    if isinstance(tangent, Tensor):
        t = tangent
    else:
        t = Tensor._make(np.asarray(tangent, dtype=leaf.tensor.dtype), False)
    expected = leaf.tensor.shape if batch is None else (batch,) + leaf.tensor.shape
    if t.shape != expected:
        raise ValueError(f"{where}: a tangent of shape {t.shape} for a primal of shape "
                         f"{leaf.tensor.shape}; expected {expected}")
    return t


def _forward_pass(fun: Callable, args: tuple, argnums: tuple[int, ...], tangents: list[Any],
                  where: str, kwargs: dict | None = None, warn: bool = True,
                  batch: int | None = None) -> tuple[Tensor, Any, _Inputs]:
    """Run fun once with tangents seeded on the differentiated leaves (None: not seeded):
    (out, tangent, inputs). With `batch`, each tangent holds `batch` directions along a
    leading axis, and so does the output's."""
    with ForwardLevel(batch) as level:
        inputs = _Inputs(args, argnums, where, reverse=False)
        for leaf, t in zip(inputs.leaves, tangents):
            if t is not None:
                level.set_tangent(leaf.tensor, _tangent_tensor(t, leaf, where, batch))
        out = _as_output(fun(*inputs.args, **(kwargs or {})), where)
        tangent = level.tangent(out)
    if tangent is None:
        if warn:
            inputs.warn_independent([t is None for t in tangents])
        shape = out.shape if batch is None else (batch,) + out.shape
        tangent = Tensor._make(np.zeros(shape, dtype=out.dtype), False)
    return out, tangent, inputs


def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(fun(*primals), J·tangents) by forward mode: one pass, whatever the output size. A
    list/tuple/dict output gives a value and a tangent of that structure."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    flat_tangents = [t for tree in tangents for t in _flatten(tree)[0]]
    tree = _OutputTree(fun, "jvp")
    with _Transform() as nested:
        out, tangent, inputs = _forward_pass(tree, primals, tuple(range(len(primals))),
                                             flat_tangents, "jvp")
        if len(flat_tangents) != len(inputs.leaves):
            raise ValueError("jvp: tangents must have the same structure as primals")
        keep = nested or _given_requires_grad(primals, tuple(range(len(primals)))) or \
            _uses_other_grad_leaves(out) or _uses_other_grad_leaves(tangent)
        return (tree.split(_export(out, "array", keep)),
                tree.split(_export(tangent, "array", keep)))


# ---- Jacobians -----------------------------------------------------------------------------------
def _assemble(blocks: list[Any], out_shape: tuple, in_shape: tuple, keep: bool,
              columns: bool) -> Any:
    """Rows (one per output element) or columns (one per input element) -> out + in shape."""
    if not blocks:
        return np.zeros(out_shape + in_shape)
    if keep:
        from .functional import stack

        ts = [b if isinstance(b, Tensor) else Tensor._make(np.asarray(b), False) for b in blocks]
        flat = [t.reshape(-1) for t in ts]
        matrix = stack(flat, axis=1 if columns else 0)  # (out, in)
        return matrix.reshape(out_shape + in_shape)
    arrays = [np.asarray(b.data if isinstance(b, Tensor) else b).reshape(-1) for b in blocks]
    return np.stack(arrays, axis=1 if columns else 0).reshape(out_shape + in_shape)


def jacrev(fun: Callable, argnums: Argnums = 0, *, argnum: int | None = None) -> Callable:
    """The Jacobian (shape out + in) by reverse mode: one backward pass per output element."""
    positions, single = _argnums(argnums, argnum, "jacrev")

    def jacobian_of(*args: Any, **kwargs: Any) -> Any:
        with _Transform() as nested:
            inputs = _Inputs(args, positions, "jacrev")
            leaves = inputs.leaves
            out = _as_output(fun(*inputs.args, **kwargs), "jacrev")
            keep = nested or _given_requires_grad(args, positions) or \
                _uses_other_grad_leaves(out)
            rows: list[list[Any]] = [[] for _ in leaves]
            reached = [False] * len(leaves)
            for i in range(out.size):
                seed = np.zeros(out.size, dtype=out.dtype)
                seed[i] = 1.0
                grads = _reverse(out, leaves, seed.reshape(out.shape), create_graph=keep,
                                 retain_graph=True)
                for k, (r, g, leaf) in enumerate(zip(rows, grads, leaves)):
                    reached[k] = reached[k] or g is not None
                    r.append(np.zeros(leaf.tensor.shape, dtype=leaf.tensor.dtype)
                             if g is None else g)
            blocks = [_assemble(r, out.shape, leaf.tensor.shape, keep, columns=False)
                      for r, leaf in zip(rows, leaves)]
            if out.size:
                inputs.warn_independent(reached)
            return inputs.export(blocks, keep, single)

    return jacobian_of


jacobian = jacrev


def jacfwd(fun: Callable, argnums: Argnums = 0, *, argnum: int | None = None) -> Callable:
    """The Jacobian (shape out + in) by forward mode: one forward pass per differentiated input
    (list leaf), carrying all of its basis vectors at once as a batch of tangents."""
    positions, single = _argnums(argnums, argnum, "jacfwd")

    def jacobian_of(*args: Any, **kwargs: Any) -> Any:
        with _Transform() as nested:
            shapes = [(np.shape(v.data if isinstance(v, Tensor) else v),
                       v.dtype if isinstance(v, Tensor) else np.asarray(v).dtype)
                      for a in positions for v in _flatten(args[a])[0]]
            columns: list[Any] = [None for _ in shapes]
            out_shape: tuple = ()
            keep = nested or _given_requires_grad(args, positions)
            inputs = None
            for j, (shape, dtype) in enumerate(shapes):
                size = int(np.prod(shape, dtype=np.int64))
                if size == 0:
                    continue
                seeds: list[Any] = [None] * len(shapes)  # only input j moves in this pass
                seeds[j] = np.eye(size, dtype=dtype if np.dtype(dtype).kind == "f"
                                  else float).reshape((size,) + shape)
                out, tangent, inputs = _forward_pass(fun, args, positions, seeds, "jacfwd",
                                                     kwargs, batch=size)
                out_shape = out.shape
                keep = keep or _uses_other_grad_leaves(tangent)
                columns[j] = tangent  # (size,) + out_shape: one column per input element
            if inputs is None:  # every input is empty: no pass needed for the values
                inputs = _Inputs(args, positions, "jacfwd", reverse=False)
                out_shape = _as_output(fun(*inputs.args, **kwargs), "jacfwd").shape
            blocks = [_columns_to_jacobian(c, out_shape, shape, dtype, keep)
                      for c, (shape, dtype) in zip(columns, shapes)]
            return inputs.export(blocks, keep, single)

    return jacobian_of


def _columns_to_jacobian(columns: Any, out_shape: tuple, in_shape: tuple, dtype: Any,
                         keep: bool) -> Any:
    """(n_in,) + out_shape tangents -> the Jacobian block of shape out_shape + in_shape."""
    n_in = int(np.prod(in_shape, dtype=np.int64))
    n_out = int(np.prod(out_shape, dtype=np.int64))
    if columns is None:
        return np.zeros(out_shape + in_shape)
    if keep:
        return columns.reshape((n_in, n_out)).T.reshape(out_shape + in_shape)
    array = columns.data if isinstance(columns, Tensor) else np.asarray(columns)
    return np.ascontiguousarray(array.reshape(n_in, n_out).T).reshape(out_shape + in_shape)


def hessian(fun: Callable, argnums: Argnums = 0, *, argnum: int | None = None) -> Callable:
    """The Hessian, forward-over-reverse (jacfwd of jacrev): one reverse pass inside one
    forward pass per argument, which carries all n basis directions as a batch of tangents."""
    if argnum is not None:
        argnums = argnum
    return jacfwd(jacrev(fun, argnums), argnums)


def hvp(fun: Callable, argnums: int = 0, *, argnum: int | None = None) -> Callable:
    """H·v without forming H (HIPS's hessian_vector_product): `hvp(f)(*args, vector)` is one
    forward-over-reverse pass."""
    positions, single = _argnums(argnums, argnum, "hvp")
    if not single:
        raise TypeError(f"hvp: argnums must be one int (H·v for one argument), got {argnums!r}")
    position = positions[0]
    gradient = grad(fun, position)

    def product(*args: Any, **kwargs: Any) -> Any:
        *primals, vector = args
        primals = tuple(primals)

        def along(x: Any) -> Any:
            return gradient(*primals[:position], x, *primals[position + 1:], **kwargs)

        return jvp(along, (primals[position],), (vector,))[1]

    return product


hessian_vector_product = hvp


def laplacian(fun: Callable) -> Callable:
    """Σᵢ ∂²f/∂xᵢ² at each row of x (N, d), for f applied row by row: (N, d) -> (N,) or
    (N, 1). Costs d forward-over-reverse passes, whatever N (no loop over the points)."""
    first = elementwise_grad(fun)

    def lap(x: Any) -> Any:
        shape = np.shape(x.data if isinstance(x, Tensor) else x)
        if len(shape) != 2:
            raise ValueError(f"laplacian: expected points of shape (N, d), got {shape}")
        total = None
        for i in range(shape[1]):
            direction = np.zeros(shape)
            direction[:, i] = 1.0
            column = jvp(first, (x,), (direction,))[1][:, i]  # ∂²f/∂xᵢ² at every row
            total = column if total is None else total + column
        return total

    return lap

