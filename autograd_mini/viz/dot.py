"""draw_graph: the recorded graph as an annotated graphviz.Digraph (values, gradients, rules).

Value nodes are boxes (parameters gold, inputs blue, constants dashed, the root red with a
double border), op nodes are grey ellipses naming the op and its local derivative rule. Edges
and gradient cells are coloured on a log scale of |grad|, so vanishing and exploding gradients
stand out. Module calls become clusters, or single boxes with `collapse_modules`.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import scope
from ..tensor import Tensor
from .checks import accumulated, gradient_warnings
from .format import GradientScale, magnitude, number, shape_text, summary, text_colour_on
from .graph import (
    CONSTANT,
    INTERMEDIATE,
    LEAF,
    PARAMETER,
    ROOT,
    Graph,
    collect_graph,
    compute_gradients,
)
from .layout import COLLAPSE_ABOVE, check_rankdir, choose_rankdir
from .naming import name_root, short_name
from .render import digraph_class
from .scopes import Cluster, active_calls, collapsed_clusters, module_clusters

if TYPE_CHECKING:
    import graphviz

FONT = "Helvetica"
NODE_STYLE: dict[str, dict[str, str]] = {
    PARAMETER: {"style": "rounded,filled,bold", "fillcolor": "#fff2cc", "color": "#b58900"},
    LEAF: {"style": "rounded,filled", "fillcolor": "#dae8fc", "color": "#6c8ebf"},
    CONSTANT: {"style": "rounded,dashed", "fillcolor": "#ffffff", "color": "#999999",
               "fontcolor": "#555555"},
    INTERMEDIATE: {"style": "filled", "fillcolor": "#ffffff", "color": "#444444"},
    ROOT: {"style": "filled,bold", "fillcolor": "#f8cecc", "color": "#b85450",
           "peripheries": "2"},
}
OP_STYLE = {"shape": "ellipse", "style": "filled", "fillcolor": "#eeeeee", "color": "#888888",
            "margin": "0.05,0.02"}
MODULE_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "#e1d5e7",
                "color": "#9673a6"}
CLUSTER_FILLS = ("#f7f2fb", "#efe6f6")
HIGHLIGHT = "#1f77b4"  # replay: the node being processed and the edges its gradient flows along
DEFAULT_MAX_NODES = 300
TITLE_WIDTH = 100  # characters per line of the title and notes, so they never set the width


@dataclass
class View:
    """What to show and how: options, gradients and (for backward replay) per-frame marks."""

    show_data: bool = True
    show_grad: bool = True
    rankdir: str = "TB"
    legend: bool = True
    title: list[str] = field(default_factory=list)
    grads: dict[int, np.ndarray] = field(default_factory=dict)
    grad_notes: dict[int, str] = field(default_factory=dict)  # shown after (or instead of) grad
    stale: dict[int, np.ndarray] = field(default_factory=dict)
    scale: GradientScale | None = None
    current: int | None = None  # highlighted node (replay)
    edge_notes: dict[tuple[int, int], str] = field(default_factory=dict)  # (consumer, arg)
    edge_highlight: set[tuple[int, int]] = field(default_factory=set)
    marks: dict[int, str] = field(default_factory=dict)  # node -> border colour (replay)


def draw_graph(
    root: Tensor,
    *,
    show_data: bool = True,
    show_grad: bool = True,
    names: Mapping[str, Any] | None = None,
    model: Any = None,
    calls: Sequence[scope.ScopeCall] | None = None,
    collapse_modules: bool | int | None = None,
    rankdir: str | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    grad_output: Any = None,
    legend: bool = True,
    title: str | None = None,
) -> graphviz.Digraph:
    """Draw the graph behind `root` as an unrendered graphviz.Digraph (`.source`, `.render()`).

    names: label tensors, e.g. `names=locals()`; model: label parameters by their paths
    (`layers.0.weight`) and module clusters; calls: module calls from `trace()` or
    `recording_scopes()` (taken from an enclosing `recording_scopes()` block by default);
    collapse_modules: True draws each innermost module call as one box (an int d collapses calls
    at nesting depth d); None (the default) collapses when module calls are known and more than
    30 tensors would be drawn; rankdir: "TB" (top to bottom) or "LR" (left to right); None (the
    default) picks TB unless the graph is wider than deep, so the drawing stays narrow;
    max_nodes: draw only the nodes nearest the root, with a marker for the rest; grad_output:
    the seed gradient when `root` is not a scalar; legend: show the colour key; title: replaces
    the default first line. An unnamed root is called "loss" (a scalar) or "output".
    """
    check_rankdir(rankdir, "draw_graph")
    graph = collect_graph(root, names=names, model=model)
    name_root(graph)
    shown = graph.nearest(max_nodes)
    recorded = calls if calls is not None else active_calls()
    clusters = module_clusters(graph, recorded, model)
    if collapse_modules is None:
        drawn = sum(1 for i in shown if not graph.nodes[i].inline)
        if clusters and drawn > COLLAPSE_ABOVE:
            collapse_modules = True  # else None: only the `draw_as_box` modules are boxes
    elif collapse_modules is not False and not clusters:
        raise ValueError(_no_calls_message(collapse_modules, recorded))
    collapsed = collapsed_clusters(clusters, collapse_modules)
    if collapsed:  # a box counts once towards max_nodes: choose the nodes again
        box_of = {m: collapsed[c.index] for c in clusters if c.index in collapsed
                  for m in c.members}
        shown = graph.nearest(max_nodes, box_of)
    if rankdir is None:
        rankdir = choose_rankdir(graph, shown, collapsed=bool(collapsed))
    view = View(show_data=show_data, show_grad=show_grad, rankdir=rankdir, legend=legend)
    notes: list[str] = []
    if show_grad:
        gradients = compute_gradients(graph, shown, grad_output)
        view.grads, view.stale = gradients.values, gradients.stale
        if gradients.note:
            notes.append(gradients.note)
        elif gradients.computed:
            notes.append(f"grad = ∂{graph.root.label}/∂(node), computed for every "
                         "node without retain_grad() and without touching .grad")
        view.stale = accumulated(graph, view.stale, view.grads)
        view.scale = GradientScale(magnitude(g) for g in view.grads.values())
        notes.extend(gradient_warnings(graph, view.grads))
    view.title = [title or _default_title(graph)] + notes
    return build_digraph(graph, shown, clusters, collapsed, view, max_nodes)


def _no_calls_message(collapse: bool | int, recorded: Sequence[scope.ScopeCall] | None) -> str:
    found = ("no module calls were recorded" if not recorded else
             f"none of the {len(recorded)} recorded module calls made a tensor of this graph")
    return (f"draw_graph: collapse_modules={collapse!r} needs the module calls that built the "
            f"graph, but {found}. Run the forward pass inside trace(): `loss, calls = "
            "trace(lambda: loss_fn(model(X), y))`, then draw_graph(loss, model=model, "
            "calls=calls, collapse_modules=True)")


def _default_title(graph: Graph) -> str:
    root = graph.root
    op = f" = {root.primitive.name}(…)" if root.primitive is not None else ""
    return (f"{short_name(graph, root.index)}{op}: {shape_text(root.tensor.shape)} "
            f"{root.tensor.dtype} = {summary(root.tensor.data)}  ·  {len(graph.nodes)} tensors")


def build_digraph(graph: Graph, shown: Sequence[int], clusters: list[Cluster],
                  collapsed: dict[int, int], view: View, max_nodes: int | None = None) -> Any:
    """Lay out nodes, clusters and edges of `graph` into a Digraph (deterministic DOT text)."""
    return _Layout(graph, shown, clusters, collapsed, view, max_nodes).digraph()


Statement = tuple[str, str, dict[str, str]]  # node name, label, attributes


class _Layout:
    """One drawing: node statements per cluster ("bucket"), rank groups and edges."""

    def __init__(self, graph: Graph, shown: Sequence[int], clusters: list[Cluster],
                 collapsed: dict[int, int], view: View, max_nodes: int | None) -> None:
        self.graph, self.clusters, self.collapsed, self.view = graph, clusters, collapsed, view
        self.max_nodes = max_nodes
        self.shown = list(shown)
        self.shown_set = set(shown)
        self.owner = {m: c.index for c in clusters for m in c.members}
        self.drawn = [i for i in shown if not graph.nodes[i].inline]
        self.box_of = {i: collapsed[self.owner[i]] for i in self.drawn
                       if self.owner.get(i) in collapsed}
        self.buckets: dict[int | None, list[Statement]] = {None: []}
        self.rank_groups: dict[int | None, dict[str, list[str]]] = {}
        self.edges: dict[tuple[str, str], dict[str, str]] = {}

    def digraph(self) -> Any:
        Digraph = digraph_class()
        dot = Digraph(name="autograd_mini")
        dot.attr(rankdir=self.view.rankdir, fontname=FONT, fontsize="12", labelloc="t",
                 labeljust="l", nodesep="0.25", ranksep="0.35")
        dot.attr("node", fontname=FONT, fontsize="10", shape="box", margin="0.08,0.04")
        dot.attr("edge", fontname=FONT, fontsize="8", arrowsize="0.6", color="#555555")
        dot.attr(label=_graph_label(self.view))
        self._nodes()
        self._edges()
        self._emit(dot, Digraph)
        for (source, target), attrs in self.edges.items():
            dot.edge(source, target, **attrs)
        return dot

    def bucket_of(self, i: int) -> int | None:
        """The cluster a node is drawn in: its module call, or the frame around its box."""
        cluster = self.owner.get(i)
        if cluster is None:
            return None
        top = self.collapsed.get(cluster)
        return cluster if top is None else self.clusters[top].parent

    def add(self, bucket: int | None, name: str, label: str, attrs: dict[str, str]) -> None:
        self.buckets.setdefault(bucket, []).append((name, label, attrs))

    def rep(self, i: int) -> str:
        """The drawn node that stands for value i: its own box, or its module's box."""
        return f"m{self.box_of[i]}" if i in self.box_of else f"v{i}"

    def op_rep(self, i: int) -> str:
        return f"m{self.box_of[i]}" if i in self.box_of else f"op{i}"

    def _nodes(self) -> None:
        graph, view = self.graph, self.view
        for i in self.drawn:
            if i in self.box_of:
                continue
            node = graph.nodes[i]
            self.add(self.bucket_of(i), f"v{i}", _value_label(graph, i, view),
                     _value_attrs(node, view))
            if node.primitive is not None:
                self.add(self.bucket_of(i), f"op{i}", _op_label(node), _op_attrs(node, view))
        for top in sorted(set(self.box_of.values())):
            members = sorted(i for i, b in self.box_of.items() if b == top)
            cluster = self.clusters[top]
            attrs = _module_attrs(cluster, view)
            if graph.root_index in members:
                attrs["peripheries"] = "2"  # the box that holds the root (usually the loss)
            self.add(cluster.parent, f"m{top}", _module_label(graph, cluster, members, view),
                     attrs)
        # Left to right, a leaf used by one op only sits beside that op (same rank), so weights,
        # biases and inputs stay next to the layer using them instead of drifting to the first
        # rank. Top to bottom they already sit just above their op, and forcing the same rank
        # would route their edges around the clusters.
        for i in self.drawn:
            node = graph.nodes[i]
            users = [c for c, _ in graph.consumers[i] if c in self.shown_set]
            if (view.rankdir in ("LR", "RL") and node.primitive is None
                    and i not in self.box_of and len(set(users)) == 1
                    and users[0] not in self.box_of
                    and self.bucket_of(users[0]) == self.bucket_of(i)):
                groups = self.rank_groups.setdefault(self.bucket_of(i), {})
                groups.setdefault(f"op{users[0]}", []).append(f"v{i}")

    def _edges(self) -> None:
        graph, view = self.graph, self.view
        hidden_consumers: list[int] = []
        for i in self.shown:
            node = graph.nodes[i]
            if node.inline or node.primitive is None:
                continue
            target = self.op_rep(i)
            arg_names = () if i in self.box_of else _arg_names(node)
            for position, p in enumerate(node.parents):
                parent = graph.nodes[p]
                if parent.inline:
                    if i in self.box_of:
                        continue
                    source = f"c{i}_{position}"
                    self.add(self.bucket_of(i), source, html_text(summary(parent.tensor.data)),
                             {"shape": "plaintext", "fontcolor": "#555555", "fontsize": "9"})
                elif p not in self.shown_set:
                    if i not in hidden_consumers:
                        hidden_consumers.append(i)
                    continue
                else:
                    source = self.rep(p)
                if source == target or (source, target) in self.edges:
                    continue
                self.edges[(source, target)] = _edge_attrs(p, (i, position), arg_names,
                                                           position, view)
            if i not in self.box_of:
                self.edges[(target, f"v{i}")] = _edge_attrs(i, None, (), 0, view)
        hidden = len(graph.nodes) - len(self.drawn) - sum(
            1 for n in graph.nodes if n.inline and any(
                c in self.shown_set for c, _ in graph.consumers[n.index]))
        if hidden_consumers and hidden > 0:
            limit = f" (max_nodes={self.max_nodes})" if self.max_nodes is not None else ""
            self.add(None, "more", html_text(f"… {hidden:,} more nodes{limit}"),
                     {"shape": "note", "style": "dashed", "color": "#777777",
                      "fontcolor": "#333333"})
            for i in hidden_consumers:
                self.edges.setdefault(("more", self.op_rep(i)),
                                      {"style": "dashed", "color": "#999999"})

    def _emit(self, dot: Any, Digraph: Any) -> None:
        """Nodes into their clusters, then clusters into their parents, deepest first."""
        clusters = self.clusters
        wanted: set[int] = set()
        for c in self.buckets:
            while c is not None and c not in wanted:
                wanted.add(c)
                c = clusters[c].parent
        graphs = {None: dot}
        for c in sorted(wanted):
            cluster = clusters[c]
            sub = Digraph(name=f"cluster_{c}")
            sub.attr(label=cluster.title, style="rounded,filled",
                     fillcolor=CLUSTER_FILLS[cluster.depth % 2], color="#9673a6",
                     fontcolor="#5b3a75", fontsize="11", labeljust="l")
            graphs[c] = sub
        for bucket, graph in graphs.items():
            for name, label, attrs in self.buckets.get(bucket, ()):
                graph.node(name, label, **attrs)
            for op, leaves in self.rank_groups.get(bucket, {}).items():
                same = Digraph()
                same.attr(rank="same")
                for name in (op, *leaves):
                    same.node(name)
                graph.subgraph(same)
        for c in sorted(wanted, key=lambda c: (-clusters[c].depth, c)):
            graphs[clusters[c].parent].subgraph(graphs[c])


