"""The engine: the one dispatch path that runs an op and records it, and the one backward walk.

This is the only place where the chain rule is applied, gradients are accumulated, broadcast
gradients are summed back to their operand's shape, and gradient shapes are checked. Every walk
is iterative (an explicit heap), so graph depth is limited only by memory. Teaching views (the
backward replay, the terminal tape) observe the walk through `BackwardObserver`; they never
re-implement it.
"""

from __future__ import annotations

import heapq
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from .errors import AnomalyError, AutogradError, ShapeError
from .forward import FORWARD_USERS, propagate_tangents
from .grad_mode import ANOMALY_USERS, STATE
from .node import CLOCK, UNCHANGED
from .registry import OpNamespace
from .tensor import Tensor

_NO_PARAMS: dict[str, Any] = {}
_new = object.__new__


# ---- forward: run a primitive and record its node --------------------------------------------
def apply(prim: Any, inputs: Sequence[Tensor], params: dict[str, Any]) -> Tensor:
    """Run a primitive's forward on the inputs' arrays and, when any input requires grad (and
    grad mode is on), record the node. Every function, method and operator ends here."""
    try:
        data = prim.forward(*[t.data for t in inputs], **params)
    except (ValueError, IndexError, TypeError) as exc:
        raise _forward_error(prim, inputs, exc) from exc
    return record(prim, data, tuple(inputs), params,
                  any(t._requires_grad for t in inputs))


# `apply` for ops without parameters, spelled out: the hot path of elementwise math (a generic
# call costs a list, a generator and a ** per op; these save about 0.3 µs of the 2.8 µs an op
# costs forward and backward, measured with benchmarks' perop chain).
def apply_unary(prim: Any, a: Tensor) -> Tensor:
    try:
        data = prim.forward(a.data)
    except (ValueError, IndexError, TypeError) as exc:
        raise _forward_error(prim, (a,), exc) from exc
    return record(prim, data, (a,), _NO_PARAMS, a._requires_grad)


def apply_binary(prim: Any, a: Tensor, b: Tensor) -> Tensor:
    try:
        data = prim.forward(a.data, b.data)
    except (ValueError, IndexError, TypeError) as exc:
        raise _forward_error(prim, (a, b), exc) from exc
    return record(prim, data, (a, b), _NO_PARAMS, a._requires_grad or b._requires_grad)


def record(prim: Any, data: np.ndarray, parents: tuple, params: dict,
           any_requires_grad: bool) -> Tensor:
    """Wrap an op's output; fill in its node fields when gradients will be needed."""
    if type(data) is not np.ndarray:  # ufuncs turn 0-d results into numpy scalars
        data = np.asarray(data)
    out = _new(Tensor)  # skips __init__: the data is already a checked array
    out.data = data
    out._grad = None
    out._retains_grad = False
    base = data.base
    out._version = UNCHANGED if base is None else _aliased_version(base, parents)
    if any_requires_grad and STATE.grad_enabled:
        out._requires_grad = True
        CLOCK.tick += 1
        out._prim = prim
        out._params = params
        out._parents = parents
        out._tick = CLOCK.tick
        out._freed = None
    else:
        out._requires_grad = False
        out._prim = None
    if ANOMALY_USERS.count and STATE.anomaly:
        _check_forward_anomaly(prim, out)
    if FORWARD_USERS.count:  # a jvp transform is open somewhere: carry tangents (forward.py)
        propagate_tangents(prim, out, parents, params)
    return out


def _aliased_version(base: np.ndarray, parents: tuple) -> list[int]:
    """A view of an input's memory shares that input's version counter (PyTorch's rule), so
    an in-place change through the view, or of the input, is caught by backward."""
    for parent in parents:
        data = parent.data
        if data is base or data.base is base:
            version = parent._own_version()
            if len(version) == 1:  # marked as shared with a view (Node._is_view_of_a_live_tensor)
                version.append(1)
            return version
    return UNCHANGED


def _forward_error(prim: Any, inputs: Sequence[Tensor], exc: Exception) -> Exception:
    shapes = " and ".join(str(t.shape) for t in inputs)
    if "broadcast" in str(exc):
        return ShapeError(
            f"{prim.name}: shapes {shapes} cannot be broadcast together; expected equal "
            f"trailing dimensions or 1 (numpy: {exc})"
        )
    return type(exc)(f"{prim.name} on shapes {shapes}: {exc}")


