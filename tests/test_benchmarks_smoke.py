"""Smoke test of the peer benchmarks: `python -m benchmarks --quick` runs and writes sane JSON.

Timings are not asserted (CI machines are shared and noisy); only that every workload ran for
autograd_mini (and PyTorch when installed) and produced positive numbers.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ("mlp", "perop", "moons", "deep")


def test_quick_benchmark_writes_complete_results(tmp_path: Path) -> None:
    frameworks = ["autograd_mini"]
    if importlib.util.find_spec("torch") is not None:
        frameworks.append("torch")
    out = tmp_path / "quick.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--frameworks", ",".join(frameworks),
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Issue 6 targets" in proc.stdout

    report = json.loads(out.read_text())
    assert {"meta", "results", "targets"} <= report.keys()
    meta = report["meta"]
    assert meta["quick"] is True and meta["numpy_threads"] >= 1
    assert "blas" in meta and "env" in meta["blas"]
    assert meta["frameworks"]["autograd_mini"]["available"]

    results = report["results"]
    assert {r["workload"] for r in results} == set(WORKLOADS)
    for workload in WORKLOADS:
        for framework in frameworks:
            mine = [r for r in results if (r["workload"], r["framework"]) == (workload,
                                                                             framework)]
            assert mine, f"no {framework} result for {workload}"
            for r in mine:
                assert r["status"] == "ok", r
                assert r["seconds"] > 0 and r["value"] > 0, r
                assert r["peak_rss_mb"] > 0 and r["peak_growth_mb"] >= 0, r
                if "torch" in frameworks:
                    assert r["ratio_to_torch"] > 0, r
    floors = [r for r in results if r["params"].get("floor")]
    assert {r["framework"] for r in floors} == {"numpy"} | ({"torch"} & set(frameworks))
    assert all(r["status"] == "ok" and r["seconds"] > 0 for r in floors)
    assert all({"target", "measured", "met"} <= c.keys() for c in report["targets"])
