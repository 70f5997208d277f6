"""Habits users bring (issue 16 items 7, 8, 10): anomaly reports name the user's line, PyTorch
spellings get the fix, and `am.grad`'s result types as users write it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import autograd_mini as am
import nn


def test_detect_anomaly_names_the_users_line_not_the_layer_that_called_the_op():
    layer = nn.Linear(2, 1, rng=0)
    x = am.tensor([[np.inf, 1.0]])
    with am.detect_anomaly(), pytest.raises(am.AnomalyError) as caught:
        layer(x)  # the op runs inside the layer's code; this line is where it came from
    message = str(caught.value)
    assert "test_engine_user_habits.py" in message
    assert "nn/layers.py" not in message and "created at" in message


def test_calling_size_like_pytorch_says_what_to_use():
    t = am.tensor(np.zeros((2, 3)))
    assert t.size == 6 and t.size + 1 == 7  # still numpy's element count
    with pytest.raises(TypeError, match=r"t\.shape"):
        t.size()


def test_pytorch_dim_keyword_says_axis():
    with pytest.raises(TypeError, match="axis="):
        am.tensor([1.0, 2.0]).sum(dim=0)


def test_grad_result_types_without_none_unless_allow_unused(tmp_path: Path):
    pytest.importorskip("mypy")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent("""
        import autograd_mini as am

        x = am.tensor([1.0, 2.0], requires_grad=True)
        g, = am.grad((x ** 3).sum(), x, create_graph=True)
        h = g.sum()                       # no Optional: allow_unused is False
        maybe, = am.grad((x ** 3).sum(), x, allow_unused=True)
        reveal_type(maybe)
    """))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--no-incremental", str(snippet)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert 'has no attribute "sum"' not in result.stdout, result.stdout
    assert "Tensor | None" in result.stdout, result.stdout
