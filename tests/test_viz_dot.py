"""draw_graph's DOT text, checked structurally: nodes, edges, labels, styles, clusters."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

pytest.importorskip("graphviz", reason="graphviz (the Python package) is the viz extra")

from viz_fixtures import lecture_network  # noqa: E402

import autograd_mini as am  # noqa: E402
from autograd_mini.scope import recording_scopes  # noqa: E402
from autograd_mini.viz.dot import draw_graph  # noqa: E402
from autograd_mini.viz.scopes import trace  # noqa: E402

NODE = re.compile(r"^\t+(\w+) \[(.*)\]$", re.M)
EDGE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)


def nodes(source: str) -> dict[str, str]:
    """node name -> its attribute text."""
    return {name: attrs for name, attrs in NODE.findall(source) if name not in ("node", "edge")}


def edges(source: str) -> list[tuple[str, str, str]]:
    return EDGE.findall(source)


def test_one_box_per_tensor_one_ellipse_per_op_and_edges_in_argument_order() -> None:
    C, names = lecture_network()
    source = draw_graph(C, names=names).source
    found = nodes(source)
    values = [n for n in found if n.startswith("v")]
    ops = [n for n in found if n.startswith("op")]
    constants = [n for n in found if n.startswith("c")]
    assert len(values) == 15 and len(ops) == 9 and constants == ["c14_0"]  # ½ drawn at its use
    assert all("shape=ellipse" in found[o] for o in ops)
    # Every op has one edge per argument in (six binary, three unary ops) and one edge out.
    assert len(edges(source)) == 2 * 6 + 3 + 9
    assert ("v0", "op2") in [(a, b) for a, b, _ in edges(source)]  # w1 -> mul
    labels = {(a, b): attrs for a, b, attrs in edges(source)}
    assert "label=a" in labels[("v0", "op2")] and "label=b" in labels[("v1", "op2")]


def test_labels_show_names_shapes_values_gradients_and_rules() -> None:
    C, names = lecture_network()
    source = draw_graph(C, names=names).source
    for name in ("w1", "b1", "w2", "b2", "h", "y", "C"):
        assert f"<B>{name}</B>" in source
    assert "() float64" in source
    assert "data 0.8" in source  # w1's value
    assert "∂/∂a = g·b,  ∂/∂b = g·a" in source  # mul's rule
    assert "∂/∂a = g·σ(a)(1 − σ(a))" in source
    assert "exponent=2" in source
    C_grads = names["C"]
    w1 = names["w1"]
    expected = am.grad(C_grads, [w1], retain_graph=True)[0].item()
    assert f"grad {expected:.4g}" in source


def test_kinds_are_visibly_distinct() -> None:
    C, names = lecture_network()
    found = nodes(draw_graph(C, names=names).source)
    leaf, constant, intermediate, root = found["v0"], found["v1"], found["v2"], found["v14"]
    assert "#dae8fc" in leaf and "rounded,filled" in leaf
    assert "dashed" in constant
    assert 'fillcolor="#ffffff"' in intermediate and "peripheries" not in intermediate
    assert "peripheries=2" in root and "#f8cecc" in root
    assert len({leaf, constant, intermediate, root}) == 4


def test_edge_colour_and_width_grow_with_gradient_magnitude() -> None:
    a = am.tensor(1.0, requires_grad=True)
    b = a * 1e-6
    c = b * 1e-6  # ∂c/∂c = 1, ∂c/∂b = 1e-6, ∂c/∂a = 1e-12
    found = {(s, t): attrs for s, t, attrs in edges(draw_graph(c).source)}

    def width(edge: tuple[str, str]) -> float:
        return float(re.search(r"penwidth=([\d.]+)", found[edge]).group(1))

    def colour(edge: tuple[str, str]) -> str:
        return re.search(r'color="(#\w+)"', found[edge]).group(1)

    assert width(("v0", "op1")) < width(("v1", "op2")) < width(("op2", "v2"))
    assert colour(("v0", "op1")) == "#d9d9d9"  # palest: the vanishing end
    assert colour(("op2", "v2")) == "#7f0000"  # darkest: the largest gradient


def test_vanishing_parameter_gradients_are_flagged_in_the_title() -> None:
    w_small = am.tensor(1.0, requires_grad=True)
    w_big = am.tensor(1.0, requires_grad=True)
    out = w_small * 1e-7 + w_big * 10.0
    source = draw_graph(out, names={"w_small": w_small, "w_big": w_big},
                        model=_Params(w_small, w_big)).source
    assert "orders of magnitude" in source and "w_small" in source


class _Params:
    def __init__(self, *tensors: am.Tensor) -> None:
        self.tensors = tensors

    def named_parameters(self):
        return [(f"p{i}", t) for i, t in enumerate(self.tensors)]


def test_show_data_and_show_grad_switch_rows_off() -> None:
    C, names = lecture_network()
    source = draw_graph(C, names=names, show_data=False, show_grad=False).source
    assert "data " not in source and "grad " not in source
    assert "<B>w1</B>" in source


def test_drawing_after_backward_shows_the_whole_graph_with_gradients() -> None:
    C, names = lecture_network()
    before = draw_graph(C, names=names).source
    C.backward()
    after = draw_graph(C, names=names).source
    assert after == before  # same nodes, values and (replayed) gradients as before backward


def test_output_is_deterministic() -> None:
    first = draw_graph(lecture_network()[0]).source
    second = draw_graph(lecture_network()[0]).source
    assert first == second
    assert "0x" not in first  # no id()-based names


def test_hundred_thousand_node_chain_is_truncated_with_a_marker_without_recursion() -> None:
    x = am.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.00001
        y = y + 0.5
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # nothing may recurse along the chain
    try:
        source = draw_graph(y, max_nodes=100).source
    finally:
        sys.setrecursionlimit(limit)
    found = nodes(source)
    assert len([n for n in found if n.startswith("v")]) == 100
    assert "… 99,901 more nodes (max_nodes=100)" in source
    assert ("more", "op100000") not in edges(source)
    assert [(a, b) for a, b, _ in edges(source) if a == "more"] == [("more", "op99901")]
    assert "grad 1" in source  # gradients were still computed along the whole chain


def test_module_calls_become_clusters_titled_by_path_and_class() -> None:
    nn = pytest.importorskip("nn")
    model = nn.Sequential(nn.Linear(4, 3, rng=0), nn.ReLU(), nn.Linear(3, 2, rng=1))
    X = am.tensor(np.random.default_rng(0).standard_normal((5, 4)))
    loss, calls = trace(lambda: am.cross_entropy(model(X), np.array([0, 1, 0, 1, 1])))
    source = draw_graph(loss, model=model, calls=calls).source
    titles = re.findall(r'subgraph cluster_\d+ \{\n\t+.*label=("[^"]+"|\w+) ', source)
    assert sorted(t.strip('"') for t in titles) == [
        "0 (Linear)", "1 (ReLU)", "2 (Linear)", "Sequential"]
    assert "<B>0.weight</B>" in source and "<B>2.bias</B>" in source
    # Clusters nest: the Sequential frame contains the three layer clusters.
    outer = source.index("label=Sequential")
    assert all(source.index(f"label=\"{t}\"") > outer for t in ("0 (Linear)", "2 (Linear)"))


def test_drawing_inside_recording_scopes_picks_up_the_calls() -> None:
    nn = pytest.importorskip("nn")
    layer = nn.Linear(2, 2, rng=0)
    with recording_scopes():
        out = layer(am.tensor([[1.0, 2.0]])).sum()
        source = draw_graph(out, model=layer).source
    assert "subgraph cluster_0" in source and "Linear" in source


def test_collapsed_modules_draw_one_box_per_layer_for_a_784_256_128_10_mlp() -> None:
    nn = pytest.importorskip("nn")
    model = nn.Sequential(nn.Linear(784, 256, rng=0), nn.ReLU(), nn.Linear(256, 128, rng=1),
                          nn.ReLU(), nn.Linear(128, 10, rng=2))
    rng = np.random.default_rng(0)
    X = am.tensor(rng.standard_normal((8, 784)).astype(np.float32))
    loss, calls = trace(lambda: nn.CrossEntropyLoss()(model(X), rng.integers(0, 10, 8)))
    dot = draw_graph(loss, model=model, calls=calls, collapse_modules=True,
                     names={"X": X, "loss": loss})
    found = nodes(dot.source)
    boxes = [n for n in found if n.startswith("m")]
    assert len(boxes) == 6  # three Linear, two ReLU, the loss module
    assert len(found) == 7  # + X; the root is the loss box's output: fits on one screen
    assert "CrossEntropyLoss" in found["m6"] and "out 2.3" in found["m6"]
    assert "rankdir=TB" in dot.source
    assert "0 (Linear)" in dot.source and "in (8, 784) → out (8, 256) float32" in dot.source
    assert "0.weight (784, 256) · grad rms" in dot.source
    # The chain of boxes is connected in order.
    chain = [(a, b) for a, b, _ in edges(dot.source) if a.startswith("m") and b.startswith("m")]
    assert chain == [("m0", "m1"), ("m1", "m2"), ("m2", "m3"), ("m3", "m4"), ("m4", "m6")]


def test_collapse_depth_keeps_outer_frames() -> None:
    nn = pytest.importorskip("nn")
    inner = nn.Sequential(nn.Linear(2, 2, rng=0), nn.Tanh())
    model = nn.Sequential(inner, nn.Linear(2, 1, rng=1))
    out, calls = trace(lambda: model(am.tensor([[1.0, -1.0]])).sum())
    source = draw_graph(out, model=model, calls=calls, collapse_modules=1).source
    boxes = [n for n in nodes(source) if n.startswith("m")]
    assert len(boxes) == 2  # `0` (the inner Sequential) and `1` (Linear)
    assert "subgraph cluster_" in source  # the outer Sequential frame stays


def test_rejects_non_tensor_root() -> None:
    with pytest.raises(TypeError, match="Tensor"):
        draw_graph([1.0, 2.0])
