"""The graphviz import, clear errors when graphviz or `dot` is missing, and atomic file writes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PIP_HINT = 'pip install "autograd_mini[viz]"'
DOT_HINT = (
    "rendering needs the Graphviz `dot` program, which was not found on PATH. Install it with "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz`. The DOT text is still available as `graph.source`, and "
    "print_graph() needs no Graphviz at all."
)


class DotNotFoundError(RuntimeError):
    """The Graphviz `dot` executable is not installed or not on PATH."""


def import_graphviz() -> Any:
    """The graphviz package, or an ImportError that says how to install it."""
    try:
        import graphviz
    except ImportError as exc:
        raise ImportError(
            f"drawing graphs needs the graphviz Python package: {PIP_HINT} "
            "(print_graph() works without it)"
        ) from exc
    return graphviz


@contextmanager
def explain_missing_dot() -> Iterator[None]:
    """Turn graphviz's ExecutableNotFound into a DotNotFoundError naming the install command."""
    graphviz = import_graphviz()
    try:
        yield
    except graphviz.ExecutableNotFound as exc:
        raise DotNotFoundError(DOT_HINT) from exc


_DIGRAPH: Any = None


def digraph_class() -> Any:
    """A graphviz.Digraph subclass whose render/pipe explain a missing `dot` (made once)."""
    global _DIGRAPH
    if _DIGRAPH is None:
        graphviz = import_graphviz()

        class Digraph(graphviz.Digraph):
            """graphviz.Digraph whose rendering errors say how to install Graphviz."""

            def pipe(self, *args: Any, **kwargs: Any) -> Any:
                with explain_missing_dot():
                    return super().pipe(*args, **kwargs)

            def render(self, *args: Any, **kwargs: Any) -> Any:
                with explain_missing_dot():
                    return super().render(*args, **kwargs)

        Digraph.__module__ = __name__
        _DIGRAPH = Digraph
    return _DIGRAPH


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual mode
        os.replace(temp, target)
    except BaseException:
        os.unlink(temp)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_SOURCE_FORMATS = ("dot", "gv")


def save_graph(graph: Any, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Render `graph` to `path` atomically; the format comes from the suffix (.svg, .png, .dot)."""
    fmt = (format or Path(path).suffix.lstrip(".")).lower()
    if not fmt:
        raise ValueError(f"save_graph: cannot tell the format of {str(path)!r}; pass format=")
    if fmt in _SOURCE_FORMATS:
        return write_atomic(path, graph.source.encode("utf-8"))
    with explain_missing_dot():
        data = graph.pipe(format=fmt)
    return write_atomic(path, data)