def _user_frame() -> str:
    """The innermost stack frame outside the autograd_mini and nn packages: the user's line
    (not `site-packages/nn/layers.py`, where a layer happened to call the op)."""
    roots = _library_roots()
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(roots):
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
    return "unknown location"


def _library_roots() -> tuple[str, ...]:
    """The folders of this package and of `nn` (when imported), ending in a separator."""
    roots = [os.path.dirname(os.path.abspath(__file__))]
    nn = sys.modules.get("nn")
    if nn is not None and getattr(nn, "__file__", None) and hasattr(nn, "Module"):
        roots.append(os.path.dirname(os.path.abspath(nn.__file__)))
    return tuple(root + os.sep for root in roots)


def _check_forward_anomaly(prim: Any, out: Tensor) -> None:
    out._origin = _user_frame()
    if out.data.dtype.kind == "f" and not np.all(np.isfinite(out.data)):
        raise AnomalyError(
            f"'{prim.name}' produced NaN/Inf in its output of shape {out.shape}, created at "
            f"{out._origin}"
        )


# ---- backward ---------------------------------------------------------------------------------
class BackwardObserver(Protocol):
    """What a teaching view sees of the walk (see viz/steps.py)."""

    def node(self, tensor: Tensor, grad: Any) -> None:
        """`tensor`'s gradient is complete (all its consumers were processed)."""

    def edge(self, tensor: Tensor, parent: Tensor, position: int, grad: Any,
             total: Any) -> None:
        """`tensor`'s op sent `grad` (already in `parent`'s shape and dtype) to argument
        `position`; `total` is the parent's gradient so far, this term included."""


def topological_order(roots: Sequence[Tensor], *, constants: bool = False) -> list[Tensor]:
    """The tensors behind `roots`, each after all of its parents, in recording order.

    The recording clock already is a topological order (an op is recorded after its inputs),
    so recorded tensors are sorted by tick, and each leaf is placed just before the first op
    that used it: node numbers follow the user's code. Without `constants`, only tensors that
    require grad are included. The search uses an explicit stack; parents keep argument order.
    """
    found: dict[int, Tensor] = {}
    stack = [r for r in reversed(list(roots)) if constants or r._requires_grad]
    while stack:
        t = stack.pop()
        if id(t) in found:
            continue
        found[id(t)] = t
        if t._prim is not None:
            stack.extend(p for p in reversed(t._parents) if constants or p._requires_grad)
    recorded = sorted((t for t in found.values() if t._prim is not None), key=_tick_of)
    order: list[Tensor] = []
    placed: set[int] = set()
    for t in recorded:
        for parent in t._parents:
            if parent._prim is None and id(parent) in found and id(parent) not in placed:
                placed.add(id(parent))
                order.append(parent)
        order.append(t)
    order.extend(t for t in found.values() if t._prim is None and id(t) not in placed)
    return order


def reaches_leaf(root: Tensor, wanted: Callable[[Tensor], bool]) -> bool:
    """True when a leaf that requires grad and satisfies `wanted` lies behind `root` (root
    included): a depth-first search that stops at the first one (no ordering, only a yes or
    no; transforms.py asks it whether a function uses parameters besides the transform's inputs)."""
    if not root._requires_grad:
        return False
    seen: set[int] = set()
    stack = [root]
    while stack:
        t = stack.pop()
        if t._prim is None:
            if wanted(t):
                return True
            continue
        for parent in t._parents:
            if parent._requires_grad and id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return False


def _tick_of(t: Tensor) -> int:
    return t._tick


