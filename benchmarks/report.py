"""Turn aggregated results into text tables (ratios to PyTorch) and the issue's target checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .frameworks import FRAMEWORKS, LABELS, REFERENCE

Record = dict[str, Any]
COLUMN = 17


def fmt(value: float) -> str:
    """Three significant digits, thousands separated: 1,234 / 56.7 / 0.891 / 0.00123."""
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.01:
        return f"{value:.3g}" if value < 1 else f"{value:.2f}"
    return f"{value:.2e}"


def cell(record: Record | None) -> str:
    """'value (ratio x)' for a result, or its failure in a few words."""
    if record is None:
        return "-"
    if record["status"] != "ok":
        return _failure(record)
    text = fmt(record["value"])
    if record.get("reached") is False:
        text += "*"  # the MNIST run stopped at its epoch cap below the target accuracy
    ratio = record.get("ratio_to_torch")
    if ratio is not None and record["framework"] != REFERENCE:
        text += f" ({ratio:.2f}x)"
    return text


def _failure(record: Record) -> str:
    error = record.get("error") or record["status"]
    if record["status"] == "ok":
        return "?"
    if record["status"] in ("timeout", "skipped"):
        return record["status"]
    return error.split(":")[0][:COLUMN - 1]


def table(title: str, header: Iterable[str], rows: Iterable[list[str]], first: int = 18) -> str:
    header = list(header)
    lines = [title, _row(header, first), "-" * (first + COLUMN * (len(header) - 1))]
    lines += [_row(row, first) for row in rows]
    return "\n".join(lines)


def _row(cells: list[str], first: int) -> str:
    return cells[0].ljust(first) + "".join(c.rjust(COLUMN) for c in cells[1:])


def frameworks_in(records: list[Record]) -> list[str]:
    present = {r["framework"] for r in records}
    order = list(FRAMEWORKS) + ["numpy"]
    return [f for f in order if f in present]


def workload_table(title: str, unit: str, records: list[Record], stat: str = "median") -> str:
    """Rows = cases, columns = frameworks, cells = median value (time ratio to PyTorch)."""
    names = frameworks_in(records)
    by_case: dict[str, dict[str, Record]] = {}
    for r in records:
        by_case.setdefault(r["case"], {})[r["framework"]] = r
    rows = [[case] + [cell(found.get(f)) for f in names] for case, found in by_case.items()]
    header = ["case"] + [LABELS.get(f, f) for f in names]
    note = f"{title}\n  {stat} {unit}; (x) = time / PyTorch's time in this run, < 1 is faster"
    return table(note, header, rows)


def ratio_spread_table(records: list[Record]) -> str | None:
    """How stable each ratio is: the lowest and highest time/PyTorch ratio over the
    repetitions, each repetition's time divided by PyTorch's in the same repetition (they ran
    back to back), so a reader can tell a real difference from the machine's noise."""
    names = [f for f in frameworks_in(records) if f != REFERENCE]
    rows = []
    for case in dict.fromkeys(r["case"] for r in records):
        found = {r["framework"]: r for r in records if r["case"] == case}
        reference = found.get(REFERENCE)
        if reference is None or reference["status"] != "ok":
            continue
        torch_runs = [run.get("seconds") for run in reference.get("runs", [])]
        cells = []
        for f in names:
            runs = [run.get("seconds") for run in found.get(f, {}).get("runs", [])]
            ratios = [a / b for a, b in zip(runs, torch_runs) if a and b]
            cells.append(f"{min(ratios):.2f}-{max(ratios):.2f} ({len(ratios)})" if ratios
                         else "-")
        rows.append([case] + cells)
    if not rows or not names:
        return None
    return table("  ratio to PyTorch per repetition, lowest-highest (repetitions)",
                 ["case"] + [LABELS.get(f, f) for f in names], rows)


def best(record: Record) -> float:
    """The fastest block of any repetition (falls back to the reported seconds)."""
    return record.get("best_seconds") or record["seconds"]


def is_floor(record: Record) -> bool:
    """A matmul-floor measurement (numpy's or PyTorch's BLAS), not a training step."""
    return bool(record["params"].get("floor"))


def floor_table(records: list[Record]) -> str | None:
    """MLP step time over the same batch's matmul floor in the framework's own BLAS (numpy's
    for the numpy engines, PyTorch's for PyTorch), best against best: the floor is a lower bound,
    so its least disturbed measurement is the right one. What is left above 1 is the engine."""
    floors = {(r["framework"], r["params"]["batch"]): r for r in records
              if is_floor(r) and r["status"] == "ok"}
    if not floors:
        return None
    trained = [r for r in records if not is_floor(r)]
    names = frameworks_in(trained)
    rows = []
    for case in dict.fromkeys(r["case"] for r in trained):
        found = {r["framework"]: r for r in trained if r["case"] == case}
        cells = []
        for f in names:
            blas = "torch" if f == "torch" else "numpy"  # the numpy engines share numpy's
            floor = floors.get((blas, found[f]["params"]["batch"])) if f in found else None
            ok = floor is not None and found[f]["status"] == "ok"
            cells.append(f"{best(found[f]) / best(floor):.2f}" if ok else "-")
        rows.append([case] + cells)
    header = ["case"] + [LABELS[f] for f in names]
    return table("  best step time / best time of its 8 products in its own BLAS (numpy's "
                 "OpenBLAS, PyTorch's MKL)", header, rows)


