"""Switches: gradient recording (`no_grad`) and anomaly detection, per thread.

As in PyTorch, each thread has its own grad mode: a `no_grad` block (or a backward pass, which
records nothing) in one thread never stops another thread's forward from recording, which
would silently drop parts of its graph. Every new thread starts with recording on and anomaly
detection off. (A thread-local read costs about 30 ns more than a plain attribute.)
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    grad_enabled: bool
    anomaly: bool

    def __init__(self) -> None:  # runs once in every thread that touches STATE
        self.grad_enabled = True
        self.anomaly = False


class _AnomalyUsers:
    """How many `detect_anomaly` blocks are open in any thread: a plain attribute, so an op
    reads the thread-local flag only while some thread debugs (most runs: never)."""

    __slots__ = ("count", "lock")

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


ANOMALY_USERS = _AnomalyUsers()


STATE = _State()


def is_grad_enabled() -> bool:
    """True when ops record the graph for backward."""
    return STATE.grad_enabled


class _GradModeSwitch:
    """Context manager and decorator that sets grad mode and restores the previous one."""

    _target: bool = True

    def __enter__(self) -> None:
        self._previous = STATE.grad_enabled
        STATE.grad_enabled = self._target

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self._previous

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeSwitch):  # noqa: N801 - PyTorch's name, used as a context manager
    """Disable graph recording: `with am.no_grad(): ...` or `@am.no_grad()`."""

    _target = False


class enable_grad(_GradModeSwitch):  # noqa: N801
    """Re-enable graph recording inside a `no_grad` block."""

    _target = True


class set_grad_enabled(_GradModeSwitch):  # noqa: N801
    """Set grad mode to `mode` for the duration of a block (or, called bare, from now on in
    this thread)."""

    def __init__(self, mode: bool) -> None:
        self._target = bool(mode)
        self._previous = STATE.grad_enabled
        STATE.grad_enabled = self._target

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: F) -> F:
        raise TypeError("set_grad_enabled is a context manager; use no_grad() as a decorator")


class detect_anomaly:  # noqa: N801
    """Raise at the first op whose forward or backward produces NaN/Inf, naming the op and
    the line of user code that created it. Slower: every op checks its output."""

    def __enter__(self) -> None:
        self._previous = STATE.anomaly
        STATE.anomaly = True
        with ANOMALY_USERS.lock:
            ANOMALY_USERS.count += 1

    def __exit__(self, *exc: object) -> None:
        STATE.anomaly = self._previous
        with ANOMALY_USERS.lock:
            ANOMALY_USERS.count -= 1


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()`."""
    return STATE.anomaly
