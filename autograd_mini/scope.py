"""Optional recording of which module call produced which tensors (used for drawing graphs).

The engine knows nothing of layers. A layer library (such as `nn`) reports each call with
`record_call(owner, inputs, output)`; nothing is stored unless a `recording_scopes()` block is
active, so the cost outside drawing is one global read per call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ScopeCall:
    """One call of a module: the module object, the tensors it got and the tensor it made."""

    owner: Any
    inputs: tuple[Any, ...]
    output: Any


_RECORDER: list[ScopeCall] | None = None


def is_recording() -> bool:
    """True inside `recording_scopes()`."""
    return _RECORDER is not None


def current_calls() -> list[ScopeCall] | None:
    """A copy of the calls recorded so far by the innermost active block, or None outside."""
    return list(_RECORDER) if _RECORDER is not None else None


def record_call(owner: Any, inputs: tuple[Any, ...], output: Any) -> None:
    """Report a module call; a no-op unless scopes are being recorded."""
    if _RECORDER is not None:
        _RECORDER.append(ScopeCall(owner, inputs, output))


@contextmanager
def recording_scopes() -> Iterator[list[ScopeCall]]:
    """Collect every `record_call` made inside the block, outermost calls last."""
    global _RECORDER
    previous = _RECORDER
    _RECORDER = calls = []
    try:
        yield calls
    finally:
        _RECORDER = previous