def sum_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient back to `shape`: leading axes and axes that were 1."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        return grad  # cannot reduce; the caller's shape check reports it
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def run_backward(
    roots: Sequence[Tensor],
    grad_roots: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
    observer: BackwardObserver | None = None,
) -> list[Any] | None:
    """Propagate `grad_roots` from `roots` to every tensor that requires grad.

    Without `inputs`, gradients accumulate into leaves' `.grad` (and into non-leaves that
    called `retain_grad()`). With `inputs`, their gradients are returned instead and no
    `.grad` is touched (this is `am.grad`). With an `observer`, nothing is accumulated either:
    the observer is told each complete gradient and each term of the chain rule.

    Order: a node is recorded after its parents, so its tick is larger. Popping pending nodes
    from a max-heap on the tick visits each node after all of its consumers, so its gradient is
    complete when its VJP runs. Discovery and processing share one pass.
    """
    wanted: dict[Tensor, list[int]] | None = None  # input -> its positions in `inputs`
    if inputs is not None:
        wanted = {}
        for i, t in enumerate(inputs):
            wanted.setdefault(t, []).append(i)
    accumulate = inputs is None and observer is None
    results: list[Any] = [None] * len(inputs) if inputs is not None else []
    # Keyed by the tensors themselves (identity hash), not id(): a dict lookup with the object is
    # 43 ns against 73 with id(), and the heap holds (−tick, tensor) with no id() either: ticks are
    # unique among recorded tensors, so two entries never tie. The per-op chain of benchmarks'
    # perop went 3.00 -> 2.83 µs per op (CPU time, best of 9 x 200 calls, 2026-12-07).
    pending: dict[Tensor, Any] = {}  # tensor -> gradient summed so far
    leaves: dict[Tensor, Tensor] = {}
    owned: set[Tensor] = set()  # leaves whose pending gradient is an array only the engine holds
    handed_out: set[int] = set()  # ids of those arrays
    heap: list[tuple[int, Tensor]] = []
    # With `inputs` and create_graph, only the tensors on a path to an input get a gradient:
    # a VJP is asked only for those parents (`needs`), and branches that lead elsewhere are
    # never walked (the inner derivative of a PDE cost skips every ∂/∂weights). A first-order
    # am.grad walks everything: there the search would cost more than the array VJPs it saves
    # (a 200-op chain: 3.0 → 3.75 µs per op), while a recorded VJP costs several ops.
    reach = _reaching(roots, inputs) if inputs is not None and create_graph else None
    for root, g in zip(roots, grad_roots):
        if not root._requires_grad or reach is not None and id(root) not in reach:
            continue
        key = root
        if key in pending:
            pending[key] = pending[key] + g
            continue
        pending[key] = g
        if root._prim is None:
            leaves[key] = root
        else:
            heapq.heappush(heap, (-root._tick, root))

    # An observer replays a graph whose values are all still there, even after a backward.
    # With create_graph, the recorded gradient is a function of this graph's tensors (each
    # VJP's `out` is the node itself), so they stay usable for differentiating it again.
    freed_by = None if retain_graph or create_graph or observer else \
        ("backward" if inputs is None else "grad")
    anomaly = STATE.anomaly
    heappop, heappush = heapq.heappop, heapq.heappush
    previous_mode = STATE.grad_enabled
    STATE.grad_enabled = create_graph  # first-order backward records nothing
    try:
        while heap:
            tensor = heappop(heap)[1]
            g = pending.pop(tensor)
            if wanted is not None:
                for slot in wanted.get(tensor, ()):
                    results[slot] = g
            elif tensor._retains_grad and accumulate:
                _accumulate_grad(tensor, g, create_graph)
            if observer is not None:
                observer.node(tensor, g)
            prim, parents, clock = tensor._prim, tensor._parents, tensor._tick
            if tensor._freed is not None and observer is None:
                _raise_freed(prim, tensor._freed)
            # The VJP, with the common arities unrolled: no generator expressions per node
            # (a tiny MLP step 141 → 131 µs, measured on the 2-core dev machine).
            if create_graph:
                needs = tuple(p._requires_grad for p in parents) if reach is None else \
                    tuple(id(p) in reach for p in parents)
                grads = _vjp_recorded(tensor, prim, parents, clock, g, needs)
            elif len(parents) == 2:
                a, b = parents
                if a._version[0] > clock or b._version[0] > clock or tensor._version[0] > clock:
                    _raise_mutated(tensor, prim, parents, clock)
                # (`reach` prunes only recorded VJPs: first order, every parent is asked for)
                needs = (a._requires_grad, b._requires_grad)
                if tensor._params:
                    grads = prim.vjp(g, tensor.data, (a.data, b.data), needs, NUMPY_MODE,
                                     **tensor._params)
                else:  # + − × ÷: a call without ** (an empty ** costs about 40 ns per node)
                    grads = prim.vjp(g, tensor.data, (a.data, b.data), needs, NUMPY_MODE)
            elif len(parents) == 1:
                a = parents[0]
                if a._version[0] > clock or tensor._version[0] > clock:
                    _raise_mutated(tensor, prim, parents, clock)
                grads = prim.vjp(g, tensor.data, (a.data,), (a._requires_grad,), NUMPY_MODE,
                                 **tensor._params)
            else:
                if tensor._version[0] > clock or any(p._version[0] > clock for p in parents):
                    _raise_mutated(tensor, prim, parents, clock)
                grads = prim.vjp(g, tensor.data, tuple(p.data for p in parents),
                                 tuple(p._requires_grad for p in parents), NUMPY_MODE,
                                 **tensor._params)
            if freed_by is not None:
                tensor._freed = freed_by
            position = -1
            for parent, gp in zip(parents, grads):
                position += 1  # enumerate(zip(...)) costs 283 ns per two-parent loop, this 214
                if gp is None or not parent._requires_grad or \
                        reach is not None and id(parent) not in reach:
                    continue
                data = parent.data
                if gp.shape != data.shape:
                    gp = _reduce_to(gp, data.shape, prim)
                if gp.dtype is not data.dtype and gp.dtype != data.dtype:
                    gp = gp.astype(data.dtype) if create_graph else \
                        gp.astype(data.dtype, copy=False)
                if anomaly:
                    _check_finite_gradient(prim, tensor, gp)
                key = parent
                existing = pending.get(key)
                if existing is not None:
                    if key in owned and observer is None and not create_graph:
                        # Ours alone: add in place (split's k pieces, fan-out): 0.23 ms instead
                        # of 0.43 ms per (1000, 1000) float64 term, and no new array.
                        existing += gp
                        continue
                    pending[key] = existing + gp  # a new array nobody else holds (or a
                    if type(pending[key]) is np.ndarray:  # numpy scalar, for 0-d values)
                        owned.add(key)
                    if observer is not None:
                        observer.edge(tensor, parent, position, gp, pending[key])
                    continue
                pending[key] = gp
                if observer is not None:
                    observer.edge(tensor, parent, position, gp, gp)
                if parent._prim is None:
                    leaves[key] = parent
                    # A new array from the VJP (not the incoming g passed through, not a view,
                    # not handed to another leaf) can become `.grad` without a copy: one pass
                    # less per weight and step (18.5 µs for a 784x256 float32 gradient).
                    if not create_graph and type(gp) is np.ndarray and gp is not g \
                            and gp.base is None and id(gp) not in handed_out:
                        owned.add(key)
                        handed_out.add(id(gp))
                else:
                    heappush(heap, (-parent._tick, parent))
        for key, leaf in leaves.items():
            g = pending[key]
            if observer is not None:
                observer.node(leaf, g)
            if wanted is not None:
                for slot in wanted.get(key, ()):
                    results[slot] = g
            elif accumulate:
                _accumulate_grad(leaf, g, create_graph, key in owned)
    finally:
        STATE.grad_enabled = previous_mode
    return results if inputs is not None else None


