"""Which frameworks are installed, their versions, thread settings and the BLAS in use.

The runner only asks `importlib` whether a framework can be found (no import in the parent
process); each worker subprocess imports the one framework it measures via `prepare`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import io
import os
from contextlib import redirect_stdout
from typing import Any

# Display order; "numpy" is the pseudo-framework of the matmul floor.
FRAMEWORKS: tuple[str, ...] = ("autograd_mini", "torch", "torch.func", "micrograd", "autograd",
                                "mygrad", "jax", "jax.nojit")
# Variants of one library measured as columns of their own: the module each one imports.
MODULES = {"torch.func": "torch", "jax.nojit": "jax"}
PSEUDO_FRAMEWORKS: tuple[str, ...] = ("numpy",)
REFERENCE = "torch"  # ratios are taken against this one, measured in the same run

LABELS = {
    "autograd_mini": "autograd_mini",
    "torch": "PyTorch",
    "micrograd": "micrograd",
    "autograd": "HIPS autograd",
    "mygrad": "MyGrad",
    "torch.func": "torch.func",
    "jax": "JAX jit",
    "jax.nojit": "JAX no jit",
    "numpy": "numpy floor",
}

# Environment variables that change which BLAS kernel or how many threads run: recorded, never
# changed (see the OPENBLAS_CORETYPE note in the environment README).
_ENV_PREFIXES = ("OPENBLAS", "OMP_", "MKL_", "GOTO", "BLIS", "NVPL", "VECLIB", "KMP_")


def detect() -> dict[str, dict[str, Any]]:
    """{framework: {"available": bool, "version": str | None}} without importing any of them."""
    found: dict[str, dict[str, Any]] = {}
    for name in FRAMEWORKS + PSEUDO_FRAMEWORKS:
        module = MODULES.get(name, name)
        available = importlib.util.find_spec(module) is not None
        found[name] = {"available": available,
                       "version": _version(module) if available else None}
    return found


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def numpy_threads() -> int:
    """How many threads numpy's BLAS uses (threadpoolctl when installed)."""
    import numpy  # noqa: F401 - load the BLAS so threadpoolctl can see it

    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        if counts:
            return int(max(counts))
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def prepare(framework: str, threads: int | None = None, allocator: str = "default"
            ) -> dict[str, Any]:
    """Import `framework` in this (worker) process and give PyTorch numpy's thread count.

    `threads` (the runner's --threads) limits numpy's BLAS through threadpoolctl first; the
    environment is never changed. `allocator="retain"` (the runner's --allocator) makes glibc
    keep freed memory for reuse in this worker, whatever the framework
    (autograd_mini/allocator.py), so every framework measures under the same malloc settings.
    """
    info: dict[str, Any] = {"allocator": allocator}
    if allocator == "retain":
        from autograd_mini.allocator import retain_freed_memory

        info["allocator_applied"] = retain_freed_memory()
    if threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")
    threads = numpy_threads()
    info.update({"numpy_threads": threads, "load_1m": os.getloadavg()[0]})
    framework = MODULES.get(framework, framework)
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
        info["torch_threads"] = torch.get_num_threads()
    elif framework not in PSEUDO_FRAMEWORKS:
        importlib.import_module(framework)
    return info


def blas_info() -> dict[str, Any]:
    """numpy's BLAS as threadpoolctl reports it (else `np.show_config`), plus relevant env."""
    import numpy as np

    info: dict[str, Any] = {"numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info

        info["threadpoolctl"] = threadpool_info()
    except ImportError:
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            np.show_config()
        info["show_config"] = buffer.getvalue()
    info["env"] = {k: v for k, v in sorted(os.environ.items()) if k.startswith(_ENV_PREFIXES)}
    return info