def memory_table(title: str, records: list[Record], per_op: bool = False) -> str:
    """Peak RSS growth of each worker over its size after import (MiB), median of reps."""
    records = [r for r in records if not is_floor(r)]
    names = [f for f in frameworks_in(records) if f != "numpy"]
    rows = []
    for case in dict.fromkeys(r["case"] for r in records):
        found = {r["framework"]: r for r in records if r["case"] == case}
        row = [case]
        for f in names:
            r = found.get(f)
            if r is None or r.get("peak_growth_mb") is None or r["status"] != "ok":
                row.append(_failure(r) if r else "-")
                continue
            text = f"{r['peak_growth_mb']:.1f} MB"
            if per_op:
                per = r["peak_growth_mb"] * 1048576 / r["params"]["n"]
                text = f"{r['peak_growth_mb']:.0f}MB {per:.0f}B/op"
            row.append(text)
        rows.append(row)
    header = ["case"] + [LABELS[f] for f in names]
    return table(title, header, rows)


def targets(results: list[Record]) -> list[dict[str, Any]]:
    """The issue's targets, checked for autograd_mini against this run's numbers.

    A target whose cases were not part of the run is left out; one whose case ran but failed
    (for autograd_mini or the reference) is reported as missed or n/a.
    """
    index = {(r["workload"], r["case"], r["framework"]): r for r in results}
    cases_run = {(r["workload"], r["case"]) for r in results}
    checks: list[dict[str, Any]] = []

    def ok(workload: str, case: str, framework: str = "autograd_mini") -> Record | None:
        r = index.get((workload, case, framework))
        return r if r is not None and r["status"] == "ok" else None

    def check(name: str, needs: list[tuple[str, str]], value: float | None, limit: float,
              shown: str = "x torch") -> None:
        if not all(need in cases_run for need in needs):
            return
        met = None if value is None else value <= limit
        measured = "n/a" if value is None else f"{value:.2f}{shown}"
        checks.append({"target": name, "measured": measured, "limit": limit, "met": met})

    def vs_torch(workload: str, case: str) -> float | None:
        r = ok(workload, case)
        return None if r is None else r.get("ratio_to_torch")

    def over(workload: str, case: str, framework: str, other_case: str | None = None,
             key: str = "seconds") -> float | None:
        mine, theirs = ok(workload, case), ok(workload, other_case or case, framework)
        if mine is None or theirs is None or not theirs.get(key):
            return None
        return mine[key] / theirs[key]

    for opt in ("sgd", "adam"):
        for batch, limit in ((32, 1 / 0.9), (128, 1.0), (1024, 1.0)):
            case = f"{opt} b{batch}"
            check(f"mlp {case}: step time <= {limit:.2f}x torch's", [("mlp", case)],
                  vs_torch("mlp", case), limit)
        check(f"mlp {opt} b1024: within 1.25x of the matmul floor",
              [("mlp", f"{opt} b1024"), ("mlp", "floor b1024")],
              over("mlp", f"{opt} b1024", "numpy", "floor b1024", key="best_seconds"), 1.25,
              "x floor (best/best)")
    check("mlp adam b1024: peak memory growth below torch's", [("mlp", "adam b1024")],
          over("mlp", "adam b1024", "torch", key="peak_growth_mb"), 1.0, "x torch")
    for workload, case in (("lenet", "sgd b64"), ("lenet", "sgd b256"),
                           ("lstm", "s50 b64 h128")):  # issue 15: PyTorch's time or better
        check(f"{workload} {case}: step time <= torch's", [(workload, case)],
              vs_torch(workload, case), 1.0)
        check(f"{workload} {case}: peak memory growth below torch's", [(workload, case)],
              over(workload, case, "torch", key="peak_growth_mb"), 1.0, "x torch")
    for r in results:
        if r["framework"] != "autograd_mini":
            continue
        needs = [(r["workload"], r["case"])]
        if r["workload"] == "perop":
            check("perop: overhead <= 0.6x torch's", needs, vs_torch("perop", r["case"]), 0.6)
        if r["workload"] == "moons" and r["params"]["mode"] == "scalar":
            check("moons scalar: faster than micrograd (GC on)", needs,
                  over("moons", r["case"], "micrograd"), 1.0, "x micrograd")
        if r["workload"] == "moons" and r["params"]["mode"] == "batched":
            check("moons batched: no slower than torch", needs, vs_torch("moons", r["case"]),
                  1.0)
    if ("deep", "n = 1e6") in cases_run:
        done = ok("deep", "n = 1e6") is not None
        checks.append({"target": "deep: chain of 1e6 without error", "limit": None,
                       "measured": "ok" if done else "failed", "met": done})
    check("deep: chain of 1e5 no slower than torch", [("deep", "n = 1e5")],
          vs_torch("deep", "n = 1e5"), 1.0)
    small, big = ok("deep", "n = 1e5"), ok("deep", "n = 1e6")
    check("deep: memory linear (bytes/op at 1e6 over bytes/op at 1e5)",
          [("deep", "n = 1e5"), ("deep", "n = 1e6")],
          (big["peak_growth_mb"] / 1e6) / (small["peak_growth_mb"] / 1e5)
          if small and big and small["peak_growth_mb"] > 0 else None, 1.5, "x")
    mnist = ok("mnist", "to 98% test acc")
    check("mnist: time to 98% no slower than torch", [("mnist", "to 98% test acc")],
          mnist.get("ratio_to_torch") if mnist and mnist.get("reached") else None, 1.0)
    cnn = ok("mnist_cnn", "to 99% test acc")
    check("mnist_cnn: time to 99% no slower than torch", [("mnist_cnn", "to 99% test acc")],
          cnn.get("ratio_to_torch") if cnn and cnn.get("reached") else None, 1.0)
    return checks


def targets_table(checks: list[dict[str, Any]]) -> str:
    lines = ["Issue 6 targets for autograd_mini (this run)"]
    for c in checks:
        mark = {True: "met", False: "MISSED", None: "n/a"}[c["met"]]
        lines.append(f"  [{mark:>6}] {c['target']}: {c['measured']}")
    return "\n".join(lines)