def _vjp_recorded(tensor: Tensor, prim: Any, parents: tuple, clock: int, g: Any,
                  needs: tuple) -> tuple:
    """A VJP evaluated with Tensor ops (create_graph=True), so the gradient is differentiable.

    `tensor` itself is the VJP's `out`: it is recorded as a function of its parents (it is on
    the graph, or backward would not reach it), so VJPs that use `out` (exp, tanh, softmax,
    ...) stay differentiable with respect to the inputs without running the op again.
    """
    if tensor._version[0] > clock or any(p._version[0] > clock for p in parents):
        _raise_mutated(tensor, prim, parents, clock)
    try:
        return prim.vjp(g, tensor, parents, needs, TENSOR_MODE, **tensor._params)
    except AnomalyError as exc:  # raised by an op inside the VJP: name the user's op
        origin = getattr(tensor, "_origin", None) or "unknown location"
        raise AnomalyError(
            f"'{prim.name}' backward produced NaN/Inf (inside its derivative: {exc}); the "
            f"op was created at {origin}"
        ) from exc


def _reaching(roots: Sequence[Tensor], targets: Sequence[Tensor]) -> set[int]:
    """The ids of the tensors behind `roots` from which some target can be reached through
    parents (the targets included): the only ones a gradient with respect to `targets` needs.

    An iterative depth-first search: a tensor is settled after all of its parents are (the
    graph has no cycles), so one pass decides each tensor once.
    """
    reach = {id(t) for t in targets}
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in roots if r._requires_grad]
    while stack:
        t, settle = stack.pop()
        if settle:
            for p in t._parents:
                if id(p) in reach:
                    reach.add(id(t))
                    break
            continue
        key = id(t)
        if key in seen:
            continue
        seen.add(key)
        if t._prim is None or key in reach:
            continue
        stack.append((t, True))
        for p in t._parents:
            if p._requires_grad and id(p) not in seen:
                stack.append((p, False))
    return reach


