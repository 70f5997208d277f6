"""The examples are notebooks too: each script is jupytext percent format (`# %%` cells), so
script and notebook are one file and cannot drift; a Jupyter kernel runs them as notebooks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext", reason="pip install -e '.[dev]' (jupytext)")
nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[dev]' (nbclient, ipykernel)")
nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("[0-9][0-9]_*.py"))


def notebook(script: Path, args: list[str]):
    """The script as a notebook, with `ARGS = args` injected after its parameters cell (the
    papermill convention), and a check that the kernel runs in this Python environment."""
    nb = jupytext.reads(script.read_text(encoding="utf-8"), fmt="py:percent")
    (at,) = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    injected = nbformat.v4.new_code_cell(
        f"ARGS = {args!r}\nassert sys.prefix == {sys.prefix!r}, sys.prefix  # this venv's kernel",
        metadata={"tags": ["injected-parameters"]},
    )
    nb.cells.insert(at + 1, injected)
    return nb


def execute(nb) -> list[dict]:
    """Run every cell in a fresh kernel started from the repository root; return all outputs.
    A cell that raises fails the test (nbclient raises CellExecutionError)."""
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    return [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]


def printed(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_is_one_percent_format_source_with_a_parameters_cell(script):
    text = script.read_text(encoding="utf-8")
    nb = jupytext.reads(text, fmt="py:percent")
    assert jupytext.writes(nb, fmt="py:percent") == text  # script -> notebook -> same script
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 4, "split the script into cells (`# %%`) a reader can run one by one"
    assert [c.metadata.get("tags") for c in code].count(["parameters"]) == 1
    assert code[-1].source.startswith('if __name__ == "__main__"')


def test_01_runs_as_a_notebook_and_the_four_methods_agree():
    outputs = execute(notebook(EXAMPLES[0], ["--quick"]))
    text = printed(outputs)
    assert "∂C/∂w1" in text and "misprinted in the lecture notes" in text
    assert "The four correct methods agree to" in text


def test_02_runs_as_a_notebook_quickly_and_the_error_falls():
    outputs = execute(notebook(EXAMPLES[1], ["--quick"]))
    text = printed(outputs)
    assert "2 -> 32 hidden units: test RMSE" in text  # --quick: widths 2, 8, 32


def test_40_draws_the_graph_inline_as_svg(tmp_path):
    pytest.importorskip("graphviz")
    outputs = execute(notebook(ROOT / "examples" / "40_draw_graph.py",
                               ["--quick", "--out", str(tmp_path)]))
    svgs = [o["data"]["image/svg+xml"] for o in outputs
            if o.get("output_type") == "display_data" and "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == 1
    assert svgs[0].lstrip().startswith(("<?xml", "<svg")) and "</svg>" in svgs[0]
    assert "w1" in svgs[0] and "sigmoid" in svgs[0]  # the lecture network's nodes
    assert (tmp_path / "40_two_layer_scalar.svg").is_file()
