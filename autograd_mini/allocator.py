"""Opt-in: keep freed memory in the process for the next step's arrays (glibc's malloc).

Every numpy temporary is a fresh allocation. glibc serves large blocks with mmap and returns
freed memory to the system (munmap, and trimming the top of the heap), so a training step
allocates the same sizes again, and the kernel zero-fills those pages on first touch: page
faults, counted as system time. PyTorch has its own caching allocator; numpy has none.

Measured on the 2-core dev machine (CPU time per step, 2026-12-07, issue 15 and 14 notes):
LeNet batch 64 11.9-12.9 -> 6.7-7.1 ms (2.0-2.5k faults per step -> 0), LSTM sequence 50
53 -> 35 ms (8.2k faults -> 0), the diffusion-equation step at N = 1000 7.5 -> 4.1 ms; peak
memory unchanged. It is a process-wide setting, so the library never makes it on import: call
`retain_freed_memory()` at the start of a program (the `autograd-mini` CLI does).
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["retain_freed_memory"]

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3
_MIB = 1 << 20


def retain_freed_memory(mmap_threshold_mib: int = 64, trim_threshold_mib: int = 128) -> bool:
    """Serve blocks below `mmap_threshold_mib` from the heap and keep up to
    `trim_threshold_mib` of freed heap for reuse, instead of returning it to the system.

    Returns True when glibc accepted both settings, False where the C library is not glibc
    (macOS, Windows, musl): nothing is changed there.
    """
    for name, value in (("mmap_threshold_mib", mmap_threshold_mib),
                        ("trim_threshold_mib", trim_threshold_mib)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1024:
            raise ValueError(f"retain_freed_memory: {name} must be a whole number of MiB in "
                             f"[1, 1024], got {value!r}")
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - present in glibc only
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold_mib * _MIB)
                and mallopt(_M_TRIM_THRESHOLD, trim_threshold_mib * _MIB))
