"""Assert that hostile input is refused cheaply: the library's error, bounded memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import pytest

MEGABYTE = 2**20


def refused_cheaply(fn: Callable[[], object], error: type[BaseException],
                    max_bytes: int = 4 * MEGABYTE) -> str:
    """Run fn, which must raise `error` having allocated under max_bytes; return the message.

    Memory, not time, is the bound: a refusal that reads or allocates what a lying header
    promises shows up here on any machine, where a time limit would depend on the machine."""
    tracemalloc.start()
    try:
        with pytest.raises(error) as info:
            fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < max_bytes, f"allocated {peak} bytes before refusing"
    return str(info.value)
