"""A guard for tests that open a FIFO: a blocking open fails the test instead of hanging it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest


def raises_without_blocking_on_fifo(fn: Callable[[Any], Any], fifo: Any) -> BaseException | None:
    """Run fn(fifo) in a thread and return what it raised. Should it block in open() (as before
    the fix), a writer is attached after a generous 60 s so the test fails instead of hanging;
    this guards against a hang and asserts nothing about speed."""
    raised: list[BaseException | None] = [None]

    def call() -> None:
        try:
            fn(fifo)
        except BaseException as error:  # handed to the test below
            raised[0] = error

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():
        with open(fifo, "wb"):
            pass
        worker.join()
        pytest.fail(f"{fn.__name__} blocked on a FIFO until a writer appeared")
    return raised[0]
