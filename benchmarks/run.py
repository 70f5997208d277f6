"""The benchmark runner: `python -m benchmarks [--quick] [--only mlp,perop] [--json out.json]`.

For every case of every selected workload, each repetition runs every framework once, in a
fresh subprocess, in an order rotated by one per repetition. The median over repetitions is
reported, with its time ratio to PyTorch measured in the same run. PyTorch gets numpy's BLAS
thread count (`torch.set_num_threads`); BLAS environment variables are passed through as they
are and recorded with numpy's BLAS configuration in the JSON.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

from . import frameworks, report
from .harness import ROOT, run_worker
from .workloads import DEFAULT, WORKLOADS, Case
from .workloads.mnist import missing_files
from .workloads.models import am_style

MNIST_WORKLOADS = ("mnist", "mnist_cnn")  # read the IDX files of --mnist-dir
DEFAULT_MNIST_DIR = str(ROOT.parent / "shared" / "data" / "mnist")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, one repetition: a smoke run (~15-30 s for autograd_mini "
                             "and PyTorch on 2 cores)")
    parser.add_argument("--only", default=",".join(DEFAULT),
                        help=f"comma-separated workloads out of {','.join(WORKLOADS)} "
                             f"(default: {','.join(DEFAULT)}; mnist and mnist_cnn only when named)")
    parser.add_argument("--frameworks", default=",".join(frameworks.FRAMEWORKS),
                        help="comma-separated frameworks to run (when installed)")
    parser.add_argument("--reps", type=int, default=None,
                        help="repetitions (processes) per case and framework (default 3; "
                             "--quick: 1)")
    parser.add_argument("--extra-reps", type=int, default=2,
                        help="up to this many extra repetitions for a framework whose "
                             "repetitions differ by more than 1.5x (default 2; 0 disables)")
    parser.add_argument("--stat", choices=("median", "best"), default="median",
                        help="statistic in the tables: median (of each worker's median block) "
                             "or best (fastest block of any worker; steadier on a busy machine)")
    parser.add_argument("--json", default=None,
                        help="where to write the results (default benchmarks/results.json, "
                             "or results-quick.json with --quick)")
    parser.add_argument("--mnist-dir", default=DEFAULT_MNIST_DIR,
                        help="folder with the four gzipped MNIST IDX files")
    parser.add_argument("--allocator", choices=("default", "retain"), default="default",
                        help="retain: every worker, whatever its framework, keeps freed memory "
                             "for reuse (glibc mallopt, autograd_mini.retain_freed_memory); "
                             "default: the C library's own settings")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit numpy's BLAS (threadpoolctl) and PyTorch to this many "
                             "threads (default: numpy's own setting, given to PyTorch too)")
    parser.add_argument("--am-style", choices=("auto", "nn", "raw"), default="auto",
                        help="write autograd_mini's MLP with nn, with raw ops, or nn when the "
                             "tree has it (default)")
    args = parser.parse_args(argv)
    args.only = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in args.only if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    if args.threads is not None and importlib.util.find_spec("threadpoolctl") is None:
        parser.error("--threads needs threadpoolctl (pip install threadpoolctl)")
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    args.reps = args.reps or (1 if args.quick else 3)
    if args.json is None:
        name = "results-quick.json" if args.quick else "results.json"
        args.json = str(ROOT / "benchmarks" / name)
    return args


def plan(args: argparse.Namespace, found: dict[str, dict[str, Any]]
         ) -> list[tuple[str, Case, list[str]]]:
    """(workload, case, frameworks to run) in the order they will run."""
    wanted = set(args.frameworks) | set(frameworks.PSEUDO_FRAMEWORKS)
    out = []
    for name in args.only:
        module = WORKLOADS[name]
        if name in MNIST_WORKLOADS:
            cases = module.cases(args.quick, data_dir=args.mnist_dir)
        else:
            cases = module.cases(args.quick)
        for case in cases:
            if name in ("mlp", "mnist"):
                case.params["am_style"] = args.am_style
            runnable = [f for f in case.frameworks if f in wanted and found[f]["available"]]
            out.append((name, case, runnable))
    return out


def execute(steps: list[tuple[str, Case, list[str]]], reps: int, args: argparse.Namespace
            ) -> list[dict[str, Any]]:
    """Run every (case, framework, repetition) in its own process; one record per pair."""
    total = sum(len(fws) * min(reps, case.max_reps or reps) for _, case, fws in steps)
    done = 0
    records: list[dict[str, Any]] = []
    failed_before: dict[tuple[str, str], str] = {}  # (workload, framework) -> case that failed
    for workload, case, fws in steps:
        runs: dict[str, list[dict[str, Any]]] = {f: [] for f in fws}
        skip = _skips(workload, case, fws, failed_before, args)
        for rep in range(min(reps, case.max_reps or reps)):
            order = fws[rep % len(fws):] + fws[:rep % len(fws)] if fws else []
            for framework in order:
                done += 1
                if framework in skip:
                    continue
                if runs[framework] and runs[framework][-1]["status"] != "ok":
                    continue  # a failure repeats: do not spend time on it again
                result = run_worker(_spec(workload, case, framework, args), case.timeout_s)
                runs[framework].append(result)
                _progress(done, total, workload, case.name, framework, rep, result)
        extra = 0 if case.max_reps else args.extra_reps  # long cases: no extra repetitions
        for _ in range(extra):  # a busy machine: add repetitions where they disagree
            noisy = [f for f in fws if f not in skip and _disagree(runs[f])]
            for framework in noisy:
                result = run_worker(_spec(workload, case, framework, args), case.timeout_s)
                runs[framework].append(result)
                _progress(done, total, workload, case.name, framework, len(runs[framework]) - 1,
                          result)
        for framework in fws:
            record = _aggregate(workload, case, framework, runs[framework], skip.get(framework),
                                args.stat)
            if record["status"] not in ("ok", "skipped"):
                failed_before.setdefault((workload, framework), case.name)
            records.append(record)
    _add_ratios(records)
    return records


def _spec(workload: str, case: Case, framework: str, args: argparse.Namespace
          ) -> dict[str, Any]:
    """What one worker process measures."""
    return {"workload": workload, "framework": framework, "params": case.params,
            "budget_s": case.budget_s, "threads": args.threads, "allocator": args.allocator}


def _disagree(runs: list[dict[str, Any]], spread: float = 1.5) -> bool:
    """True when the successful repetitions' times differ by more than `spread`x."""
    times = [r["seconds"] for r in runs if r["status"] == "ok"]
    return len(times) >= 2 and max(times) > spread * min(times)


