"""Rendering with the real `dot` binary, clear errors when it (or graphviz) is missing, and
atomic writes that never leave partial files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("graphviz", reason="graphviz (the Python package) is the viz extra")

import autograd_mini as am  # noqa: E402
from autograd_mini.viz import render  # noqa: E402
from autograd_mini.viz.dot import draw_graph  # noqa: E402
from autograd_mini.viz.render import DotNotFoundError, save_graph, write_atomic  # noqa: E402

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="the Graphviz `dot` binary is not installed (apt-get install graphviz); CI has it")


def small_graph() -> am.Tensor:
    w = am.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    x = am.tensor([1.0, 2.0])
    return am.tanh(x @ w).sum()


@needs_dot
def test_renders_svg_with_every_node_and_the_rule_text(tmp_path: Path) -> None:
    dot = draw_graph(small_graph())
    path = save_graph(dot, tmp_path / "graph.svg")
    svg = path.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert svg.count('class="node"') == 5 + 3  # w, x, x@w, tanh, sum; three ops
    assert svg.count('class="edge"') == 2 + 1 + 1 + 3
    assert "tanh" in svg and "∂/∂a = g·(1 − tanh²a)" in svg


@needs_dot
def test_renders_png_through_the_returned_digraph(tmp_path: Path) -> None:
    dot = draw_graph(small_graph())
    out = Path(dot.render(tmp_path / "graph", format="png", cleanup=True))
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert not (tmp_path / "graph").exists()  # cleanup removed the DOT source


def test_missing_dot_names_the_install_commands(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    dot = draw_graph(small_graph())
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` to be found
    with pytest.raises(DotNotFoundError) as info:
        dot.pipe(format="svg")
    message = str(info.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    with pytest.raises(DotNotFoundError):
        dot.render(tmp_path / "g", format="png")
    with pytest.raises(DotNotFoundError):
        save_graph(dot, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    assert "digraph" in dot.source  # the DOT text needs no binary
    assert save_graph(dot, tmp_path / "g.dot").read_text(encoding="utf-8") == dot.source


def test_missing_graphviz_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    monkeypatch.setattr(render, "_DIGRAPH", None)
    with pytest.raises(ImportError, match=r'pip install "autograd_mini\[viz\]"'):
        draw_graph(small_graph())


def test_write_atomic_leaves_no_partial_file_on_error(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.svg"
    target.write_text("old")

    def failing_replace(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(render.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new content")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.svg"]  # no temp file left


def test_save_graph_needs_a_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        save_graph(draw_graph(small_graph()), tmp_path / "graph")
