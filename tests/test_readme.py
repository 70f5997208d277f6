"""The README's Python examples run as written and print what the README says."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from nn import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_the_two_setup_commands_and_python_examples() -> None:
    text = README.read_text(encoding="utf-8")
    assert 'python3 -m pip install . && autograd-mini train' in text
    assert 'python3 -m pip install -e ".[dev]" && python3 -m pytest' in text
    assert len(python_blocks()) >= 4


def test_readme_python_blocks_run_in_order(tmp_path, monkeypatch, capsys) -> None:
    pytest.importorskip("graphviz")
    if shutil.which("dot") is None:
        pytest.skip("the graphviz `dot` binary is not installed (apt-get install graphviz)")
    monkeypatch.chdir(tmp_path)
    # "Use a trained model" loads what `autograd-mini train` writes: the default recipe, as
    # the README runs it (about 5 s).
    assert cli.main(["train", "--quiet", "--no-plots"]) == 0
    capsys.readouterr()
    namespace: dict = {}
    for block in python_blocks():
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    printed = capsys.readouterr().out.split("\n")
    first = [float(v) for v in printed[0].split()]
    assert first[0] == pytest.approx(2.2497, abs=1e-4)
    assert first[1:] == pytest.approx([0.0016342, -0.0010894, -0.00054472], rel=1e-4)
    loss, accuracy = (float(v) for v in printed[1].split())
    assert loss < 0.01 and accuracy == 1.0
    predicted = [line for line in printed if re.fullmatch(r"\[(\d ){7}\d\] [01]\.\d+", line)]
    assert len(predicted) == 1, printed  # nn.load_model's network on all 1797 digits:
    assert float(predicted[0].split("] ")[1]) >= 0.98
    assert (tmp_path / "graph.png").stat().st_size > 1000
    assert "<svg" in (tmp_path / "backward.html").read_text(encoding="utf-8")
    assert "float64" in printed  # "Coming from PyTorch or scikit-learn": model.double()
    scores = next(line for line in printed if line.startswith("[0."))  # its cross_val_score
    assert all(float(v) > 0.95 for v in scores.strip("[]").split())
