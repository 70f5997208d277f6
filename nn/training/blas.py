"""Set the number of BLAS threads numpy's matrix products use, after numpy is imported.

The matrices of small MLPs are too small for several BLAS threads to pay off, and OpenBLAS
threads spin while they wait: on a busy 2-core machine a 784-256-128-10 training step measured
2.4 ms of CPU with 1 thread and 41 ms with 2. threadpoolctl (a dependency) finds the BLAS
library numpy loaded, whichever it is, and sets its thread count.
"""

from __future__ import annotations

import numpy  # noqa: F401  (loads the BLAS library that threadpoolctl then finds)
from threadpoolctl import threadpool_info, threadpool_limits

__all__ = ["set_blas_threads"]


def set_blas_threads(threads: int) -> bool:
    """Limit BLAS to `threads` threads; True if a BLAS library is loaded and was set."""
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"set_blas_threads: threads must be a positive int, got {threads!r}")
    if not any(library["user_api"] == "blas" for library in threadpool_info()):
        return False
    threadpool_limits(limits=threads, user_api="blas")  # stays in force: never restored
    return True
