"""The measuring instrument: per-call timing, process memory, and the worker subprocess call.

Timing: a few warm-up calls, then timed blocks of calls (each block about 10 ms, so timer
resolution and loop overhead vanish) until a time budget is spent; the median block time per
call is the result. The garbage collector stays on, as users run their code.

Memory: peak resident set size of the worker process (`ru_maxrss`) and its growth over the
resident size measured just before the workload started (after the framework's import).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the repository root (holds autograd_mini/)
RESULT_MARKER = "BENCHMARK-RESULT "
_MB = 1024.0 * 1024.0


def time_per_call(
    fn: Callable[[], Any],
    *,
    budget_s: float,
    warmup: int = 1,
    min_samples: int = 3,
    block_s: float = 0.01,
    max_s: float | None = None,
) -> dict[str, float]:
    """Median seconds per call of `fn` over blocks of calls lasting about `block_s` each.

    Stops once `budget_s` is spent and `min_samples` blocks are timed, or once `max_s`
    (default 5 × budget) is spent, so a call slower than the budget is timed only once or twice.
    """
    max_s = 5 * budget_s if max_s is None else max_s
    for _ in range(warmup):
        fn()
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    block = max(1, int(block_s / max(first, 1e-9)))
    samples = [first] if block == 1 else []
    spent, calls = first, 1
    while (spent < budget_s or len(samples) < min_samples) and not (samples and spent >= max_s):
        start = time.perf_counter()
        for _ in range(block):
            fn()
        elapsed = time.perf_counter() - start
        samples.append(elapsed / block)
        spent += elapsed
        calls += block
    return {"seconds": median(samples), "min_seconds": min(samples), "calls": calls,
            "samples": len(samples)}


def current_rss_bytes() -> int:
    """Resident set size now (Linux /proc; elsewhere the peak so far stands in)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return peak_rss_bytes()


def peak_rss_bytes() -> int:
    """Peak resident set size of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def memory_record(rss_before: int) -> dict[str, float]:
    """Peak RSS and its growth over `rss_before`, in MiB."""
    peak = peak_rss_bytes()
    return {"peak_rss_mb": peak / _MB, "peak_growth_mb": max(peak - rss_before, 0) / _MB}


def run_worker(spec: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; failures become results, never exceptions.

    The environment is passed through unchanged (BLAS variables included); only the working
    directory is set, so `autograd_mini` and `nn` resolve to this checkout.
    """
    command = [sys.executable, "-m", "benchmarks.worker", json.dumps(spec)]
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "error": f"no result within {timeout_s:.0f} s"}
    wall = time.perf_counter() - start
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            result = json.loads(line[len(RESULT_MARKER):])
            result["process_wall_s"] = wall
            return result
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit {proc.returncode}"
    return {"status": "crash", "error": f"{how}: " + " | ".join(tail)}