def html_text(text: str) -> str:
    """An HTML-like graphviz label holding plain text."""
    return f"<{html.escape(text, quote=False)}>"


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _small(text: str, colour: str = "#555555", size: int = 9) -> str:
    return f'<FONT POINT-SIZE="{size}" COLOR="{colour}">{_esc(text)}</FONT>'


def _row(content: str, bgcolor: str | None = None) -> str:
    bg = f' BGCOLOR="{bgcolor}"' if bgcolor else ""
    return f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"{bg}>{content}</TD></TR>'


def _table(rows: list[str]) -> str:
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>>")


KIND_WORDS = {PARAMETER: "parameter", LEAF: "leaf", CONSTANT: "constant", ROOT: "root",
              INTERMEDIATE: ""}


def _value_label(graph: Graph, i: int, view: View) -> str:
    node = graph.nodes[i]
    t = node.tensor
    header = f"#{i} {KIND_WORDS[node.kind]}".rstrip()
    if node.label:
        rows = [_row(f"<B>{_esc(node.label)}</B>  {_small(header)}")]
    else:
        rows = [_row(_small(header))]
    rows.append(_row(_small(f"{shape_text(t.shape)} {t.dtype}")))
    if view.show_data:
        rows.append(_row(_esc("data " + summary(t.data))))
    if view.show_grad:
        rows.extend(_grad_rows(i, view))
    return _table(rows)


