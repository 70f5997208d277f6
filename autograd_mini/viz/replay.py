"""replay_backward: the reverse topological walk drawn one node at a time.

Each frame shows the node being processed (blue), the gradient that arrives there (complete,
because every consumer came earlier), the local rule of its op, and the terms added to its
parents (green, with `+=` on the edges). Frames go to one self-contained HTML page with Prev /
Next buttons and arrow keys, or to one SVG file per frame.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import scope
from ..tensor import Tensor
from .dot import View, build_digraph
from .format import GradientScale, magnitude, summary
from .graph import Graph, collect_graph
from .render import explain_missing_dot, write_atomic
from .scopes import active_calls, module_clusters
from .steps import Step, walk_backward

RECEIVER = "#2ca02c"  # border of the parents that receive a term in this frame
DEFAULT_MAX_FRAMES = 200
_FRAME_NAME = re.compile(r"frame_(\d+)\.svg$")


def replay_backward(
    root: Tensor,
    path: str | os.PathLike[str],
    *,
    format: str = "html",
    names: Mapping[str, Any] | None = None,
    model: Any = None,
    calls: Sequence[scope.ScopeCall] | None = None,
    grad_output: Any = None,
    show_data: bool = True,
    rankdir: str = "LR",
    max_frames: int = DEFAULT_MAX_FRAMES,
) -> Path | list[Path]:
    """Write the backward pass of `root` frame by frame: one HTML page, or SVGs in a folder.

    format="html": `path` is the page (returned); format="svg": `path` is a folder that gets
    frame_000.svg, frame_001.svg, ... (returned as a list). One frame per node that requires
    grad. Gradients are computed here from the recorded graph; `.grad` is not touched. Nothing
    is written unless every frame rendered.
    """
    if format not in ("html", "svg"):
        raise ValueError(f"replay_backward: format must be 'html' or 'svg', got {format!r}")
    graph = collect_graph(root, names=names, model=model)
    steps = walk_backward(graph, grad_output)
    if len(steps) > max_frames:
        raise ValueError(
            f"replay_backward: {len(steps)} frames exceed max_frames={max_frames}; replay a "
            "smaller graph, raise max_frames, or use print_graph() for the whole tape")
    clusters = module_clusters(graph, calls if calls is not None else active_calls(), model)
    views = frame_views(graph, steps, show_data=show_data, rankdir=rankdir)
    shown = list(range(len(graph.nodes)))
    svgs = []
    with explain_missing_dot():
        for view in views:
            dot = build_digraph(graph, shown, clusters, {}, view)
            svgs.append(dot.pipe(format="svg").decode("utf-8"))
    if format == "html":
        texts = ["\n".join(view.title) for view in views]
        return write_atomic(path, _html_page(svgs, texts, views[0].title[0]).encode("utf-8"))
    return _write_frames(Path(path), svgs)


def frame_views(graph: Graph, steps: list[Step], *, show_data: bool = True,
                rankdir: str = "LR") -> list[View]:
    """The View of every frame: gradients known so far, highlights and the step's story."""
    final = {s.node: s.grad for s in steps}
    scale = GradientScale(magnitude(g) for g in final.values())
    totals: dict[int, np.ndarray] = {}
    terms: dict[int, int] = {}
    done: set[int] = set()
    views = []
    for k, step in enumerate(steps):
        view = View(show_data=show_data, rankdir=rankdir, scale=scale, current=step.node)
        totals[step.node] = step.grad
        for c in step.contributions:
            totals[c.parent] = c.total
            terms[c.parent] = c.count
            view.edge_notes[(step.node, c.position)] = f"+= {summary(c.grad)}"
            view.edge_highlight.add((step.node, c.position))
            view.marks[c.parent] = RECEIVER
        view.grads = dict(totals)
        for i in final:
            if i == step.node:
                view.grad_notes[i] = "◀ complete"
            elif i in done:
                view.grad_notes[i] = "✓"
            elif i in totals:
                n = terms.get(i, 0)
                view.grad_notes[i] = f"(so far: {n} term{'s' if n != 1 else ''})"
            else:
                view.grad_notes[i] = "— not reached yet"
        view.title = _story(graph, step, k, len(steps))
        views.append(view)
        done.add(step.node)
    return views


def _name(graph: Graph, i: int) -> str:
    label = graph.nodes[i].label
    return f"#{i} ({label})" if label else f"#{i}"


