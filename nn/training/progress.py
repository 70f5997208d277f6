"""A per-epoch progress bar showing loss and samples/s: tqdm when installed, else a plain line;
in a Jupyter notebook, tqdm.auto's widget."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from .number_format import format_loss

__all__ = ["Progress", "in_notebook", "tqdm_available"]

_REFRESH_S = 0.1  # redraw at most ten times a second: drawing must not slow training down


def tqdm_available() -> bool:
    """True when the optional tqdm package can be imported."""
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where stderr is no terminal, yet a bar is wanted)."""
    ipython = sys.modules.get("IPython")  # only a kernel that already imported IPython
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # noqa: BLE001  (a half-initialised IPython is simply "not a notebook")
        return False
    return type(shell).__name__ == "ZMQInteractiveShell"


class Progress:
    """Progress through one epoch's batches; `update` after each step, `close` at the end.

    On a terminal this is a tqdm bar when tqdm is installed, else a single line rewritten in
    place; in a notebook it is tqdm.auto's bar (a widget when ipywidgets is installed); on a
    pipe or a log file it draws nothing (the caller's epoch lines remain). `use_tqdm=True`
    forces tqdm on any stream, False forbids it.
    """

    def __init__(self, total: int, description: str, *, initial: int = 0,
                 enabled: bool = True, use_tqdm: bool | None = None,
                 file: TextIO | None = None) -> None:
        self.total, self.description, self.count = total, description, initial
        self.enabled = enabled
        self.file = file if file is not None else sys.stderr
        self.samples = 0
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._bar: Any = None
        terminal = _is_terminal(self.file)
        notebook = file is None and in_notebook()
        wanted = terminal or notebook
        if enabled and (use_tqdm if use_tqdm is not None else wanted and tqdm_available()):
            options = dict(total=total, initial=initial, desc=description, unit="batch",
                           leave=False, mininterval=_REFRESH_S)
            if notebook:
                from tqdm.auto import tqdm as auto_tqdm

                self._bar = auto_tqdm(**options)
            else:
                from tqdm import tqdm

                self._bar = tqdm(**options, dynamic_ncols=True, file=self.file)
        self._line = enabled and self._bar is None and terminal

    def _status(self, loss: float) -> str:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        return f"loss {format_loss(loss)}, {self.samples / elapsed:,.0f} samples/s"

    def update(self, loss: float, batch_size: int) -> None:
        """Advance one batch; `loss` is the running mean loss of the epoch so far."""
        self.count += 1
        self.samples += batch_size
        now = time.perf_counter()
        if now - self._last_draw < _REFRESH_S and self.count < self.total:
            if self._bar is not None:
                self._bar.update(1)
            return
        self._last_draw = now
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(self._status(loss), refresh=True)  # throttled above
        elif self._line:
            width = 24
            filled = width * self.count // max(self.total, 1)
            bar = "#" * filled + "." * (width - filled)
            self.file.write(f"\r{self.description} [{bar}] {self.count}/{self.total} "
                            f"{self._status(loss)}   ")
            self.file.flush()

    def samples_per_second(self) -> float:
        """Training samples processed per second in this epoch (since this bar started)."""
        return self.samples / max(time.perf_counter() - self.start, 1e-9)

    def close(self) -> None:
        """Remove the bar (the caller prints the epoch summary)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._line:
            self.file.write("\r" + " " * 100 + "\r")
            self.file.flush()
            self._line = False


def _is_terminal(file: TextIO) -> bool:
    try:
        return file.isatty()
    except (AttributeError, ValueError):
        return False
