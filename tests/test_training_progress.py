"""The progress bar: tqdm when available, a plain in-place line otherwise, silent when off."""

from __future__ import annotations

import io

import pytest

from nn.training.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_line_shows_count_loss_and_speed():
    out = Terminal()
    bar = Progress(4, "epoch 1/2", use_tqdm=False, file=out)
    for _ in range(4):
        bar.update(0.25, batch_size=32)
    bar.close()
    text = out.getvalue()
    assert "epoch 1/2 [" in text and "4/4" in text
    assert "loss 0.2500" in text and "samples/s" in text
    assert text.endswith("\r")  # the line is cleared for the epoch summary
    assert bar.samples == 128 and bar.samples_per_second() > 0


def test_nothing_is_drawn_on_a_pipe_or_when_disabled():
    pipe = io.StringIO()
    bar = Progress(3, "epoch", file=pipe)  # a log file must not fill up with redraws
    bar.update(1.0, 8)
    bar.close()
    assert pipe.getvalue() == ""
    off = Terminal()
    bar = Progress(3, "epoch", enabled=False, use_tqdm=True, file=off)
    bar.update(1.0, 8)
    bar.close()
    assert off.getvalue() == ""


def test_tqdm_bar_shows_loss_and_samples_per_second():
    pytest.importorskip("tqdm")
    out = io.StringIO()
    bar = Progress(2, "epoch 3/9", use_tqdm=True, file=out)
    bar.update(0.5, 10)
    bar.update(0.4, 10)  # the last batch always redraws
    text = out.getvalue()
    bar.close()
    assert "epoch 3/9" in text and "loss 0.4000" in text and "samples/s" in text



def test_a_notebook_gets_tqdm_auto(monkeypatch):
    """In Jupyter stderr is no terminal: the bar was never drawn; now tqdm.auto draws it (a
    widget when ipywidgets is installed)."""
    tqdm_auto = pytest.importorskip("tqdm.auto")
    import nn.training.progress as progress

    made: list[dict] = []

    class FakeBar:
        def __init__(self, **options):
            made.append(options)

        def update(self, n):
            pass

        def set_postfix_str(self, text, refresh):
            pass

        def close(self):
            pass

    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(tqdm_auto, "tqdm", FakeBar)
    bar = Progress(2, "epoch 1/1")
    bar.update(0.5, 4)
    bar.close()
    assert made and made[0]["desc"] == "epoch 1/1" and "file" not in made[0]


def test_in_notebook_is_false_outside_a_kernel():
    from nn.training.progress import in_notebook

    assert in_notebook() is False