def _skips(workload: str, case: Case, fws: list[str], failed_before: dict[tuple[str, str], str],
           args: argparse.Namespace) -> dict[str, str]:
    """Frameworks not to run for this case, with the reason."""
    skip = {}
    for f in fws:
        if workload == "deep" and (workload, f) in failed_before:  # larger chains fail too
            skip[f] = f"failed at {failed_before[(workload, f)]}"
        if workload in MNIST_WORKLOADS and missing_files(case.params["data_dir"]):
            skip[f] = f"MNIST files missing in {case.params['data_dir']}"
    return skip


def _progress(done: int, total: int, workload: str, case: str, framework: str, rep: int,
              result: dict[str, Any]) -> None:
    if result["status"] == "ok":
        what = f"{result['seconds'] * 1e3:.3f} ms/unit, peak +{result['peak_growth_mb']:.0f} MB"
    else:
        what = f"{result['status']}: {result.get('error', '')[:80]}"
    wall = result.get("process_wall_s")
    took = f" ({wall:.1f} s)" if wall else ""
    print(f"[{done}/{total}] {workload} | {case} | {framework} | rep {rep + 1}: {what}{took}",
          file=sys.stderr, flush=True)


def _aggregate(workload: str, case: Case, framework: str, runs: list[dict[str, Any]],
               skipped: str | None, stat: str = "median") -> dict[str, Any]:
    """One record per (case, framework): the median (or best) over repetitions."""
    module = WORKLOADS[workload]
    record: dict[str, Any] = {"workload": workload, "case": case.name, "framework": framework,
                              "params": case.params, "unit": module.UNIT, "runs": runs}
    ok = [r for r in runs if r["status"] == "ok"]
    if skipped is not None:
        record.update(status="skipped", error=skipped)
    elif not ok:
        failure = runs[-1] if runs else {"status": "skipped", "error": "not run"}
        record.update(status=failure["status"], error=failure.get("error"))
    else:
        median_seconds = median(r["seconds"] for r in ok)
        best_seconds = min(r.get("min_seconds", r["seconds"]) for r in ok)
        seconds = best_seconds if stat == "best" else median_seconds
        record.update(
            status="ok", seconds=seconds, value=module.display(seconds, case.params),
            median_seconds=median_seconds, best_seconds=best_seconds,
            seconds_reps=[r["seconds"] for r in ok],
            peak_rss_mb=median(r["peak_rss_mb"] for r in ok),
            peak_growth_mb=median(r["peak_growth_mb"] for r in ok),
            load_1m=median(r["load_1m"] for r in ok),
        )
        for key in ("reached", "epochs", "test_accuracy", "am_style", "final_loss"):
            if key in ok[-1]:
                record[key] = ok[-1][key]
    return record


