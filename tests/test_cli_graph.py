"""The graph.svg the `train` command draws: root called loss, no false zero_grad warnings."""

from __future__ import annotations

import shutil

import pytest

from nn import cli

pytest.importorskip("graphviz", reason="graphviz (the Python package) is the viz extra")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None,
                                reason="the Graphviz `dot` binary is not installed")


def test_train_draws_a_graph_rooted_at_loss_without_accumulation_warnings(
        tmp_path, capsys) -> None:
    code = cli.main(["train", "--epochs", "1", "--hidden", "16", "--out", str(tmp_path),
                     "--quiet"])
    assert code == 0, capsys.readouterr().err
    svg = (tmp_path / "graph.svg").read_text(encoding="utf-8")
    # Training left every parameter's .grad from its last batch; the drawing is of a new one.
    assert "accumulated over several backward() calls" not in svg
    assert ">loss</text>" in svg and "loss = cross_entropy(…)" in svg
    assert "∂loss/∂(node)" in svg
