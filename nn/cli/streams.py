"""Standard streams that cannot stop a command: a failed write is remembered, not raised.

A full disk under `autograd-mini train > log`, or a reader that went away (`| head -1`), must
neither kill a run before its results are written nor pass unnoticed: the command finishes,
its files are written, and `main` then exits non-zero because the report was lost.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO


class GuardedStream(io.TextIOBase):
    """Wraps a text stream; the first OSError of a write or flush is kept in `.error`, and
    nothing more is written after it (a half-written report is worse than an honest stop)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.error: OSError | None = None

    def write(self, text: str) -> int:  # type: ignore[override]
        if self.error is None:
            try:
                self.stream.write(text)
            except OSError as error:
                self.error = error
        return len(text)

    def flush(self) -> None:
        if self.error is None:
            try:
                self.stream.flush()
            except OSError as error:
                self.error = error

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8")

    def __getattr__(self, name: str) -> Any:  # e.g. `errors`, `buffer` for libraries that ask
        return getattr(self.stream, name)


@contextmanager
def guarded_stdout_and_stderr() -> Iterator[tuple[GuardedStream | None, GuardedStream | None]]:
    """Replace sys.stdout and sys.stderr by GuardedStreams for the duration (a stream that is
    None, closed at start-up, stays None); both are flushed on the way out, so a write error
    still held in a buffer is found too."""
    import sys

    saved = sys.stdout, sys.stderr
    out = None if sys.stdout is None else GuardedStream(sys.stdout)
    err = None if sys.stderr is None else GuardedStream(sys.stderr)
    sys.stdout, sys.stderr = out or sys.stdout, err or sys.stderr  # type: ignore[assignment]
    try:
        yield out, err
    finally:
        for stream in (out, err):
            if stream is not None:
                stream.flush()
        sys.stdout, sys.stderr = saved
