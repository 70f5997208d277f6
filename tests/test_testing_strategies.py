"""autograd_mini.testing: every strategy draws only values that satisfy its promise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import testing as amt


@given(amt.shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
def test_shapes_respect_bounds(shape):
    assert 0 <= len(shape) <= 3
    assert all(1 <= n <= 4 for n in shape)


@given(amt.broadcastable_shapes(max_dims=4))
def test_broadcastable_shapes_broadcast(pair):
    a, b = pair
    result = np.broadcast_shapes(a, b)  # raises if the pair does not broadcast
    assert len(result) == max(len(a), len(b))


def test_broadcastable_shapes_cover_both_directions_and_0d():
    seen = {"a shorter": False, "b shorter": False, "0-d": False, "1-d": False}

    @settings(max_examples=200, derandomize=True, database=None)
    @given(amt.broadcastable_shapes(max_dims=3))
    def collect(pair):
        a, b = pair
        seen["a shorter"] |= len(a) < len(b)
        seen["b shorter"] |= len(b) < len(a)
        seen["0-d"] |= a == () or b == ()
        seen["1-d"] |= len(a) == 1 or len(b) == 1

    collect()
    assert all(seen.values()), seen


@given(st.data(), amt.shapes(max_dims=4))
def test_valid_axes_are_accepted_by_numpy(data, shape):
    axis = data.draw(amt.valid_axes(shape))
    x = np.zeros(shape)
    np.sum(x, axis=axis)  # raises for an invalid axis
    if isinstance(axis, tuple):
        assert len({a % len(shape) for a in axis}) == len(axis)
        assert len(axis) >= 1


def test_valid_axes_rejects_impossible_request():
    with pytest.raises(ValueError, match="no axis fits"):
        amt.valid_axes((), allow_none=False)


@given(st.data(), amt.shapes(max_dims=3, max_side=4))
def test_index_arrays_index_numpy(data, shape):
    index = data.draw(amt.index_arrays(shape))
    x = np.arange(int(np.prod(shape))).reshape(shape)
    x[index]  # raises IndexError for an invalid index


def test_index_arrays_produce_duplicates_and_masks():
    seen = {"duplicate": False, "mask": False, "basic": False}

    @settings(max_examples=150, derandomize=True, database=None)
    @given(st.data(), amt.shapes(min_dims=1, max_dims=2, min_side=2, max_side=4))
    def collect(data, shape):
        index = data.draw(amt.index_arrays(shape))
        items = index if isinstance(index, tuple) else (index,)
        for axis, item in enumerate(items):
            if isinstance(item, np.ndarray) and item.dtype == bool:
                seen["mask"] = True
            elif isinstance(item, np.ndarray):
                normalized = item % shape[axis]
                seen["duplicate"] |= len(set(normalized.tolist())) < len(normalized)
        if not any(isinstance(i, np.ndarray) for i in items):
            seen["basic"] = True

    collect()
    assert all(seen.values()), seen


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("domain", "check"),
    [
        ("real", lambda a: np.all(np.abs(a) <= 3)),
        ("positive", lambda a: np.all(a >= 0.1 * (1 - 1e-6))),
        ("away_from_zero", lambda a: np.all(np.abs(a) >= 1e-3 * (1 - 1e-6))),
        ("unit", lambda a: np.all(np.abs(a) <= 1)),
        ("probability", lambda a: np.all((a > 0) & (a < 1))),
        ("large", lambda a: np.all((np.abs(a) >= 1e3) & (np.abs(a) <= 1e4))),
    ],
)
def test_arrays_stay_in_domain(dtype, domain, check):
    @given(amt.arrays(amt.shapes(max_dims=3), dtype=dtype, domain=domain))
    def run(a):
        assert a.dtype == dtype
        assert np.all(np.isfinite(a))
        assert check(a)

    run()


def test_arrays_unknown_domain_is_an_error():
    with pytest.raises(ValueError, match="unknown domain"):
        amt.arrays((2,), domain="complex")


@given(amt.arrays((3, 2), domain="positive", margin=0.5))
def test_arrays_margin_is_honoured(a):
    assert a.shape == (3, 2)
    assert np.all(a >= 0.5)


@given(amt.away_from_kinks(amt.shapes(max_dims=3), kinks=(-1.0, 0.0, 2.0), margin=1e-2))
def test_away_from_kinks_keeps_margin(a):
    for k in (-1.0, 0.0, 2.0):
        assert np.all(np.abs(a - k) >= 1e-2 - 1e-12)


@given(amt.distinct_values(amt.shapes(max_dims=4), dtype=np.float32, min_gap=1e-2))
def test_distinct_values_are_separated(a):
    assert a.dtype == np.float32
    flat = np.sort(a.reshape(-1).astype(np.float64))
    if flat.size > 1:
        assert np.min(np.diff(flat)) >= 1e-2 * (1 - 1e-4)
