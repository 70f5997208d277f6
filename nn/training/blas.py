"""Set the number of BLAS threads numpy's matrix products use, after numpy is imported.

The matrices of small MLPs are too small for several BLAS threads to pay off, and OpenBLAS
threads spin while they wait: on a busy 2-core machine a 784-256-128-10 training step measured
2.4 ms of CPU with 1 thread and 41 ms with 2. threadpoolctl (a dependency) finds the BLAS
library numpy loaded, whichever it is, and sets its thread count.
"""

from __future__ import annotations

import numpy  # noqa: F401  (loads the BLAS library that threadpoolctl then finds)

__all__ = ["MAX_BLAS_THREADS", "set_blas_threads"]

# BLAS libraries take the count as a C int (10**30 overflowed inside ctypes) and cap it at the
# threads they were built for; no machine this runs on has more cores than this.
MAX_BLAS_THREADS = 4096


def set_blas_threads(threads: int) -> bool:
    """Limit BLAS to `threads` threads; True if a BLAS library is loaded and was set."""
    if isinstance(threads, bool) or not isinstance(threads, int) or not \
            1 <= threads <= MAX_BLAS_THREADS:
        raise ValueError(f"set_blas_threads: threads must be a positive int (at most "
                         f"{MAX_BLAS_THREADS}), got {threads!r}")
    from threadpoolctl import threadpool_info, threadpool_limits  # on use: the CLI's parser
    # imports this module for MAX_BLAS_THREADS
    if not any(library["user_api"] == "blas" for library in threadpool_info()):
        return False
    threadpool_limits(limits=threads, user_api="blas")  # stays in force: never restored
    return True