def _story(graph: Graph, step: Step, k: int, count: int) -> list[str]:
    """The frame's explanation: what arrives, which rule runs, what is sent where."""
    node = graph.nodes[step.node]
    root = graph.nodes[graph.root_index].label or f"#{graph.root_index}"
    prim = node.primitive
    made_by = f", made by {prim.name}" if prim is not None else ", a leaf"
    lines = [f"Backward step {k + 1} of {count}: node {_name(graph, step.node)}{made_by}"]
    if step.node == graph.root_index:
        lines.append(f"seed: ∂{root}/∂{root} = {summary(step.grad)}")
    else:
        froms = ", ".join(f"#{s}" for s in step.sources)
        plural = "s" if len(step.sources) != 1 else ""
        lines.append(f"gradient arrives: ∂{root}/∂{_name(graph, step.node)} = "
                     f"{summary(step.grad)}  (sum of {len(step.sources)} term{plural}, "
                     f"from {froms})")
    if prim is None:
        where = f"{node.label}.grad" if node.label else f"#{step.node}.grad"
        lines.append(f"leaf: nothing to propagate; backward() adds this gradient to {where}")
        return lines
    lines.append(f"local rule of {prim.name}: {prim.rule}")
    for c in step.contributions:
        lines.append(f"sends to {_name(graph, c.parent)}: += {summary(c.grad)}  → total "
                     f"{summary(c.total)} after {c.count} term{'s' if c.count != 1 else ''}")
    if not step.contributions:
        lines.append("no parent requires grad: nothing to send")
    return lines


def _write_frames(folder: Path, svgs: list[str]) -> list[Path]:
    """frame_000.svg, ... written atomically; stale frames of a longer earlier replay removed."""
    folder.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(len(svgs) - 1)))
    paths = [write_atomic(folder / f"frame_{k:0{width}d}.svg", svg.encode("utf-8"))
             for k, svg in enumerate(svgs)]
    keep = {p.name for p in paths}
    for old in sorted(folder.iterdir()):
        if _FRAME_NAME.fullmatch(old.name) and old.name not in keep:
            old.unlink()
    return paths


def _inline_svg(svg: str) -> str:
    """The <svg> element alone: no XML prolog, doctype or comments."""
    start = svg.find("<svg")
    return re.sub(r"<!--.*?-->", "", svg[start:], flags=re.DOTALL).strip()


_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; background: #fafafa; }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ddd;
         padding: 8px 16px; display: flex; gap: 12px; align-items: center; }
button { font-size: 15px; padding: 4px 14px; }
input[type=range] { flex: 1; }
pre { margin: 12px 16px; font-size: 14px; white-space: pre-wrap; }
.svg { padding: 0 16px 16px; overflow: auto; }
.svg svg { max-width: 100%; height: auto; }
"""

_SCRIPT = """
const frames = Array.from(document.querySelectorAll('.frame'));
const counter = document.getElementById('counter');
const slider = document.getElementById('slider');
let current = 0;
function show(k) {
  current = Math.max(0, Math.min(frames.length - 1, k));
  frames.forEach((f, j) => { f.hidden = j !== current; });
  counter.textContent = 'step ' + (current + 1) + ' / ' + frames.length;
  slider.value = current;
}
document.getElementById('prev').onclick = () => show(current - 1);
document.getElementById('next').onclick = () => show(current + 1);
slider.oninput = () => show(Number(slider.value));
document.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowRight' || e.key === ' ') { show(current + 1); e.preventDefault(); }
  if (e.key === 'ArrowLeft') { show(current - 1); e.preventDefault(); }
  if (e.key === 'Home') show(0);
  if (e.key === 'End') show(frames.length - 1);
});
show(0);
"""


def _html_page(svgs: list[str], texts: list[str], title: str) -> str:
    """One self-contained page: every frame's SVG inline, Prev/Next buttons and arrow keys."""
    frames = "\n".join(
        f'<section class="frame" data-step="{k + 1}"{" hidden" if k else ""}>'
        f"<pre>{html.escape(text)}</pre><div class=\"svg\">{_inline_svg(svg)}</div></section>"
        for k, (svg, text) in enumerate(zip(svgs, texts)))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Backward replay: {html.escape(title)}</title><style>{_STYLE}</style></head>"
        "<body><header><button id=\"prev\">◀ Prev</button><button id=\"next\">Next ▶</button>"
        f"<span id=\"counter\"></span><input id=\"slider\" type=\"range\" min=\"0\" "
        f"max=\"{len(svgs) - 1}\" value=\"0\"><span>keys: ← →</span></header>\n"
        f"{frames}\n<script>{_SCRIPT}</script></body></html>\n"
    )
