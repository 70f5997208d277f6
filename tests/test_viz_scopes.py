"""Module clusters from recorded calls, with tiny fake modules that report like nn.Module."""

from __future__ import annotations

from typing import Any

import pytest

import autograd_mini as am
from autograd_mini.scope import record_call
from autograd_mini.viz.graph import collect_graph
from autograd_mini.viz.scopes import collapsed_clusters, module_clusters, trace


class Scale:
    """y = w·x, reporting its call the way nn.Module.__call__ does."""

    def __init__(self, w: float) -> None:
        self.w = am.tensor(w, requires_grad=True)

    def __call__(self, x: am.Tensor) -> am.Tensor:
        out = self.w * x
        record_call(self, (x,), out)
        return out


class Block:
    """Two Scales and a tanh: a module with children."""

    def __init__(self) -> None:
        self.first, self.second = Scale(2.0), Scale(0.5)

    def __call__(self, x: am.Tensor) -> am.Tensor:
        out = am.tanh(self.second(self.first(x)))
        record_call(self, (x,), out)
        return out

    def named_modules(self):
        return [("", self), ("first", self.first), ("second", self.second)]

    def named_parameters(self):
        return [("first.w", self.first.w), ("second.w", self.second.w)]


def clusters_of(root: am.Tensor, calls: list, model: Any = None):
    graph = collect_graph(root, model=model)
    return graph, module_clusters(graph, calls, model)


def test_nested_calls_make_nested_clusters_with_paths_and_classes() -> None:
    block = Block()
    x = am.tensor(1.0, requires_grad=True)
    out, calls = trace(lambda: block(x) * 3.0)
    graph, clusters = clusters_of(out, calls, block)
    assert [c.title for c in clusters] == ["first (Scale)", "second (Scale)", "Block"]
    first, second, outer = clusters
    assert first.parent == second.parent == 2 and outer.parent is None
    assert outer.children == [0, 1] and [c.depth for c in clusters] == [1, 1, 0]
    labels = {c.title: sorted(graph.nodes[i].label or f"#{i}" for i in c.members)
              for c in clusters}
    assert labels["first (Scale)"] == ["#2", "first.w"]
    assert labels["second (Scale)"] == ["#4", "second.w"]
    assert labels["Block"] == ["#5"]  # the tanh output; x and the ×3 stay outside
    member_of = {i for c in clusters for i in c.members}
    assert graph.root_index not in member_of and 1 not in member_of  # x is the input


def test_a_module_called_twice_gets_two_numbered_clusters() -> None:
    scale = Scale(1.5)
    x = am.tensor(1.0, requires_grad=True)
    out, calls = trace(lambda: scale(scale(x)))
    _, clusters = clusters_of(out, calls)
    assert [c.title for c in clusters] == ["Scale", "Scale call 2"]
    # The shared weight is drawn once, in the first call's cluster.
    assert sum(1 for c in clusters for i in c.members if i == 0) == 1


def test_tensors_made_before_the_call_are_not_claimed() -> None:
    x = am.tensor(1.0, requires_grad=True)
    earlier = am.exp(x)  # used inside the call through a closure, not as an input
    y = am.tensor(3.0, requires_grad=True) * 1.0

    class UsesClosure(Scale):
        def __call__(self, v: am.Tensor) -> am.Tensor:
            out = self.w * v + earlier
            record_call(self, (v,), out)
            return out

    module = UsesClosure(2.0)
    out, calls = trace(lambda: module(y))
    graph, (cluster,) = clusters_of(out, calls)
    claimed = {id(graph.nodes[i].tensor) for i in cluster.members}
    assert id(earlier) not in claimed and id(module.w) in claimed


def test_calls_whose_output_is_not_in_the_graph_are_ignored() -> None:
    scale = Scale(2.0)
    x = am.tensor(1.0, requires_grad=True)
    _, calls = trace(lambda: scale(x))
    other = x * 2.0
    _, clusters = clusters_of(other, calls)
    assert clusters == []


def test_collapse_true_swallows_innermost_calls_and_int_collapses_a_depth() -> None:
    block = Block()
    out, calls = trace(lambda: block(am.tensor(1.0, requires_grad=True)))
    _, clusters = clusters_of(out, calls, block)
    assert collapsed_clusters(clusters, True) == {0: 0, 1: 1}
    assert collapsed_clusters(clusters, 0) == {2: 2, 0: 2, 1: 2}
    assert collapsed_clusters(clusters, False) == {}


def test_trace_returns_the_result_and_a_copy_of_the_calls() -> None:
    scale = Scale(2.0)
    x = am.tensor(1.0, requires_grad=True)
    result, calls = trace(lambda v: scale(v) + 1.0, x)
    assert result.item() == pytest.approx(3.0)
    assert len(calls) == 1 and calls[0].owner is scale and calls[0].inputs == (x,)


def test_overlapping_traces_in_two_threads_leave_no_recorder_on():
    # Issue 12.12: one process-wide recorder let two overlapping traces in two threads leave
    # recording on forever (every later module call leaked into it).
    import threading

    from autograd_mini import scope

    inside, release = threading.Event(), threading.Event()

    def first() -> None:
        with scope.recording_scopes():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=first)
    worker.start()
    inside.wait(5)
    with scope.recording_scopes() as mine:  # overlaps the other thread's block,
        scope.record_call("owner", (), None)
        release.set()  # which ends first
        worker.join(5)
    assert len(mine) == 1
    assert not scope.is_recording()
    scope.record_call("late", (), None)  # nothing records it
    assert scope.current_calls() is None