def _reduce_to(gp: Any, shape: tuple[int, ...], prim: Any) -> Any:
    """Sum a broadcast gradient back to its input's shape, or say which op got it wrong."""
    reduced = sum_to_shape(gp, shape)
    if reduced.shape != shape:
        raise ShapeError(
            f"{prim.name} backward: gradient of shape {gp.shape} does not fit its input of "
            f"shape {shape}"
        )
    return reduced


def _raise_freed(prim: Any, freed_by: str) -> None:
    if freed_by == "grad":
        raise AutogradError(
            f"backward through '{prim.name}' a second time: an earlier am.grad(...) already "
            "used (freed) this part of the graph. If you are differentiating a gradient (a "
            "second derivative, or a cost that contains a gradient), compute that gradient "
            "with create_graph=True: with retain_graph=True alone it would be a constant, "
            "and the derivative through it silently wrong."
        )
    raise AutogradError(
        f"backward through '{prim.name}' a second time: the first backward already used (freed) "
        "this graph. If what you differentiate now contains that backward's gradient (x.grad: "
        "a second derivative, or a cost built from a derivative), run the first backward with "
        "create_graph=True: with retain_graph=True the gradient would be a constant, and the "
        "derivative through it silently wrong. Otherwise, to backpropagate through the same "
        "graph twice, pass retain_graph=True to the first backward (or am.grad), or recompute "
        "the forward pass."
    )


def _accumulate_grad(tensor: Tensor, g: Any, create_graph: bool, owned: bool = False) -> None:
    """Leaf gradients accumulate across backward calls, as in PyTorch; `.grad` is a Tensor."""
    current = tensor._grad
    if create_graph:  # g is a recorded Tensor: the sum stays differentiable
        tensor._grad = g if current is None else current + g
        return
    if current is None:
        # `.grad` must hold an array nobody else holds: optimizers and clipping update it in
        # place, and `g` may be a read-only broadcast view or shared with another tensor.
        array = g if owned else np.array(g, dtype=tensor.dtype, copy=True)
    else:
        array = np.asarray(current.data + g)
    tensor._grad = Tensor._make(array, False)


def _raise_mutated(tensor: Tensor, prim: Any, parents: tuple, clock: int) -> None:
    changed = [i for i, p in enumerate(parents) if p._version[0] > clock]
    what = f"input {changed[0]}" if changed else "its output"
    culprit = parents[changed[0]] if changed else tensor
    raise AutogradError(
        f"'{prim.name}' needs {what} (shape {culprit.shape}) for its gradient, but that tensor "
        "(or a view sharing its memory) was modified in place after the op recorded it. "
        "Compute backward before changing it, or use an out-of-place op (x = x + y instead of "
        "x += y)."
    )


def _check_finite_gradient(prim: Any, tensor: Tensor, gp: Any) -> None:
    values = gp.data if isinstance(gp, Tensor) else gp
    if not np.all(np.isfinite(values)):
        origin = getattr(tensor, "_origin", None) or "unknown location"
        raise AnomalyError(
            f"'{prim.name}' backward produced NaN/Inf in a gradient of shape {values.shape}; "
            f"the op was created at {origin}"
        )


# The two namespaces a VJP is evaluated with, read from the op declarations (registry.py):
# numpy functions on arrays (first order), or the public functions on Tensors (create_graph),
# so a VJP written once is differentiable again.
NUMPY_MODE = OpNamespace(tensors=False)
TENSOR_MODE = OpNamespace(tensors=True)
