"""One measurement in its own process: `python -m benchmarks.worker '<json spec>'`.

The spec names a workload, a framework and the case's parameters. The worker imports that
framework alone, runs the workload's `measure`, and prints one line `BENCHMARK-RESULT {json}`.
An exception inside the workload (micrograd's RecursionError, for example) is a result too.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any

from . import frameworks
from .harness import RESULT_MARKER, current_rss_bytes, memory_record
from .workloads import WORKLOADS


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the spec's measurement here and return its result record."""
    workload = WORKLOADS[spec["workload"]]
    framework = spec["framework"]
    result: dict[str, Any] = {"status": "ok"}
    result.update(frameworks.prepare(framework, spec.get("threads"),
                                     spec.get("allocator", "default")))
    rss_before = current_rss_bytes()
    try:
        result.update(workload.measure(framework, spec["params"], spec["budget_s"]))
    except (RecursionError, MemoryError) as exc:
        result.update(status="error", error=f"{type(exc).__name__}: {str(exc)[:200]}")
    except Exception as exc:  # noqa: BLE001 - any failure of a peer is a result to report
        last = traceback.format_exc().strip().splitlines()[-1]
        result.update(status="error", error=f"{type(exc).__name__}: {last[:300]}")
    result.update(memory_record(rss_before))
    return result


def main(argv: list[str]) -> int:
    spec = json.loads(argv[1])
    result = measure(spec)
    print(RESULT_MARKER + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
