"""print_graph: the tape in the terminal, one row per tensor in the order it was recorded."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from ..tensor import Tensor
from .checks import accumulated
from .format import number, shape_text, summary
from .graph import collect_graph, compute_gradients
from .naming import name_root

DEFAULT_MAX_ROWS = 500
COLUMNS = ("#", "name", "kind", "op", "parents", "shape", "dtype", "value", "grad", "rule")


def print_graph(
    root: Tensor,
    file: TextIO | None = None,
    *,
    names: Mapping[str, Any] | None = None,
    model: Any = None,
    show_grad: bool = True,
    grad_output: Any = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
) -> None:
    """Print the tape behind `root`: index, op, rule, parents, shape, dtype, value, gradient.

    Gradients are d(root)/d(tensor) for every row, computed without touching `.grad` while the
    graph is intact (else the stored `.grad`). Scalar constants appear inline in `parents`.
    Needs no graphviz.
    """
    out = sys.stdout if file is None else file
    graph = collect_graph(root, names=names, model=model)
    name_root(graph)
    rows_shown = [n.index for n in graph.nodes if not n.inline]
    skipped = 0
    if max_rows is not None and len(rows_shown) > max_rows:
        skipped = len(rows_shown) - max_rows
        rows_shown = rows_shown[skipped:]  # keep the tape's end: the nodes nearest the root
    grads = compute_gradients(graph, rows_shown, grad_output) if show_grad else None
    table = []
    for i in rows_shown:
        node = graph.nodes[i]
        t = node.tensor
        parents = ", ".join(
            f"{number(graph.nodes[p].tensor.item())}" if graph.nodes[p].inline else str(p)
            for p in node.parents)
        g = grads.values.get(i) if grads is not None else None
        op = node.primitive.name if node.primitive is not None else ""
        rule = node.primitive.rule if node.primitive is not None else ""
        table.append((str(i), node.label or "", node.kind, op, parents, shape_text(t.shape),
                      str(t.dtype), summary(t.data), "" if g is None else summary(g), rule))
    widths = [max(len(c), *(len(r[k]) for r in table)) for k, c in enumerate(COLUMNS)]
    lines = [_line(COLUMNS, widths), _line(tuple("-" * w for w in widths), widths)]
    if skipped:
        lines.append(f"… {skipped:,} earlier rows not shown (max_rows={max_rows})")
    lines.extend(_line(r, widths) for r in table)
    if grads is not None:
        if grads.note:
            lines.append(f"note: {grads.note}")
        elif grads.computed:
            lines.append(f"grad = ∂{graph.root.label}/∂(row), computed without touching .grad")
        for i, stale in accumulated(graph, grads.stale, grads.values).items():
            lines.append(f"note: #{i}.grad holds {summary(stale)}, not {summary(grads.values[i])}"
                         ": accumulated over several backward() calls? (zero_grad)")
    out.write("\n".join(lines) + "\n")


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
