"""Short text for arrays and a colour scale for gradient magnitudes (no graphviz needed)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

FULL_LIMIT = 6  # arrays up to this many elements are shown in full


def number(x: float) -> str:
    """One number in four significant digits: 0.5, -0.01234, 1.2e-08, nan."""
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.4g}"


def summary(array: Any, full_limit: int = FULL_LIMIT) -> str:
    """Scalars and tiny arrays in full; larger ones as min / mean / max (and NaN/inf counts)."""
    a = np.asarray(array)
    if a.size == 0:
        return "[] (empty)"
    if a.dtype.kind not in "fiub":
        return f"<{a.dtype}>"
    if a.size == 1:
        return number(a.reshape(-1)[0])
    if a.size <= full_limit:
        return np.array2string(a, separator=", ", formatter={"all": number}, max_line_width=200)
    values = a.astype(np.float64, copy=False)
    finite = np.isfinite(values)
    prefix = ""
    if not finite.all():
        nans = int(np.isnan(values).sum())
        infs = int(values.size - finite.sum()) - nans
        flags = [f"{nans} NaN" if nans else "", f"{infs} inf" if infs else ""]
        prefix = "⚠ " + ", ".join(f for f in flags if f) + "; "
        values = values[finite]
        if values.size == 0:
            return prefix.rstrip("; ")
    return (f"{prefix}min {number(values.min())} · mean {number(values.mean())} · "
            f"max {number(values.max())}")


def shape_text(shape: tuple[int, ...]) -> str:
    """(3, 4) for arrays and () for scalars, as numpy prints them."""
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def magnitude(grad: Any) -> float:
    """Root-mean-square of a gradient (|g| for a scalar); inf when it holds NaN or inf."""
    g = np.asarray(grad, dtype=np.float64)
    if g.size == 0:
        return 0.0
    if not np.all(np.isfinite(g)):
        return math.inf
    return float(np.sqrt(np.mean(g * g)))


# Pale grey (tiny gradients) to dark red (the largest): colour intensity grows with |g|.
_PALETTE = ((0xD9, 0xD9, 0xD9), (0xFD, 0xD4, 0x9E), (0xFC, 0x8D, 0x59), (0xD7, 0x30, 0x1F),
            (0x7F, 0x00, 0x00))
ZERO_COLOUR = "#bdbdbd"
NONFINITE_COLOUR = "#c51b8a"


class GradientScale:
    """Maps gradient magnitudes to colours and pen widths on a log scale fitted to one graph."""

    def __init__(self, magnitudes: Iterable[float], min_decades: float = 2.0) -> None:
        logs = [math.log10(m) for m in magnitudes if 0 < m < math.inf]
        self.empty = not logs
        low, high = (min(logs), max(logs)) if logs else (-1.0, 1.0)
        self.spread = high - low  # decades between the smallest and largest gradient
        if high - low < min_decades:
            middle = (high + low) / 2
            low, high = middle - min_decades / 2, middle + min_decades / 2
        self.low, self.high = low, high

    def position(self, m: float) -> float:
        """0 for the smallest gradient magnitude of the graph, 1 for the largest."""
        if not 0 < m < math.inf:
            return 0.0 if m == 0 else 1.0
        return min(1.0, max(0.0, (math.log10(m) - self.low) / (self.high - self.low)))

    def colour(self, m: float) -> str:
        """Hex colour for a gradient magnitude (grey for zero, magenta for NaN/inf)."""
        if m == 0:
            return ZERO_COLOUR
        if not m < math.inf:
            return NONFINITE_COLOUR
        return _interpolate(self.position(m))

    def penwidth(self, m: float) -> float:
        """Edge width: 1 for tiny gradients up to 3.5 for the largest."""
        return round(1.0 + 2.5 * self.position(m), 2)

    def ticks(self, count: int = 5) -> list[tuple[float, str]]:
        """(magnitude, colour) pairs spanning the scale, for a legend."""
        step = (self.high - self.low) / (count - 1)
        return [(10 ** (self.low + i * step), _interpolate(i / (count - 1))) for i in range(count)]


def _interpolate(t: float) -> str:
    scaled = t * (len(_PALETTE) - 1)
    i = min(int(scaled), len(_PALETTE) - 2)
    f = scaled - i
    rgb = [round(a + (b - a) * f) for a, b in zip(_PALETTE[i], _PALETTE[i + 1])]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def text_colour_on(background: str) -> str:
    """Black or white text, whichever reads better on a hex background colour."""
    r, g, b = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"
