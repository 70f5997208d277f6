"""Set the number of BLAS threads numpy's matrix products use, after numpy is imported.

The matrices of small MLPs are too small for several BLAS threads to pay off, and OpenBLAS
threads spin while they wait: on a busy 2-core machine a 784-256-128-10 training step measured
2.4 ms of CPU with 1 thread and 41 ms with 2. threadpoolctl is used when installed; otherwise
the OpenBLAS library already loaded into the process is found (Linux: /proc/self/maps) and its
`openblas_set_num_threads` is called through ctypes. Both are best effort.
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["set_blas_threads"]

_SETTERS = ("openblas_set_num_threads", "openblas_set_num_threads64_",
            "scipy_openblas_set_num_threads", "scipy_openblas_set_num_threads64_")


def _loaded_openblas() -> list[str]:
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return []
    return sorted(p for p in paths if os.path.isfile(p))


def set_blas_threads(threads: int) -> bool:
    """Limit BLAS to `threads` threads; True if a BLAS library accepted the setting."""
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive int, got {threads!r}")
    import numpy  # noqa: F401  (the BLAS library is loaded with numpy)

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        threadpool_limits(limits=threads, user_api="blas")
        return True
    done = False
    for path in _loaded_openblas():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter(ctypes.c_int(threads))
                done = True
                break
    return done
