"""Optional recording of which module call produced which tensors (used for drawing graphs).

The engine knows nothing of layers. A layer library (such as `nn`) reports each call with
`record_call(owner, inputs, output)`; nothing is stored unless a `recording_scopes()` block is
active, so the cost outside drawing is one global read per call.
"""

from __future__ import annotations

import threading
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


class _Recorder(threading.local):
    """The calls being recorded in this thread (None when not recording). Per thread: two
    threads tracing at once each see their own calls, and neither leaves the other's on."""

    calls: list[ScopeCall] | None = None


_RECORDER = _Recorder()


def is_recording() -> bool:
    """True inside `recording_scopes()` in this thread."""
    return _RECORDER.calls is not None


def current_calls() -> list[ScopeCall] | None:
    """A copy of the calls recorded so far by the innermost active block, or None outside."""
    calls = _RECORDER.calls
    return list(calls) if calls is not None else None


def record_call(owner: Any, inputs: tuple[Any, ...], output: Any) -> None:
    """Report a module call; a no-op unless this thread is recording scopes."""
    calls = _RECORDER.calls
    if calls is not None:
        calls.append(ScopeCall(owner, inputs, output))


@contextmanager
def recording_scopes() -> Iterator[list[ScopeCall]]:
    """Collect every `record_call` made in this thread inside the block, outermost last."""
    previous = _RECORDER.calls
    _RECORDER.calls = calls = []
    try:
        yield calls
    finally:
        _RECORDER.calls = previous
