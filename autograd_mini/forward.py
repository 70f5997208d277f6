"""Forward mode: tangents carried beside values while a `jvp` transform runs.

A forward *level* is a table `id(tensor) -> (tensor, tangent)` opened by `func.jvp` (and
`jacfwd`, `hessian`, ...). While any level is open, the engine calls `propagate_tangents` for
every op it records: for each open level where some input has a tangent, the op's JVP rule
(its `jvp=` slot) computes the output's tangent, which is stored in that level's table.

Levels nest (jacfwd of jacfwd): the tangent of level k is computed with only the levels
outside it visible, so the ops of the tangent rule get tangents of their own at the outer
levels, and no level ever sees its own tangents as values (no perturbation confusion). Rules
run on Tensors (TENSOR_MODE) whenever anything outside could differentiate the result (an
outer level, or a graph that requires grad: reverse-over-forward); otherwise on arrays.

When no level is open anywhere, an op pays one integer read (`FORWARD_USERS.count`).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .errors import AutogradError
from .registry import OpNamespace
from .tensor import Tensor

_ARRAYS = OpNamespace(tensors=False)
_TENSORS = OpNamespace(tensors=True)

class _ForwardUsers:
    """How many forward levels are open in any thread (a plain attribute: the hot-path read)."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


FORWARD_USERS = _ForwardUsers()


class _Levels(threading.local):
    def __init__(self) -> None:
        self.tables: list[dict[int, tuple[Tensor, Tensor]]] = []
        self.visible = 0  # levels [0, visible) see the ops being recorded


_LEVELS = _Levels()


class ForwardLevel:
    """A context in which tangents of this level are propagated: `with ForwardLevel() as lv`."""

    def __init__(self) -> None:
        self.table: dict[int, tuple[Tensor, Tensor]] = {}
        self._saved_visible = 0

    def __enter__(self) -> ForwardLevel:
        if _LEVELS.visible != len(_LEVELS.tables):
            raise AutogradError("jvp: a forward transform cannot start inside a JVP rule")
        _LEVELS.tables.append(self.table)
        _LEVELS.visible = len(_LEVELS.tables)
        with FORWARD_USERS.lock:
            FORWARD_USERS.count += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        _LEVELS.tables.pop()
        _LEVELS.visible = len(_LEVELS.tables)
        with FORWARD_USERS.lock:
            FORWARD_USERS.count -= 1
        self.table.clear()

    def set_tangent(self, tensor: Tensor, tangent: Tensor) -> None:
        """Seed `tensor` (an input of the transformed function) with `tangent`."""
        self.table[id(tensor)] = (tensor, tangent)

    def tangent(self, tensor: Any) -> Tensor | None:
        """The tangent of `tensor` at this level, or None when it does not depend on the seeds."""
        entry = self.table.get(id(tensor))
        return entry[1] if entry is not None and entry[0] is tensor else None


def forward_active() -> bool:
    """True when this thread has a forward level open (so gradients must stay differentiable)."""
    return bool(_LEVELS.tables)


def propagate_tangents(prim: Any, out: Tensor, parents: tuple, params: dict) -> None:
    """Compute `out`'s tangent at every visible level where an input has one (engine hook)."""
    state = _LEVELS
    visible = state.visible
    if not visible:
        return
    tables = state.tables
    # Outer levels first: an inner level's rule uses `out`, whose outer tangents must exist.
    for k in range(visible):
        table = tables[k]
        found = False
        tangents: list[Any] = []
        for p in parents:
            entry = table.get(id(p))
            if entry is not None and entry[0] is p:
                tangents.append(entry[1])
                found = True
            else:
                tangents.append(None)
        if not found:
            continue
        state.visible = k  # the rule's own ops are seen by the outer levels only
        try:
            tangent = _tangent_of(prim, out, parents, params, tangents, k)
        finally:
            state.visible = visible
        if tangent is not None:
            table[id(out)] = (out, tangent)


def _tangent_of(prim: Any, out: Tensor, parents: tuple, params: dict, tangents: list,
                level: int) -> Tensor | None:
    rule = prim.jvp
    if rule is None:
        raise AutogradError(
            f"forward mode: the op '{prim.name}' has no JVP rule yet (its declaration lacks "
            "jvp=...); use reverse mode (grad, jacrev) for this function"
        )
    # On arrays when nothing can differentiate the tangent: no outer level, no graph.
    plain = level == 0 and not out._requires_grad and not any(
        t is not None and t._requires_grad for t in tangents)
    if plain:
        result = rule(tuple(None if t is None else t.data for t in tangents), out.data,
                      tuple(p.data for p in parents), _ARRAYS, **params)
        if result is None:
            return None
        result = np.asarray(result)
        if result.shape != out.shape:
            result = np.broadcast_to(result, out.shape)
        if result.dtype != out.dtype:
            result = result.astype(out.dtype)
        return Tensor._make(result, False)
    result = rule(tuple(tangents), out, parents, _TENSORS, **params)
    if result is None:
        return None
    if not isinstance(result, Tensor):
        result = Tensor._make(np.asarray(result, dtype=out.dtype), False)
    if result.shape != out.shape:
        result = _TENSORS.broadcast_to(result, out.shape)
    if result.dtype != out.dtype:
        result = _TENSORS.astype(result, out.dtype)
    return result
