"""Ctrl-C during training: the first one asks the loop to stop after the current step and
write a checkpoint; a second one aborts at once."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["TrainingInterrupted", "caused_by_ctrl_c"]


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on Ctrl-C after a checkpoint was written (if it had somewhere to go)."""

    def __init__(self, message: str, checkpoint: Path | None, epoch: int, step: int) -> None:
        super().__init__(message)
        self.message, self.checkpoint, self.epoch, self.step = message, checkpoint, epoch, step

    def __str__(self) -> str:
        return self.message


class _InterruptFlag:
    """SIGINT handler that only records the request; a second Ctrl-C raises immediately."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\ninterrupt: finishing this step and saving a checkpoint (Ctrl-C again to abort "
              "without saving)", file=sys.stderr, flush=True)


@contextmanager
def _catch_sigint(flag: _InterruptFlag) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be installed from the main thread
        return
    previous = signal.signal(signal.SIGINT, flag)
    previous_hook = sys.unraisablehook

    def quiet_interrupts(unraisable: Any) -> None:
        # A second Ctrl-C can land while Python runs a finalizer (e.g. ZipFile.__del__), where
        # the KeyboardInterrupt cannot propagate and would be printed as a traceback. The stop
        # the first Ctrl-C requested still happens at the end of the step.
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous_hook(unraisable)

    sys.unraisablehook = quiet_interrupts
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGINT, previous)


def caused_by_ctrl_c(error: BaseException) -> bool:
    """True if `error` stands for a Ctrl-C: Python re-raises a KeyboardInterrupt that lands
    inside a module import as ImportError, and inside a class body's __set_name__ (e.g. while
    matplotlib is imported for the plots) as RuntimeError, keeping it as the cause."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
