"""replay_backward: the reverse topological walk drawn one node at a time.

Each frame shows the node being processed (blue), the gradient that arrives there (complete,
because every consumer came earlier), the local rule of its op, and the terms added to its
parents (green, with `+=` on the edges). Frames go to one self-contained HTML page (see
replay_page.py: step buttons, pan and zoom, the story beside the drawing), or to one SVG file
per frame with the story in its title.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import scope
from ..tensor import Tensor
from .dot import View, build_digraph
from .format import GradientScale, magnitude, number, summary
from .graph import Graph, collect_graph
from .layout import check_rankdir, choose_rankdir
from .naming import name_root, short_name
from .render import explain_missing_dot, write_atomic
from .replay_page import Frame, html_page
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
    rankdir: str | None = None,
    max_frames: int = DEFAULT_MAX_FRAMES,
) -> Path | list[Path]:
    """Write the backward pass of `root` frame by frame: one HTML page, or SVGs in a folder.

    format="html": `path` is the page (returned); format="svg": `path` is a folder that gets
    frame_000.svg, frame_001.svg, ... (returned as a list). One frame per node that requires
    grad. Gradients are computed here from the recorded graph; `.grad` is not touched. Nothing
    is written unless every frame rendered. rankdir: None picks the layout from the graph's
    shape, as draw_graph does. An unnamed root is called "loss" (a scalar) or "output".
    """
    if format not in ("html", "svg"):
        raise ValueError(f"replay_backward: format must be 'html' or 'svg', got {format!r}")
    check_rankdir(rankdir, "replay_backward")
    graph = collect_graph(root, names=names, model=model)
    name_root(graph)
    steps = walk_backward(graph, grad_output)
    if len(steps) > max_frames:
        raise ValueError(
            f"replay_backward: {len(steps)} frames exceed max_frames={max_frames}; replay a "
            "smaller graph, raise max_frames, or use print_graph() for the whole tape")
    clusters = module_clusters(graph, calls if calls is not None else active_calls(), model)
    shown = list(range(len(graph.nodes)))
    if rankdir is None:
        rankdir = choose_rankdir(graph, shown, collapsed=False)
    views = frame_views(graph, steps, show_data=show_data, rankdir=rankdir)
    svgs = []
    with explain_missing_dot():
        for view in views:
            # The page shows the story beside the drawing; a lone SVG frame carries it itself.
            drawn = replace(view, title=[]) if format == "html" else view
            dot = build_digraph(graph, shown, clusters, {}, drawn)
            svgs.append(dot.pipe(format="svg").decode("utf-8"))
    if format == "html":
        frames = [Frame(svg, view.title, _focus(graph, step),
                        [f"v{p}" for p in sorted(view.marks)])
                  for svg, view, step in zip(svgs, views, steps)]
        page = html_page(frames, f"Backward replay: {views[0].title[0]}")
        return write_atomic(path, page.encode("utf-8"))
    return _write_frames(Path(path), svgs)


def _focus(graph: Graph, step: Step) -> list[str]:
    """The drawn nodes of a step's node: its box and, for an op's output, the op's ellipse."""
    i = step.node
    return [f"v{i}"] + ([f"op{i}"] if graph.nodes[i].primitive is not None else [])


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
            view.edge_notes[(step.node, c.position)] = f"+= {_short(c.grad)}"
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


EDGE_NOTE_LIMIT = 24  # characters; longer summaries would widen the drawing at every edge


def _short(grad: np.ndarray) -> str:
    """A term short enough for an edge label: in full, or its rms (the story has the rest)."""
    text = summary(grad)
    return text if len(text) <= EDGE_NOTE_LIMIT else f"rms {number(magnitude(grad))}"


def _name(graph: Graph, i: int) -> str:
    label = graph.nodes[i].label
    return f"#{i} ({label})" if label else f"#{i}"


def _story(graph: Graph, step: Step, k: int, count: int) -> list[str]:
    """The frame's explanation: what arrives, which rule runs, what is sent where."""
    node = graph.nodes[step.node]
    root = short_name(graph, graph.root_index)
    prim = node.primitive
    made_by = f", made by {prim.name}" if prim is not None else ", a leaf"
    lines = [f"Backward step {k + 1} of {count}: node {_name(graph, step.node)}{made_by}"]
    if step.node == graph.root_index:
        lines.append(f"seed: ∂{root}/∂{root} = {summary(step.grad)}")
    else:
        froms = ", ".join(f"#{s}" for s in step.sources)
        plural = "s" if len(step.sources) != 1 else ""
        lines.append(f"gradient arrives: ∂{root}/∂{short_name(graph, step.node)} = "
                     f"{summary(step.grad)}  (sum of {len(step.sources)} term{plural}, "
                     f"from {froms})")
    if prim is None:
        where = f"{node.label}.grad" if node.label else f"#{step.node}.grad"
        lines.append(f"leaf: nothing to propagate; backward() adds this gradient to {where}")
        return lines
    lines.append(f"local rule of {prim.name}: {prim.rule}")
    for c in step.contributions:
        lines.append(f"sends to {short_name(graph, c.parent)}: += {summary(c.grad)}  → total "
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
