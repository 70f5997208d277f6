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

from typing import Any

import numpy as np

from .errors import AutogradError
from .forward_levels import _LEVELS, FORWARD_USERS
from .registry import OpNamespace
from .tensor import Tensor

_ARRAYS = OpNamespace(tensors=False)
_TENSORS = OpNamespace(tensors=True)


class ForwardLevel:
    """A context in which tangents of this level are propagated: `with ForwardLevel() as lv`.

    With `batch=B`, every tangent carries a leading axis of B directions (shape (B,) + the
    value's shape): jacfwd pushes all the basis vectors of an input through in one pass. Each
    primitive's `batch` declaration says how its JVP takes such tangents (registry.py); one
    without a declaration is called once per direction.
    """

    def __init__(self, batch: int | None = None) -> None:
        self.table: dict[int, tuple[Tensor, Tensor]] = {}
        self.batch = batch
        self._saved_visible = 0

    def __enter__(self) -> ForwardLevel:
        if _LEVELS.visible != len(_LEVELS.tables):
            raise AutogradError("jvp: a forward transform cannot start inside a JVP rule")
        _LEVELS.tables.append(self.table)
        _LEVELS.batches.append(self.batch)
        _LEVELS.visible = len(_LEVELS.tables)
        with FORWARD_USERS.lock:
            FORWARD_USERS.count += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        _LEVELS.tables.pop()
        _LEVELS.batches.pop()
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
            batch = state.batches[k]
            if batch is None:
                tangent = _tangent_of(prim, out, parents, params, tangents, k)
            else:
                tangent = _batched_tangent_of(prim, out, parents, params, tangents, k, batch)
        finally:
            state.visible = visible
        if tangent is not None:
            table[id(out)] = (out, tangent)


def _jvp_rule(prim: Any) -> Any:
    """The op's JVP rule, or an error that says forward mode cannot pass this op."""
    if prim.jvp is None:
        raise AutogradError(
            f"forward mode: the op '{prim.name}' has no JVP rule yet (its declaration lacks "
            "jvp=...); use reverse mode (grad, jacrev) for this function"
        )
    return prim.jvp


def _on_arrays(out: Tensor, tangents: list, level: int) -> bool:
    """True when nothing can differentiate the tangent (no outer level, no graph): the rule
    then runs on plain arrays."""
    return level == 0 and not out._requires_grad and not any(
        t is not None and t._requires_grad for t in tangents)


def _tangent_of(prim: Any, out: Tensor, parents: tuple, params: dict, tangents: list,
                level: int) -> Tensor | None:
    rule = _jvp_rule(prim)
    if _on_arrays(out, tangents, level):
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


def _batched_tangent_of(prim: Any, out: Tensor, parents: tuple, params: dict, tangents: list,
                        level: int, batch: int) -> Tensor | None:
    """`_tangent_of` for tangents with a leading batch axis: shape (batch,) + value's shape."""
    rule = _jvp_rule(prim)
    plain = _on_arrays(out, tangents, level)
    if plain:
        xp, value, inputs = _ARRAYS, out.data, tuple(p.data for p in parents)
        ts = tuple(None if t is None else t.data for t in tangents)
    else:
        xp, value, inputs, ts = _TENSORS, out, parents, tuple(tangents)
    kind = prim.batch
    shape = (batch,) + out.shape
    if kind == "elementwise":
        rank = out.ndim + 1  # pad a broadcast operand's tangent: (B, 4) -> (B, 1, 4)
        ts = tuple(t if t is None or t.ndim == rank else
                   t.reshape((batch,) + (1,) * (rank - t.ndim) + tuple(t.shape[1:]))
                   for t in ts)
        result = rule(ts, value, inputs, xp, **params)
    elif kind is not None:
        result = kind(ts, value, inputs, xp, **params)
    else:  # no batch rule: one JVP per direction, stacked
        pieces = [rule(tuple(None if t is None else t[i] for t in ts), value, inputs, xp,
                       **params) for i in range(batch)]
        if all(piece is None for piece in pieces):
            return None
        if plain:
            result = np.stack([np.zeros(out.shape, out.dtype) if piece is None else
                               np.broadcast_to(np.asarray(piece), out.shape) for piece in pieces])
        else:
            result = _TENSORS.stack([_zeros_tensor(out) if piece is None else
                                     _TENSORS.broadcast_to(piece, out.shape)
                                     if piece.shape != out.shape else piece
                                     for piece in pieces])
    if result is None:
        return None
    if plain:
        result = np.asarray(result)
        if result.shape != shape:
            result = np.broadcast_to(result, shape)
        if result.dtype != out.dtype:
            result = result.astype(out.dtype)
        return Tensor._make(result, False)
    if not isinstance(result, Tensor):
        result = Tensor._make(np.asarray(result, dtype=out.dtype), False)
    if result.shape != shape:
        result = _TENSORS.broadcast_to(result, shape)
    if result.dtype != out.dtype:
        result = _TENSORS.astype(result, out.dtype)
    return result


def _zeros_tensor(out: Tensor) -> Tensor:
    return Tensor._make(np.zeros(out.shape, dtype=out.dtype), False)
