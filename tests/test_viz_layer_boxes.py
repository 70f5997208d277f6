"""Drawings show a convolution, pooling or recurrent layer as one labelled box (DOT source)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini.viz import draw_graph, trace

pytest.importorskip("graphviz")


class SequenceClassifier(nn.Module):
    """An LSTM read out by its final hidden state h_n (a nested output: (out, (h_n, c_n)))."""

    def __init__(self, rng: np.random.Generator) -> None:
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True, rng=rng)
        self.head = nn.Linear(16, 10, rng=rng)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])


def _statements(source: str) -> list[str]:
    """The names of the drawn nodes: v/op (a tensor, an op), m (a module box), more."""
    return re.findall(r"^\s*(\w+) \[label=", source, flags=re.MULTILINE)


def _box_text(source: str, title: str) -> str:
    """The plain text of the module box whose title is `title`."""
    for line in source.splitlines():
        if re.match(r"\s*m\d+ \[label=", line) and f"<B>{title}</B>" in line:
            return re.sub(r"<[^>]+>", " ", line)
    raise AssertionError(f"no box titled {title!r} in the drawing")


def test_an_lstm_over_50_steps_is_one_box_not_hundreds_of_nodes():
    rng = np.random.default_rng(0)
    model = SequenceClassifier(rng)
    x = am.tensor(rng.random((4, 50, 8), dtype=np.float32))
    loss, calls = trace(lambda: nn.CrossEntropyLoss()(model(x), np.arange(4)))
    source = draw_graph(loss, model=model, calls=calls).source
    names = _statements(source)
    assert len(names) < 12, names  # the box, h_n[-1], the head and the loss
    assert "more" not in names  # the box's ~900 tensors count once towards max_nodes
    text = _box_text(source, "lstm (LSTM)")
    assert "(8, 16, num_layers=1, bias=True, batch_first=True)" in text
    assert "in (4, 50, 8) → out" in text and "(1, 4, 16)" in text
    assert "lstm.weight_hh_l0 (64, 16)" in text
    tensors = int(re.search(r"(\d+) tensors", text).group(1))
    assert tensors > 300  # every time step inside, none drawn outside


def test_conv_and_pool_layers_are_boxes_even_in_a_small_drawing():
    rng = np.random.default_rng(1)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, rng=rng), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(36, 10, rng=rng))
    x = am.tensor(rng.random((2, 1, 8, 8), dtype=np.float32))
    loss, calls = trace(lambda: nn.CrossEntropyLoss()(model(x), np.arange(2)))
    source = draw_graph(loss, model=model, calls=calls).source  # small: no default collapse
    conv = _box_text(source, "0 (Conv2d)")
    assert "(1, 4, kernel_size=(3, 3), stride=(1, 1))" in conv
    assert "in (2, 1, 8, 8) → out (2, 4, 6, 6) float32" in conv
    assert "0.weight (4, 1, 3, 3)" in conv
    assert "in (2, 4, 6, 6) → out (2, 4, 3, 3)" in _box_text(source, "2 (MaxPool2d)")
    assert 'label="4 (Linear)"' in source  # a Linear stays an expanded cluster
    assert "<B>linear</B>" in source
    assert "<B>conv" not in source  # the conv op itself is inside the box

    expanded = draw_graph(loss, model=model, calls=calls, collapse_modules=False).source
    assert not any(name.startswith("m") for name in _statements(expanded))
    assert 'label="0 (Conv2d)"' in expanded  # a cluster around its ops instead


def test_a_box_inside_a_collapsed_depth_is_swallowed_by_the_outer_box():
    rng = np.random.default_rng(2)
    inner = nn.Sequential(nn.Conv2d(1, 2, 3, rng=rng), nn.ReLU())
    model = nn.Sequential(inner, nn.Flatten(), nn.Linear(72, 3, rng=rng))
    x = am.tensor(rng.random((1, 1, 8, 8), dtype=np.float32))
    loss, calls = trace(lambda: nn.CrossEntropyLoss()(model(x), np.array([0])))
    source = draw_graph(loss, model=model, calls=calls, collapse_modules=1).source
    assert "0 (Sequential)" in _box_text(source, "0 (Sequential)")
    assert "<B>0.0 (Conv2d)</B>" not in source
