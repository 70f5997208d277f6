"""Backward replay: one step per node, gradients equal to the engine's, HTML and SVG frames."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from viz_fixtures import lecture_network

import autograd_mini as am
from autograd_mini.errors import AutogradError
from autograd_mini.viz.graph import collect_graph
from autograd_mini.viz.steps import backward_steps, walk_backward


def test_one_step_per_node_that_requires_grad_in_reverse_order() -> None:
    C, names = lecture_network()
    graph = collect_graph(C, names=names)
    steps = walk_backward(graph)
    needing = [n.index for n in graph.nodes if n.tensor.requires_grad]
    assert len(steps) == len(needing) == 13
    assert [s.node for s in steps] == sorted(needing, reverse=True)
    assert steps[0].node == graph.root_index and steps[0].grad == 1.0


def test_step_gradients_equal_the_engines() -> None:
    C, names = lecture_network()
    graph = collect_graph(C, names=names)
    steps = walk_backward(graph)
    for name in ("h", "y"):
        names[name].retain_grad()
    C.backward()
    final = {id(graph.nodes[s.node].tensor): s.grad for s in steps}
    for name in ("w1", "b1", "w2", "b2", "h", "y"):
        np.testing.assert_allclose(final[id(names[name])], names[name].grad, rtol=1e-14)


def test_contributions_accumulate_where_a_tensor_is_used_twice() -> None:
    a = am.tensor([1.0, 2.0], requires_grad=True)
    b = a * a  # a is used twice by the same op
    c = (b + a).sum()  # ... and once more here
    steps = backward_steps(c)
    (a_step,) = [s for s in steps if s.node == 0]
    np.testing.assert_allclose(a_step.grad, 2 * a.data + 1)
    terms = [t for s in steps for t in s.contributions if t.parent == 0]
    assert [t.count for t in terms] == [1, 2, 3]
    np.testing.assert_allclose(terms[-1].total, a_step.grad)
    assert a_step.sources == (2, 1, 1)  # from the add (#2), then twice from the mul (#1)


def test_broadcast_gradients_are_summed_back_to_the_parents_shape() -> None:
    w = am.tensor([[1.0, 2.0, 3.0]], requires_grad=True)  # (1, 3)
    x = am.tensor(np.ones((4, 3)))
    out = (x * w).sum()
    (w_step,) = [s for s in backward_steps(out) if s.node == 1]  # x is #0, w #1
    assert w_step.grad.shape == (1, 3)
    np.testing.assert_allclose(w_step.grad, [[4.0, 4.0, 4.0]])


def test_replay_works_after_backward_and_refuses_mutated_and_non_scalar_graphs() -> None:
    C, names = lecture_network()
    C.backward()
    steps = {s.node: s for s in backward_steps(C)}
    assert steps[0].grad == pytest.approx(names["w1"].grad)  # w1 is node #0
    x = am.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AutogradError, match="grad_output"):
        backward_steps(x * 2.0)
    np.testing.assert_allclose(backward_steps(x * 2.0, grad_output=[1.0, 3.0])[-1].grad,
                               [2.0, 6.0])
    v = am.tensor([1.0, 2.0], requires_grad=True)
    leaf = am.tensor([3.0, 4.0])
    y = (v * leaf).sum()
    leaf += 1.0
    with pytest.raises(AutogradError, match="modified in place"):
        backward_steps(y)


needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="the Graphviz `dot` binary is not installed (apt-get install graphviz); CI has it")


@needs_dot
def test_html_page_has_one_frame_per_node_with_buttons_keys_and_the_story(tmp_path: Path) -> None:
    pytest.importorskip("graphviz")
    from autograd_mini.viz.replay import replay_backward

    C, names = lecture_network()
    page = replay_backward(C, tmp_path / "replay.html", names=names)
    text = page.read_text(encoding="utf-8")
    assert text.count('<section class="frame"') == 13 and text.count("<svg") == 13
    assert 'id="prev"' in text and 'id="next"' in text and "ArrowRight" in text
    assert "http" not in re.sub(r'xmlns(:xlink)?="[^"]+"', "", text)  # self-contained
    assert "Backward step 1 of 13: node #14 (C)" in text
    assert "seed: ∂C/∂C = 1" in text
    assert "local rule of sigmoid: ∂/∂a = g·σ(a)(1 − σ(a))" in text
    assert "backward() adds this gradient to w1.grad" in text
    C.backward()  # replay left the graph and every .grad alone
    w1 = names["w1"]
    assert f"∂C/∂w1 = {w1.grad.item():.4g}" in text
    assert text.count("seed: ∂C/∂C = 1") == 1  # the story is told once: beside the drawing


@needs_dot
def test_unnamed_nodes_are_called_loss_and_by_their_op_in_the_story(tmp_path: Path) -> None:
    pytest.importorskip("graphviz")
    from autograd_mini.viz.replay import replay_backward

    x = am.tensor([1.0, 2.0], requires_grad=True)
    text = replay_backward(am.tanh(x * 3.0).sum(), tmp_path / "r.html").read_text("utf-8")
    assert "seed: ∂loss/∂loss = 1" in text and "∂#" not in text
    assert "gradient arrives: ∂loss/∂tanh#2 = " in text and "sends to mul#1: += " in text
    out = replay_backward(am.tanh(x), tmp_path / "o.html", grad_output=[1.0, 1.0])
    assert "seed: ∂output/∂output = [1, 1]" in out.read_text("utf-8")


@needs_dot
def test_svg_frames_are_written_atomically_and_stale_ones_removed(tmp_path: Path) -> None:
    pytest.importorskip("graphviz")
    from autograd_mini.viz.replay import replay_backward

    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "frame_099.svg").write_text("stale")
    (folder / "notes.txt").write_text("kept")
    a = am.tensor(2.0, requires_grad=True)
    paths = replay_backward(am.exp(a * 3.0), folder, format="svg")
    assert [p.name for p in paths] == ["frame_000.svg", "frame_001.svg", "frame_002.svg"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "frame_000.svg", "frame_001.svg", "frame_002.svg", "notes.txt"]
    assert all(p.read_text(encoding="utf-8").rstrip().endswith("</svg>") for p in paths)
    assert "+= " in paths[0].read_text(encoding="utf-8")  # the exp step sends a term


def test_replay_validates_format_and_frame_limit(tmp_path: Path) -> None:
    pytest.importorskip("graphviz")
    from autograd_mini.viz.replay import replay_backward

    C, _ = lecture_network()
    with pytest.raises(ValueError, match="format"):
        replay_backward(C, tmp_path / "x.gif", format="gif")
    with pytest.raises(ValueError, match="max_frames"):
        replay_backward(C, tmp_path / "x.html", max_frames=5)
    assert list(tmp_path.iterdir()) == []  # nothing written


@needs_dot
def test_edge_labels_of_array_terms_stay_short(tmp_path: Path) -> None:
    pytest.importorskip("graphviz")
    from autograd_mini.viz.replay import replay_backward

    x = am.tensor(np.linspace(-1.0, 1.0, 10), requires_grad=True)
    first = replay_backward(am.tanh(x).sum(), tmp_path / "f", format="svg")[1]
    text = first.read_text(encoding="utf-8")
    edges = "".join(re.findall(r'class="edge">.*?</g>', text, re.S))
    assert "+= rms 0." in edges and "+= min" not in edges
    assert "sends to leaf#0: += min 0.42" in text  # the step's story keeps min/mean/max


# What applying the chain rule takes: a VJP call, broadcast reduction, accumulation into .grad,
# seeding a walk of its own, a heap or sort of the graph.
_CHAIN_RULE = re.compile(r"\.vjp\(|sum_to_shape|_reduce_to|_accumulate_grad|heapq|heappush|"
                         r"\._grad\b|topological_order\(")


def test_the_teaching_views_apply_no_chain_rule_of_their_own() -> None:
    """The replay, the terminal view and the gradient monitor observe the engine's walk
    (engine.run_backward with an observer, am.grad) and never re-implement it (issue 11)."""
    package = Path(am.__file__).parent
    views = [package / "viz" / name for name in ("steps.py", "replay.py", "text.py", "dot.py")]
    views.append(package.parent / "nn" / "monitor.py")
    found = [f"{path.name}:{n}: {line.strip()}" for path in views
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if _CHAIN_RULE.search(line)]
    assert not found, "\n".join(found)