def _add_ratios(records: list[dict[str, Any]]) -> None:
    reference = {(r["workload"], r["case"]): r["seconds"] for r in records
                 if r["framework"] == frameworks.REFERENCE and r["status"] == "ok"}
    for r in records:
        ref = reference.get((r["workload"], r["case"]))
        r["ratio_to_torch"] = r["seconds"] / ref if ref and r["status"] == "ok" else None


def meta(args: argparse.Namespace, found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    style, why = am_style(args.am_style)
    threads = args.threads or frameworks.numpy_threads()
    return {
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["python -m benchmarks"] + sys.argv[1:]),
        "quick": args.quick,
        "reps": args.reps,
        "workloads": args.only,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "numpy_threads": threads,
        "torch_threads": f"torch.set_num_threads({threads}) in every PyTorch worker "
                         "(numpy's BLAS thread count)",
        "blas": frameworks.blas_info(),
        "frameworks": found,
        "autograd_mini_style": {"style": style, "why": why},
        "statistic": args.stat,
        "timing": "median over repetitions (one process each) of the median per-call time "
                  "over ~10 ms blocks after warm-up (best: the fastest block of any "
                  "repetition); GC on",
        "memory": "peak RSS growth of the worker over its RSS after import (MiB)",
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def render(results: list[dict[str, Any]], checks: list[dict[str, Any]],
           info: dict[str, Any]) -> str:
    parts = []
    for name, module in WORKLOADS.items():
        records = [r for r in results if r["workload"] == name]
        if not records:
            continue
        parts.append(report.workload_table(module.TITLE, module.UNIT, records, info["statistic"]))
        spread = report.ratio_spread_table([r for r in records if not report.is_floor(r)])
        if spread:
            parts.append(spread)
        if name == "mlp":
            floor = report.floor_table(records)
            if floor:
                parts.append(floor)
            parts.append(report.memory_table("  peak memory growth of the training process",
                                             records))
        if name in ("lenet", "lstm"):  # issue 15: peak memory below PyTorch's
            parts.append(report.memory_table("  peak memory growth of the training process",
                                             records))
        if name == "deep":
            parts.append(report.memory_table("  peak memory growth (and per op)", records,
                                             per_op=True))
        if name in MNIST_WORKLOADS:
            target = WORKLOADS[name].TARGET
            parts.append("  " + "; ".join(
                f"{r['framework']}: {r.get('epochs')} epochs, test acc "
                f"{r.get('test_accuracy', 0):.4f}" for r in records if r["status"] == "ok")
                + (f"  (* = stopped at the epoch cap below {target:.0%})"
                   if any(r.get("reached") is False for r in records) else ""))
    parts.append(report.targets_table(checks))
    missing = [f for f, v in info["frameworks"].items() if not v["available"]]
    versions = ", ".join(f"{f} {v['version']}" for f, v in info["frameworks"].items()
                         if v["available"])
    parts.append(f"versions: {versions}" + (f"; not installed: {', '.join(missing)}"
                                            if missing else ""))
    loads = [r["load_1m"] for r in results if "load_1m" in r]
    if loads and max(loads) > (info["cpu_count"] or 1):
        parts.append(f"WARNING: the machine was busy during this run (1-minute load average up "
                     f"to {max(loads):.1f} on {info['cpu_count']} cores): other processes "
                     "competed for the CPUs, so these timings are unreliable; rerun when idle, "
                     "or with --threads 1 --stat best (multithreaded BLAS stalls badly when "
                     "the cores are shared).")
    allocators = sorted({str(r.get("allocator", "default")) for r in results})
    parts.append(f"threads: numpy BLAS {info['numpy_threads']}, PyTorch set to the same; "
                 f"malloc: {', '.join(allocators)} for every framework; "
                 f"autograd_mini style: {info['autograd_mini_style']['style']} "
                 f"({info['autograd_mini_style']['why']})")
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    found = frameworks.detect()
    info = meta(args, found)
    start = time.perf_counter()
    results = execute(plan(args, found), args.reps, args)
    checks = report.targets(results)
    info["wall_s"] = time.perf_counter() - start
    info["load_average_at_end"] = os.getloadavg()
    print(render(results, checks, info))
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"meta": info, "results": results, "targets": checks},
                               indent=1, default=str))
    print(f"\nwrote {path} ({info['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