def _grad_rows(i: int, view: View) -> list[str]:
    rows = []
    note = view.grad_notes.get(i)
    g = view.grads.get(i)
    if g is not None:
        text = "grad " + summary(g) + (f"  {note}" if note else "")
        colour = view.scale.colour(magnitude(g)) if view.scale else None
        content = _esc(text)
        if colour:
            content = f'<FONT COLOR="{text_colour_on(colour)}">{content}</FONT>'
        rows.append(_row(content, colour))
    elif note:
        rows.append(_row(_small("grad " + note, "#777777")))
    stale = view.stale.get(i)
    if stale is not None:
        rows.append(_row(_small(f".grad holds {summary(stale)}: accumulated over several "
                                "backward() calls? (zero_grad)", "#b35806")))
    return rows


def _value_attrs(node: Any, view: View) -> dict[str, str]:
    attrs = {"shape": "box", **NODE_STYLE[node.kind]}
    border = view.marks.get(node.index)
    if border:
        attrs.update(color=border, penwidth="3")
    if view.current == node.index:
        attrs.update(color=HIGHLIGHT, penwidth="3", fillcolor="#d6e9f8")
    return attrs


def _params_text(params: dict[str, Any]) -> str:
    parts = []
    for key, value in params.items():
        if value is None or value is False or key.startswith("_"):  # _x: a cache, not math
            continue
        if isinstance(value, np.ndarray):
            parts.append(f"{key} {shape_text(value.shape)}")
        else:
            text = repr(value) if not isinstance(value, float) else number(value)
            parts.append(f"{key}={text if len(text) <= 24 else text[:23] + '…'}")
    return ", ".join(parts)


