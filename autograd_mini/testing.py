"""Hypothesis strategies for testing code built on autograd_mini.

    from hypothesis import given
    from autograd_mini.testing import arrays, broadcastable_shapes

Shapes (0-d and 1-d included), mutually broadcastable shape pairs, valid axes, indices with
duplicates and masks, and float arrays kept inside an op's domain: away from the kinks of
relu/abs/clip, above zero for log/sqrt, or with distinct values so max/min have no ties.
hypothesis is a development dependency, imported only when this module is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as exc:  # pragma: no cover - exercised only without the dev extra
    raise ImportError(
        "autograd_mini.testing needs hypothesis, a development dependency: "
        "pip install 'autograd_mini[dev]' (or pip install hypothesis)"
    ) from exc

Shape = tuple[int, ...]
ShapeLike = Shape | st.SearchStrategy[Shape]

#: Value ranges of `arrays(domain=...)`; every domain is bounded so exp/pow stay moderate.
DOMAINS: dict[str, str] = {
    "real": "uniform-ish floats in [-3, 3]",
    "positive": "floats in [margin, 3] (log, sqrt, the base of pow); margin defaults to 0.1",
    "away_from_zero": "floats in [-3, -margin] ∪ [margin, 3] (relu, abs, divisors)",
    "unit": "floats in [-1, 1]",
    "probability": "floats in [margin, 1 - margin]",
    "large": "floats of magnitude in [1e3, 1e4], either sign (stability checks)",
}

_DEFAULT_MARGIN = {"positive": 0.1, "away_from_zero": 1e-3, "probability": 1e-3}


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 5
           ) -> st.SearchStrategy[Shape]:
    """Array shapes with min_dims..max_dims axes of min_side..max_side (0-d included)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


@st.composite
def _broadcast_operand(draw: Any, result: Shape) -> Shape:
    """A shape that broadcasts to `result`: any suffix of it, with some sides set to 1."""
    ndim = draw(st.integers(0, len(result)))
    suffix = result[len(result) - ndim:]
    return tuple(1 if draw(st.booleans()) else n for n in suffix)


@st.composite
def broadcastable_shapes(draw: Any, min_dims: int = 0, max_dims: int = 4, min_side: int = 1,
                         max_side: int = 5) -> tuple[Shape, Shape]:
    """Pairs (a, b) that broadcast together; either side may be shorter, 0-d or all ones."""
    result = draw(shapes(min_dims, max_dims, min_side, max_side))
    return draw(_broadcast_operand(result)), draw(_broadcast_operand(result))


def broadcast_operand(result: Shape) -> st.SearchStrategy[Shape]:
    """Shapes that broadcast *to* `result` (for broadcast_to and where's condition)."""
    return _broadcast_operand(tuple(result))


def valid_axes(shape: Shape, *, allow_none: bool = True, allow_tuple: bool = True,
               allow_empty: bool = False) -> st.SearchStrategy[Any]:
    """Axis arguments valid for `shape`: None, an int (negative too) or a tuple of distinct
    axes in any order and sign (the empty tuple only with allow_empty)."""
    ndim = len(shape)
    options: list[st.SearchStrategy[Any]] = []
    if allow_none:
        options.append(st.none())
    if ndim > 0:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(
                st.lists(st.integers(0, ndim - 1), min_size=0 if allow_empty else 1,
                         max_size=ndim, unique=True)
                .flatmap(lambda axes: st.tuples(*[st.sampled_from((a, a - ndim)) for a in axes]))
            )
    elif allow_tuple and allow_empty:
        options.append(st.just(()))
    if not options:
        raise ValueError(f"valid_axes: no axis fits shape {shape} with these options")
    return st.one_of(options)


def _integer_index(draw: Any, n: int, max_length: int) -> np.ndarray:
    """Integers in [-n, n), repeats likely: a repeated index must accumulate its gradient."""
    length = draw(st.integers(1, max_length))
    values = draw(st.lists(st.integers(-n, n - 1), min_size=length, max_size=length))
    if length > 1 and draw(st.booleans()):
        values[-1] = values[0] % n - n * draw(st.integers(0, 1))  # force one duplicate
    return np.array(values, dtype=np.intp)


