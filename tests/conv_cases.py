"""Hypothesis strategies for convolution and pooling geometry (shared by the conv tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st


@dataclass(frozen=True)
class ConvCase:
    """Input x (N, C, *S), weight w (O, C/groups, *K) and the geometry, float64."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    stride: tuple[int, ...]
    padding: Any  # tuple of ints, or "same"
    dilation: tuple[int, ...]
    groups: int


@st.composite
def conv_cases(draw, dims: tuple[int, ...] = (1, 2)) -> ConvCase:
    d = draw(st.sampled_from(dims))
    groups = draw(st.sampled_from([1, 2]))
    c, o = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(d))
    same = draw(st.booleans()) and draw(st.booleans())  # about one case in four
    stride = (1,) * d if same else tuple(draw(st.integers(1, 3)) for _ in range(d))
    padding: Any = "same" if same else tuple(draw(st.integers(0, 2)) for _ in range(d))
    sizes = []
    for i in range(d):
        span = dilation[i] * (kernel[i] - 1) + 1
        pad = 0 if same else padding[i]
        sizes.append(draw(st.integers(max(span - 2 * pad, 1), span + 4)))
    n = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, *sizes))
    w = rng.standard_normal((o, c // groups, *kernel))
    return ConvCase(x, w, rng.standard_normal(o), stride, padding, dilation, groups)


@dataclass(frozen=True)
class PoolCase:
    x: np.ndarray
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    ceil_mode: bool


@st.composite
def pool_cases(draw, dims: tuple[int, ...] = (1, 2), dilate: bool = True,
               ties: bool = False) -> PoolCase:
    d = draw(st.sampled_from(dims))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(d))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(d))
    dilation = tuple(draw(st.integers(1, 2)) if dilate else 1 for _ in range(d))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    sizes = [draw(st.integers(max(dil * (k - 1) + 1 - 2 * p, 1), dil * (k - 1) + 5))
             for k, p, dil in zip(kernel, padding, dilation)]
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *sizes)
    if ties:  # few distinct values: windows share their maximum
        x = rng.integers(0, 3, size=shape).astype(np.float64)
    else:  # distinct values: the maximum is unique, so finite differences apply
        x = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 + 0.01 * \
            rng.standard_normal(shape)
    return PoolCase(x, kernel, stride, padding, dilation, draw(st.booleans()))
