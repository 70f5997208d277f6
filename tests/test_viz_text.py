"""print_graph: the tape in the terminal, without graphviz."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.viz.text import print_graph


def tape(root: am.Tensor, **kwargs) -> list[str]:
    buffer = io.StringIO()
    print_graph(root, buffer, **kwargs)
    return buffer.getvalue().splitlines()


def test_rows_in_recording_order_with_ops_rules_parents_values_and_gradients() -> None:
    w = am.tensor(3.0, requires_grad=True)
    x = am.tensor(2.0)
    y = am.tanh(w * x)
    loss = 0.5 * y
    lines = tape(loss, names={"w": w, "x": x, "y": y, "loss": loss})
    header, rule, *rows, note = lines
    assert header.split() == ["#", "name", "kind", "op", "parents", "shape", "dtype", "value",
                              "grad", "rule"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert rows[0].split()[:3] == ["0", "w", "leaf"]
    assert rows[1].split()[:3] == ["1", "x", "constant"]
    assert "mul" in rows[2] and "0, 1" in rows[2] and "∂/∂a = g·b,  ∂/∂b = g·a" in rows[2]
    assert rows[3].split()[:4] == ["3", "y", "intermediate", "tanh"]
    assert rows[4].split()[:5] == ["4", "loss", "root", "mul", "0.5,"]  # inline constant ½
    dw = 0.5 * (1 - np.tanh(6.0) ** 2) * 2.0
    assert f"{dw:.4g}" in rows[0]
    assert "float64" in rows[0] and "()" in rows[0]
    assert note == "grad = ∂loss/∂(row), computed without touching .grad"
    assert w.grad is None


def test_arrays_are_summarised_and_shapes_shown() -> None:
    w = am.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    out = (w * w).sum()
    lines = tape(out)
    assert "(3, 4)" in lines[2] and "min 0 · mean 5.5 · max 11" in lines[2]
    assert "min 0 · mean 11 · max 22" in lines[2]  # the gradient 2w


def test_after_backward_the_tape_is_still_complete() -> None:
    w = am.tensor(3.0, requires_grad=True)
    out = w * w
    before = tape(out)
    out.backward()
    assert tape(out) == before


def test_works_without_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)
    w = am.tensor(1.0, requires_grad=True)
    assert len(tape(am.exp(w))) == 5


def test_long_tapes_are_cut_with_a_count_and_no_recursion() -> None:
    x = am.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(5000):
        y = am.tanh(y)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        lines = tape(y, max_rows=10)
    finally:
        sys.setrecursionlimit(limit)
    assert lines[2] == "… 4,991 earlier rows not shown (max_rows=10)"
    assert len(lines) == 3 + 10 + 1
    assert lines[-2].split()[0] == "5000"


def test_stale_accumulated_grad_is_pointed_out() -> None:
    w = am.tensor(2.0, requires_grad=True)
    out = w * 3.0
    out.backward(retain_graph=True)
    out.backward(retain_graph=True)
    assert "#0.grad holds 6, not 3" in tape(out)[-1]


def test_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    print_graph(am.tensor(1.0, requires_grad=True) * 2.0)
    assert "mul" in capsys.readouterr().out