@st.composite
def index_arrays(draw: Any, shape: Shape, kinds: Sequence[str] = ("basic", "integer", "mask"),
                 max_length: int = 6) -> Any:
    """Indices valid for `shape`: basic (ints, slices, None, ...), integer arrays (with
    duplicates and negatives) or boolean masks, alone or after leading full slices."""
    usable = [k for k in kinds if k == "basic" or len(shape) > 0]
    kind = draw(st.sampled_from(usable))
    if kind == "basic":
        if len(shape) == 0:
            return draw(st.sampled_from([(), Ellipsis, None, (None, Ellipsis)]))
        if len(shape) == 1:
            return draw(st.one_of(st.slices(shape[0]), st.integers(-shape[0], shape[0] - 1),
                                  st.just((None, Ellipsis)), st.just((Ellipsis, None))))
        return draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    if kind == "integer":
        axis = draw(st.integers(0, len(shape) - 1))
        array = _integer_index(draw, shape[axis], max_length)
        if axis == 0 and not draw(st.booleans()):
            return array
        return (slice(None),) * axis + (array,)
    # a mask over `ndim` consecutive axes (after some full slices) selects sub-arrays
    start = draw(st.integers(0, len(shape) - 1))
    ndim = draw(st.integers(1, len(shape) - start))
    mask = draw(hnp.arrays(np.bool_, shape[start:start + ndim]))
    return mask if start == 0 else (slice(None),) * start + (mask,)


def _elements(domain: str, margin: float | None) -> st.SearchStrategy[float]:
    m = _DEFAULT_MARGIN.get(domain, 0.0) if margin is None else margin
    floats = st.floats  # finite, no NaN, no subnormals: values the tests can trust

    def between(lo: float, hi: float) -> st.SearchStrategy[float]:
        return floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)

    if domain == "real":
        return between(-3.0, 3.0)
    if domain == "positive":
        return between(m, 3.0)
    if domain == "away_from_zero":
        return st.one_of(between(-3.0, -m), between(m, 3.0))
    if domain == "unit":
        return between(-1.0, 1.0)
    if domain == "probability":
        return between(m, 1.0 - m)
    if domain == "large":
        return st.one_of(between(-1e4, -1e3), between(1e3, 1e4))
    raise ValueError(f"arrays: unknown domain {domain!r}; expected one of {sorted(DOMAINS)}")


def _with_shape(shape: ShapeLike, make: Any) -> st.SearchStrategy[np.ndarray]:
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(make)
    return make(tuple(shape))


def arrays(shape: ShapeLike, dtype: Any = np.float64, domain: str = "real",
           margin: float | None = None) -> st.SearchStrategy[np.ndarray]:
    """Float arrays of `shape` (a tuple or a strategy) drawn from a named domain (DOMAINS)."""
    dtype = np.dtype(dtype)
    elements = _elements(domain, margin)  # validates the domain before anything is drawn

    def make(s: Shape) -> st.SearchStrategy[np.ndarray]:
        # Draw in float64 and cast: bounds need not be representable in float32.
        return hnp.arrays(np.float64, s, elements=elements).map(
            lambda a: a.astype(dtype, copy=False))

    return _with_shape(shape, make)


def away_from_kinks(shape: ShapeLike, kinks: Sequence[float] = (0.0,), margin: float = 1e-3,
                    dtype: Any = np.float64, low: float = -3.0, high: float = 3.0
                    ) -> st.SearchStrategy[np.ndarray]:
    """Floats in [low, high] at least `margin` from every kink (kinks > 2·margin apart)."""
    dtype = np.dtype(dtype)
    points = np.asarray(kinks, dtype=np.float64)

    def push_away(a: np.ndarray) -> np.ndarray:
        a = a.copy()
        for k in points:
            d = a - k
            close = np.abs(d) < margin
            a[close] = k + np.where(d[close] >= 0, margin, -margin)
        return a.astype(dtype)

    def make(s: Shape) -> st.SearchStrategy[np.ndarray]:
        elements = st.floats(low, high, allow_nan=False, allow_infinity=False,
                             allow_subnormal=False)
        return hnp.arrays(np.float64, s, elements=elements).map(push_away)

    return _with_shape(shape, make)


def distinct_values(shape: ShapeLike, dtype: Any = np.float64, min_gap: float = 1e-2,
                    low: float = -3.0) -> st.SearchStrategy[np.ndarray]:
    """Arrays whose entries differ pairwise by at least `min_gap` (no ties for max/min within
    a finite-difference step); values start at `low` and span about 2·min_gap·size."""
    dtype = np.dtype(dtype)

    def make(s: Shape) -> st.SearchStrategy[np.ndarray]:
        size = int(np.prod(s, dtype=np.int64))
        slots = max(size, int(6.0 / (2 * min_gap)))
        ranks = st.lists(st.integers(0, slots - 1), min_size=size, max_size=size, unique=True)
        jitter = st.lists(st.floats(0.0, min_gap / 2), min_size=size, max_size=size)

        def build(pair: tuple[list[int], list[float]]) -> np.ndarray:
            r, j = pair
            values = low + 2 * min_gap * np.asarray(r, dtype=np.float64) + np.asarray(j)
            return values.reshape(s).astype(dtype)

        return st.tuples(ranks, jitter).map(build)

    return _with_shape(shape, make)


__all__ = [
    "DOMAINS", "arrays", "away_from_kinks", "broadcast_operand", "broadcastable_shapes",
    "distinct_values", "index_arrays", "shapes", "valid_axes",
]
