"""The graph model behind drawings: numbering, kinds, labels and gradients of every node."""

from __future__ import annotations

import numpy as np
import pytest
from viz_fixtures import lecture_network

import autograd_mini as am
from autograd_mini.viz.graph import (
    CONSTANT,
    INTERMEDIATE,
    LEAF,
    PARAMETER,
    ROOT,
    collect_graph,
    compute_gradients,
)


def test_nodes_are_numbered_in_recording_order_with_leaves_before_first_use() -> None:
    C, names = lecture_network()
    graph = collect_graph(C, names=names)
    labels = [n.label for n in graph.nodes if not n.inline]
    assert labels == ["w1", "x", None, "b1", "z1", "h", "w2", None, "b2", None, "y", "t",
                      None, None, "C"]
    assert graph.root.label == "C" and graph.root_index == 14
    for node in graph.nodes:  # topological: every parent has a smaller number
        assert all(p < node.index for p in node.parents if not graph.nodes[p].inline)


def test_kinds_tell_parameters_leaves_constants_intermediates_and_root_apart() -> None:
    C, names = lecture_network()
    kinds = {n.label: n.kind for n in collect_graph(C, names=names).nodes if n.label}
    assert kinds == {"w1": LEAF, "b1": LEAF, "w2": LEAF, "b2": LEAF, "x": CONSTANT,
                     "t": CONSTANT, "z1": INTERMEDIATE, "h": INTERMEDIATE, "y": INTERMEDIATE,
                     "C": ROOT}


def test_unnamed_scalar_constants_are_inline_and_numbered_after_the_root() -> None:
    C, names = lecture_network()
    graph = collect_graph(C, names=names)
    inline = [n for n in graph.nodes if n.inline]
    assert [n.tensor.item() for n in inline] == [0.5]
    assert inline[0].index > graph.root_index


def test_parameter_paths_from_a_model_label_and_classify_parameters() -> None:
    class Model:
        def __init__(self) -> None:
            self.w = am.tensor([[1.0, 2.0]], requires_grad=True)

        def named_parameters(self):
            return [("layers.0.weight", self.w)]

    model = Model()
    out = (am.tensor([[3.0], [4.0]]) @ model.w).sum()
    graph = collect_graph(out, model=model)
    (w,) = [n for n in graph.nodes if n.tensor is model.w]
    assert w.label == "layers.0.weight" and w.kind == PARAMETER


def test_names_take_priority_over_parameter_paths_and_tensor_name_slot() -> None:
    a = am.tensor(2.0, requires_grad=True)
    b = am.tensor(3.0, requires_grad=True)
    b.name = "slot_name"
    out = a * b
    graph = collect_graph(out, names={"alpha": a, "_hidden": b})
    assert [n.label for n in graph.nodes] == ["alpha", "slot_name", None]


def test_shared_operand_is_one_node_with_two_edges() -> None:
    a = am.tensor(3.0, requires_grad=True)
    b = a + a
    graph = collect_graph(b)
    assert len(graph.nodes) == 2 and graph.root.parents == (0, 0)
    assert graph.consumers[0] == [(1, 0), (1, 1)]


def test_intermediate_gradients_equal_those_of_retain_grad() -> None:
    C, names = lecture_network()
    graph = collect_graph(C, names=names)
    grads = compute_gradients(graph, range(len(graph.nodes)))
    assert grads.computed and grads.note is None
    for t in (names["z1"], names["h"], names["y"]):
        t.retain_grad()
    C.backward()
    by_tensor = {id(n.tensor): grads.values.get(n.index) for n in graph.nodes}
    for name in ("w1", "b1", "w2", "b2", "z1", "h", "y"):
        t = names[name]
        np.testing.assert_allclose(by_tensor[id(t)], t.grad, rtol=1e-14, atol=0)
    assert by_tensor[id(C)] == 1.0
    assert id(names["x"]) not in {id(graph.nodes[i].tensor) for i in grads.values}


def test_computing_gradients_leaves_grad_untouched_and_graph_reusable() -> None:
    C, names = lecture_network()
    graph = collect_graph(C, names=names)
    compute_gradients(graph, range(len(graph.nodes)))
    assert all(names[k].grad is None for k in ("w1", "b1", "w2", "b2"))
    C.backward()  # the graph was retained: a normal backward still works
    assert names["w1"].grad is not None


def test_after_backward_gradients_are_replayed_from_the_recorded_values() -> None:
    C, names = lecture_network()
    fresh = collect_graph(C, names=names)
    expected = compute_gradients(fresh, range(len(fresh.nodes)))
    C.backward()
    graph = collect_graph(C, names=names)
    assert graph.freed and len(graph.nodes) == len(fresh.nodes)
    grads = compute_gradients(graph, range(len(graph.nodes)))
    assert grads.computed and grads.note is None
    assert grads.values.keys() == expected.values.keys()
    for i, g in expected.values.items():
        np.testing.assert_allclose(grads.values[i], g, rtol=1e-12)
    np.testing.assert_allclose(grads.values[graph.nodes.index(next(
        n for n in graph.nodes if n.label == "w1"))], names["w1"].grad, rtol=1e-12)


def test_after_an_in_place_update_the_drawing_falls_back_to_stored_grad() -> None:
    C, names = lecture_network()
    C.backward()
    with am.no_grad():
        names["w1"] -= 0.1  # an optimizer step: the recorded values are stale now
    grads = compute_gradients(collect_graph(C, names=names), range(3))
    assert not grads.computed and "modified in place" in grads.note


def test_non_scalar_root_needs_grad_output() -> None:
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    graph = collect_graph(y)
    assert "grad_output" in compute_gradients(graph, [0, 1]).note
    seeded = compute_gradients(graph, [0, 1], grad_output=[1.0, 0.5])
    np.testing.assert_allclose(seeded.values[0], [2.0, 2.0])


def test_accumulated_leaf_grad_is_reported_as_stale() -> None:
    w = am.tensor(2.0, requires_grad=True)
    out = w * w
    out.backward(retain_graph=True)
    out.backward(retain_graph=True)  # .grad now holds twice d(out)/dw
    grads = compute_gradients(collect_graph(out), [0, 1])
    assert grads.values[0] == pytest.approx(4.0)
    assert grads.stale[0] == pytest.approx(8.0)


def test_nearest_keeps_the_nodes_closest_to_the_root() -> None:
    x = am.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10):
        y = am.exp(y * 0.1)
    graph = collect_graph(y)
    shown = graph.nearest(5)
    assert len(shown) == 5 and shown[-1] == graph.root_index
    assert shown == sorted(shown) and 0 not in shown
    assert graph.nearest(None) == list(range(len(graph.nodes)))
    with pytest.raises(ValueError, match="max_nodes"):
        graph.nearest(0)


def test_collect_rejects_non_tensors() -> None:
    with pytest.raises(TypeError, match="Tensor"):
        collect_graph(np.ones(3))