def _op_label(node: Any) -> str:
    prim = node.primitive
    params = _params_text(node.params)
    title = f"<B>{_esc(prim.name)}</B>" + (f" {_small(params, '#333333')}" if params else "")
    rule = prim.rule
    return f"<{title}<BR/>{_small(rule, '#333333')}>"


def _op_attrs(node: Any, view: View) -> dict[str, str]:
    attrs = dict(OP_STYLE)
    if view.current == node.index:
        attrs.update(color=HIGHLIGHT, penwidth="3", fillcolor="#d6e9f8")
    return attrs


def _arg_names(node: Any) -> tuple[str, ...]:
    """Argument names as the rule writes them (a, b; x, W, b), so edges match the formula."""
    count = len(node.parents)
    if count < 2:
        return ()
    names = re.findall(r"∂/∂(\S+?)\s*=", node.primitive.rule)
    if len(names) == count:
        return tuple(names)
    base = names[0].rstrip("ᵢ") if names else "in"
    return tuple(f"{base}{k}" for k in range(count))


def _edge_attrs(value: int, slot: tuple[int, int] | None, arg_names: tuple[str, ...],
                position: int, view: View) -> dict[str, str]:
    """An edge coloured by the gradient of the value at its tail, labelled with the argument."""
    attrs: dict[str, str] = {}
    label = arg_names[position] if arg_names else ""
    note = view.edge_notes.get(slot) if slot is not None else None
    if note:
        label = f"{label}: {note}" if label else note
    if label:
        attrs["label"] = label
    g = view.grads.get(value)
    if view.scale is not None and g is not None:
        m = magnitude(g)
        attrs.update(color=view.scale.colour(m), penwidth=str(view.scale.penwidth(m)))
    elif view.scale is not None and view.show_grad:
        attrs["color"] = "#9e9e9e"
    if slot is not None and slot in view.edge_highlight:
        attrs.update(color=HIGHLIGHT, penwidth="3", fontcolor=HIGHLIGHT)
    return attrs


