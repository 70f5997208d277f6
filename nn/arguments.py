"""Argument checks for constructors and entry points: fail where the value enters, naming it.

A wrong value must not travel on to a bare `'<' not supported between 'str' and 'int'` (or a
`range() arg 3 must not be zero` an epoch later). Each check names the owner (the class or
function), the argument, the value given and what is expected.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["ArgumentTypeError", "check_bool", "check_int", "check_real"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type; also a ValueError, which these checks raised before."""


def check_int(owner: str, name: str, value: Any, minimum: int | None = None) -> int:
    """`value` as an int (numpy ints too, never bool or float), >= `minimum` if given."""
    expected = "an int" + ("" if minimum is None else f" >= {minimum}")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{owner}: {name} must be {expected}, got {value!r} "
                                f"({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner}: {name} must be {expected}, got {value!r}")
    return int(value)


def check_real(owner: str, name: str, value: Any, *, low: float | None = None,
               high: float | None = None, low_open: bool = False, high_open: bool = False,
               finite: bool = False) -> float:
    """`value` as a float (ints and numpy numbers too, never bool, str or NaN) inside the
    interval given by `low`/`high`; `*_open` excludes that end, `finite` excludes ±inf."""
    interval = _interval(low, high, low_open, high_open)
    expected = f"a real number{' ' + interval if interval else ''}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{owner}: {name} must be {expected}, got {value!r} "
                                f"({type(value).__name__})")
    number = float(value)
    if math.isnan(number) or (finite and math.isinf(number)) \
            or (low is not None and (number <= low if low_open else number < low)) \
            or (high is not None and (number >= high if high_open else number > high)):
        raise ValueError(f"{owner}: {name} must be {expected}"
                         f"{' and finite' if finite else ''}, got {value!r}")
    return number


def check_bool(owner: str, name: str, value: Any) -> bool:
    """`value` as a bool (numpy bools too; not 0/1 or strings such as 'False')."""
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise ArgumentTypeError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return ""
