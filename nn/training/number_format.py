"""Numbers in epoch lines: enough significant digits that a small loss or an R² near 1 is
not printed as 0.0000 or 1.0000 (regression losses reach 1e-5, R² 0.99998), and a diverging
run's 1e24 loss is not printed as 25 digits and four decimals."""

from __future__ import annotations

import math

__all__ = ["format_loss", "format_metric"]

_LARGE = 1e5  # from here on, scientific notation: 1.425e+24, not 1424681676489309531668480.0000


def format_loss(value: float) -> str:
    """Four decimals from 0.01 up to 1e5 (as classification losses were always shown), else
    four significant digits in scientific notation: 0.0605, 3.210e-05, 1.425e+24."""
    if not math.isfinite(value) or value == 0 or 0.01 <= abs(value) < _LARGE:
        return f"{value:.4f}"
    return f"{value:.3e}"


def format_metric(name: str | None, value: float) -> str:
    """Four decimals, but an R² within 0.001 of 1 gets the decimals that show two significant
    digits of 1 − R²: 0.9999800 rather than 1.0000."""
    gap = 1.0 - value
    if name == "r2" and math.isfinite(value) and 0 < gap < 1e-3:
        decimals = min(2 - math.floor(math.log10(gap)), 12)
        return f"{value:.{decimals}f}"
    if math.isfinite(value) and abs(value) >= _LARGE:  # R² of a diverged run: -2.811e+17
        return f"{value:.3e}"
    return f"{value:.4f}"