def _module_label(graph: Graph, cluster: Cluster, members: list[int], view: View) -> str:
    def shapes(indices: list[int]) -> str:
        return ", ".join(shape_text(graph.nodes[i].tensor.shape) for i in indices) or "()"

    outputs = [i for i in cluster.outputs if i in members] or members[-1:]
    dtype = graph.nodes[outputs[0]].tensor.dtype
    rows = [_row(f"<B>{_esc(cluster.title)}</B>")]
    if cluster.summary:  # the module's options: "8, 16, num_layers=2, …"
        options = cluster.summary if len(cluster.summary) <= 60 else cluster.summary[:59] + "…"
        rows.append(_row(_small(f"({options})", "#333333")))
    # The input's shape even when it is a constant the graph does not hold (the images)
    inputs = ", ".join(map(shape_text, cluster.input_shapes)) or shapes(cluster.inputs)
    rows.append(_row(_small(f"in {inputs} → out {shapes(outputs)} {dtype}")))
    for i in members:
        node = graph.nodes[i]
        if node.kind != PARAMETER and not (node.kind == LEAF and node.label):
            continue
        text = f"{node.label or '#' + str(i)} {shape_text(node.tensor.shape)}"
        g = view.grads.get(i) if view.show_grad else None
        if g is not None:
            text += f" · grad rms {number(magnitude(g))}"
        rows.append(_row(_small(text, "#333333")))
    ops = sorted({graph.nodes[i].primitive.name for i in members
                  if graph.nodes[i].primitive is not None})
    count = f"{len(members)} tensor{'s' if len(members) != 1 else ''}"
    rows.append(_row(_small(f"{count} · ops: {', '.join(ops) or '—'}")))
    if view.show_data:
        rows.append(_row(_esc("out " + summary(graph.nodes[outputs[0]].tensor.data))))
    if view.show_grad:
        rows.extend(_grad_rows(outputs[0], view))
    return _table(rows)


