"""What a node is: the fields an op records on its output, and the version counters that let
backward detect a value changed in place after it was recorded.

Every Tensor is a Node. A leaf's fields are empty (`_prim` is None); an op's output records
the primitive that made it, the op's keyword parameters, its parents (in argument order) and
the tick of a global clock taken when it was recorded. The fields live on the tensor itself:
a separate node object would cost an allocation per op (a tuple 35 ns, a slotted class about
160 ns, measured on the 2-core dev machine), which is 2-6% of an op's whole overhead. The
engine (engine.py) writes and walks them; everything else reads them through the properties
below (an in-place update moves a node with `_take_node`).
"""

from __future__ import annotations

import sys
from typing import Any


class Clock:
    """A global counter: every recorded op and every in-place change takes the next tick.

    A node remembers the tick at which it was recorded; a tensor changed in place later gets a
    larger version, which backward detects with one integer comparison per input.
    """

    __slots__ = ("tick",)

    def __init__(self) -> None:
        self.tick = 0


CLOCK = Clock()

# The version counter of a tensor nobody has changed in place and nothing aliases: shared by
# all such tensors and never written, so a fresh tensor costs no allocation. A tensor gets a
# counter of its own (a one-element list, shared by every tensor viewing the same memory; a
# second element marks that a view op shares it) the first time it is changed in place or
# aliased — PyTorch's rule: views share their base's version counter, so a change through any
# alias is caught.
UNCHANGED: list[int] = [0]


class Node:
    """The recorded op behind a tensor (empty for leaves).

    _prim      the Primitive that computed this tensor, or None for a leaf
    _params    the op's keyword parameters (axis, exponent, index, ...)
    _parents   the input tensors, in argument order (a tuple: `a + a` keeps both edges)
    _tick      CLOCK.tick when the op was recorded; every parent has a smaller one
    _freed     True once a backward without retain_graph has used this node's saved values
    _version   the version counter (see UNCHANGED); `_version[0] > _tick` means changed
    """

    __slots__ = ("_prim", "_params", "_parents", "_tick", "_freed", "_version")

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created, or no grad needed)."""
        return self._prim is None

    @property
    def op(self) -> str | None:
        """Name of the op that produced this tensor, or None for a leaf."""
        return None if self._prim is None else self._prim.name

    @property
    def primitive(self) -> Any:
        """The Primitive that produced this tensor, or None for a leaf."""
        return self._prim

    @property
    def op_params(self) -> dict[str, Any]:
        """The op's keyword parameters (axis, exponent, ...); empty for leaves."""
        return {} if self._prim is None else self._params

    @property
    def parents(self) -> tuple[Any, ...]:
        """The tensors this one was computed from, in argument order (empty for leaves)."""
        return () if self._prim is None else self._parents

    @property
    def recorded_at(self) -> int:
        """The clock tick at which the op was recorded (0 for leaves): parents are earlier."""
        return 0 if self._prim is None else self._tick

    @property
    def is_freed(self) -> bool:
        """True when a backward without retain_graph already went through this tensor's op."""
        return self._prim is not None and self._freed

    def _take_node(self, source: Node) -> None:
        """Make this tensor's node a copy of `source`'s (a leaf's: empty). Used when an in-place
        update moves a recorded value's node to a copy of the value, then makes the tensor the
        output of the op that recorded the update (`x += y`, `x[i] = y`)."""
        self._prim = source._prim
        if source._prim is not None:
            self._params, self._parents = source._params, source._parents
            self._tick, self._freed = source._tick, source._freed

    def _changed_since(self, tick: int) -> bool:
        """True when this tensor (or an alias of its memory) was changed in place after `tick`."""
        return self._version[0] > tick

    def _own_version(self) -> list[int]:
        """This tensor's version counter, made its own first if it still shares UNCHANGED."""
        if self._version is UNCHANGED:
            self._version = [0]
        return self._version

    def _is_view_of_a_live_tensor(self) -> bool:
        """True when this tensor is a view of another tensor's memory that is still alive (a
        view op marked the counter they share with a second element, engine._aliased_version,
        and another tensor holds it).

        A recorded write into the view (`v[i] = y`, `v += y` joining the graph) moves only the
        view into the graph: the base would keep the new values as a constant, and y's
        gradient through it would be silently lost (PyTorch rebases the base; this engine
        refuses)."""
        version = self._version
        if len(version) == 1 or self.data.base is None:  # type: ignore[attr-defined]
            return False
        # The references: this tensor's slot, the local name, getrefcount's argument.
        return sys.getrefcount(version) > 3

    def bump_version(self) -> None:
        """Record an in-place change of this tensor's values (every alias of its memory sees
        the new version), so a graph recorded earlier that needs them is refused at backward.
        Call it after writing into `.data` directly, as optimizers do; the in-place methods
        (`+=`, `copy_`, `x[i] = v`, ...) call it themselves."""
        CLOCK.tick += 1
        self._own_version()[0] = CLOCK.tick

    def _has_live_views(self) -> bool:
        """True when a view of this tensor's memory (x[a:b], x.T, x.reshape(...)) is alive: a
        view op marked the counter they share with a second element, and a tensor besides this
        one holds it (the other references: this slot, the local name, getrefcount's own)."""
        version = self._version
        return len(version) > 1 and sys.getrefcount(version) > 3
