"""Default drawings read without zoom: layout by shape, narrow titles, loss as the root's name,
collapsed modules for big traced models, and warnings only where something is wrong."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

pytest.importorskip("graphviz", reason="graphviz (the Python package) is the viz extra")

from viz_fixtures import lecture_network  # noqa: E402

import autograd_mini as am  # noqa: E402
import nn  # noqa: E402
from autograd_mini.viz import draw_graph, print_graph, trace  # noqa: E402

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="the Graphviz `dot` binary is not installed (apt-get install graphviz); CI has it")
ACCUMULATED = "accumulated over several backward() calls"


def rankdir(dot) -> str:
    return re.search(r"rankdir=(\w+)", dot.source).group(1)


def width_px(dot) -> float:
    """The rendered drawing's width in CSS pixels (graphviz writes points: 96 px per 72 pt)."""
    svg = dot.pipe(format="svg").decode("utf-8")
    return float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1)) * 4 / 3


def mlp_4_8_3(seed: int = 0):
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(4, 8, rng=rng), nn.Tanh(), nn.Linear(8, 3, rng=rng))
    X = am.tensor(rng.standard_normal((5, 4)))
    y = rng.integers(0, 3, 5)
    return model, X, y


def test_chains_are_drawn_top_to_bottom_and_wide_sums_left_to_right() -> None:
    C, names = lecture_network()
    assert rankdir(draw_graph(C, names=names)) == "TB"
    terms = [am.tensor(float(k), requires_grad=True) * float(k) for k in range(8)]
    total = terms[0]
    for t in terms[1:]:
        total = total + t  # depth grows one add per term: still deeper than wide
    assert rankdir(draw_graph(total)) == "TB"
    many = [am.tensor(float(k), requires_grad=True) * float(k) for k in range(16)]
    wide = am.stack(many).sum()  # 16 products side by side, 9 ranks deep
    assert rankdir(draw_graph(wide)) == "LR"
    assert rankdir(draw_graph(C, rankdir="LR")) == "LR"  # an explicit choice wins
    with pytest.raises(ValueError, match=r"draw_graph: rankdir must be one of .*got 'left'"):
        draw_graph(C, rankdir="left")


@needs_dot
def test_default_drawings_fit_a_screen_width() -> None:
    C, names = lecture_network()
    assert width_px(draw_graph(C, names=names)) < 1000  # left to right it was 3299 px
    model, X, y = mlp_4_8_3()
    loss, calls = trace(lambda: nn.CrossEntropyLoss()(model(X), y))
    assert width_px(draw_graph(loss, model=model)) < 1400  # was 2840 px
    assert width_px(draw_graph(loss, model=model, calls=calls)) < 1400  # was 2939 px


def test_an_unnamed_root_is_called_loss_or_output() -> None:
    model, X, y = mlp_4_8_3()
    source = draw_graph(nn.CrossEntropyLoss()(model(X), y), model=model).source
    assert "<B>loss</B>" in source and "loss = cross_entropy(…)" in source
    assert "∂loss/∂(node)" in source
    x = am.tensor([1.0, 2.0], requires_grad=True)
    assert "<B>output</B>" in draw_graph(am.tanh(x), grad_output=[1.0, 1.0]).source
    C, names = lecture_network()
    assert "<B>C</B>" in draw_graph(C, names=names).source  # a user's name is kept


def test_collapse_modules_without_recorded_calls_says_to_trace() -> None:
    model, X, y = mlp_4_8_3()
    loss = nn.CrossEntropyLoss()(model(X), y)
    with pytest.raises(ValueError, match=r"collapse_modules=True needs the module calls.*"
                                         r"no module calls were recorded.*trace\("):
        draw_graph(loss, model=model, collapse_modules=True)
    _, calls = trace(lambda: model(X))  # 4 calls (3 layers, Sequential) of another forward pass
    with pytest.raises(ValueError, match="none of the 4 recorded module calls"):
        draw_graph(loss, model=model, calls=calls, collapse_modules=1)
    assert "cluster_" not in draw_graph(loss, model=model).source  # no calls: no clusters


def test_big_traced_models_are_collapsed_by_default() -> None:
    rng = np.random.default_rng(0)
    layers = []
    for _ in range(8):
        layers += [nn.Linear(6, 6, rng=rng), nn.Sigmoid()]
    deep = nn.Sequential(*layers)
    X = am.tensor(rng.standard_normal((3, 6)))
    loss, calls = trace(lambda: (deep(X) ** 2).mean())
    source = draw_graph(loss, model=deep, calls=calls).source
    assert len(re.findall(r"^\s+m\d+ \[", source, re.M)) == 16  # one box per layer
    assert "rankdir=TB" in source
    expanded = draw_graph(loss, model=deep, calls=calls, collapse_modules=False).source
    assert not re.search(r"^\s+m\d+ \[", expanded, re.M)
    model, X, y = mlp_4_8_3()
    small, calls = trace(lambda: nn.CrossEntropyLoss()(model(X), y))
    assert "linear" in draw_graph(small, model=model, calls=calls).source  # 9 tensors: expanded


def test_grad_left_over_from_another_graph_is_not_called_accumulated() -> None:
    model, X, y = mlp_4_8_3()
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(X), y).backward()  # a training step leaves .grad behind
    fresh = loss_fn(model(X[:2]), y[:2])  # the CLI draws a new, smaller batch afterwards
    assert ACCUMULATED not in draw_graph(fresh, model=model).source
    # The same graph through backward() twice: .grad is twice its gradient.
    twice = loss_fn(model(X), y)
    model.zero_grad()
    twice.backward(retain_graph=True)
    twice.backward(retain_graph=True)
    assert draw_graph(twice, model=model).source.count(ACCUMULATED) == 4
    # A missing zero_grad() between steps: backward() went through this graph, .grad differs.
    last = loss_fn(model(X[:3]), y[:3])
    last.backward()
    assert draw_graph(last, model=model).source.count(ACCUMULATED) == 4


def test_the_tape_names_the_root_and_skips_left_over_grads(
        capsys: pytest.CaptureFixture[str]) -> None:
    w = am.tensor(2.0, requires_grad=True)
    (w * 5.0).backward()  # another graph's gradient stays in w.grad
    print_graph(w * 3.0)
    out = capsys.readouterr().out
    assert "grad = ∂loss/∂(row)" in out and "zero_grad" not in out