def _module_attrs(cluster: Cluster, view: View) -> dict[str, str]:
    attrs = dict(MODULE_STYLE)
    g = view.grads.get(cluster.outputs[0])
    if view.scale is not None and g is not None:
        attrs["penwidth"] = str(view.scale.penwidth(magnitude(g)))
    return attrs


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(text, TITLE_WIDTH, break_long_words=False) or [""]


def _legend_row(cells: list[str]) -> str:
    return ('<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" '
            f'CELLPADDING="2"><TR>{"".join(cells)}</TR></TABLE></TD></TR>')


def _graph_label(view: View) -> str:
    # Long titles and notes wrap, and the legend takes two rows: a top-to-bottom drawing is
    # narrow, and its title must not make it wide again.
    rows = [_row(f"<B>{_esc(line)}</B>") for line in _wrapped(view.title[0])] if view.title else []
    rows += [_row(_esc(line)) for note in view.title[1:] for line in _wrapped(note)]
    if view.legend:
        cells = [f'<TD BGCOLOR="{NODE_STYLE[k]["fillcolor"]}">{word}</TD>' for k, word in (
            (PARAMETER, "parameter"), (LEAF, "leaf (requires grad)"),
            (CONSTANT, "constant (dashed)"), (INTERMEDIATE, "intermediate"), (ROOT, "root"))]
        cells.append(f'<TD BGCOLOR="{OP_STYLE["fillcolor"]}">op: local rule</TD>')
        rows.append(_legend_row(cells))
        if view.show_grad and view.scale is not None and not view.scale.empty:
            scale = ["<TD BORDER=\"0\">|grad| rms, log scale:</TD>"]
            for m, colour in view.scale.ticks():
                scale.append(f'<TD BGCOLOR="{colour}"><FONT COLOR="{text_colour_on(colour)}">'
                             f"{_esc(f'{m:.0e}')}</FONT></TD>")
            rows.append(_legend_row(scale))
    if not rows:
        return ""
    return '<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"
