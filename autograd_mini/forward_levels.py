"""The state of forward mode that tensors must see: how many forward levels are open, and
which tensors carry a tangent at the visible ones.

It sits below `tensor.py` (it imports no tensor code), so `float(t)`, `np.asarray(t)` and the
in-place operators can refuse to drop a tangent as they refuse to drop a graph. forward.py
opens and closes the levels and computes the tangents.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["FORWARD_USERS", "carries_tangent", "hand_over_tangent"]


class _ForwardUsers:
    """How many forward levels are open in any thread (a plain attribute: the hot-path read)."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


FORWARD_USERS = _ForwardUsers()


class _Levels(threading.local):
    def __init__(self) -> None:
        self.tables: list[dict[int, tuple[Any, Any]]] = []
        self.batches: list[int | None] = []  # each level's batch size (None: plain tangents)
        self.visible = 0  # levels [0, visible) see the ops being recorded


_LEVELS = _Levels()


def carries_tangent(tensor: Any) -> bool:
    """True when `tensor` has a tangent at a visible forward level: turning it into a plain
    array or number there would silently drop its derivative (tensor.py refuses that)."""
    state = _LEVELS
    for k in range(state.visible):
        entry = state.tables[k].get(id(tensor))
        if entry is not None and entry[0] is tensor:
            return True
    return False


def hand_over_tangent(source: Any, target: Any) -> None:
    """Give `target` the tangents `source` has at the visible levels (`source` loses them):
    an in-place write (x[i] = y) keeps the written tensor's identity while its value, and so
    its tangent, moves to a new node (ops/shape.py)."""
    state = _LEVELS
    for k in range(state.visible):
        table = state.tables[k]
        entry = table.get(id(source))
        if entry is not None and entry[0] is source:
            del table[id(source)]
            table[id(target)] = (target, entry[1])
