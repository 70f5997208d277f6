"""Smoke-run examples 40 and 41: PNGs rendered, labels and warnings where a learner looks."""

from __future__ import annotations

import importlib.util
import re
import shutil
import struct
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("graphviz", reason="graphviz (the Python package) is the viz extra")
pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="the Graphviz `dot` binary is not installed (apt-get install graphviz); CI has it")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def load_example(stem: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{stem}", EXAMPLES / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_40_draws_the_lecture_network_with_values_gradients_and_a_replay(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = load_example("40_draw_graph").main(["--out", str(tmp_path), "--dpi", "72"])
    assert result["png"].read_bytes()[:8] == PNG
    width, height = png_size(result["png"])
    assert width < 700 < height  # top to bottom; left to right it was 2474 px wide at 72 dpi
    assert "</svg>" in result["svg"].read_text(encoding="utf-8")
    assert result["html"].read_text(encoding="utf-8").count('<section class="frame"') == 13
    source = result["source"]
    for name in ("w1", "b1", "w2", "b2", "z1", "h", "z2", "y", "C"):
        assert f"<B>{name}</B>" in source
    # The gradients printed in the drawing are those backward() puts in .grad.
    for name, value in result["grads"].items():
        assert f"grad {value:.4g}" in source, name
    # Example 01's hand-derived ∂C/∂w1 at the same point (with the factor w2 = −2).
    assert result["grads"]["w1"] == pytest.approx(-0.00775761, rel=1e-5)
    out = capsys.readouterr().out
    assert "sigmoid" in out and "grad = ∂C/∂(row)" in out


def test_41_draws_clusters_collapsed_boxes_and_flags_vanishing_gradients(
        tmp_path: Path) -> None:
    result = load_example("41_draw_mlp_modules").main(
        ["--out", str(tmp_path), "--batch", "4", "--dpi", "60"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "41_deep_sigmoid_collapsed.png", "41_mlp_collapsed.png", "41_mlp_modules.png"]
    assert all(p.read_bytes()[:8] == PNG for p in result["paths"].values())
    assert result["expanded"].count("subgraph cluster_") == 7  # 5 layers, Sequential, loss
    assert "<B>0.weight</B>" in result["expanded"]
    assert "in (4, 784) → out (4, 256) float32" in result["collapsed"]
    assert "orders of magnitude" in result["vanishing"]
    assert "orders of magnitude" not in result["collapsed"]
    # 40 tensors: drawn one box per layer without collapse_modules=True.
    assert len(re.findall(r"^\s+m\d+ \[", result["vanishing"], re.M)) == 16
