"""Decaying optimizer buffers are flushed before they reach the (slow) subnormal range."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from nn import optim
from nn.optim.optimizer import FLUSH_BELOW, FLUSH_EVERY, flush_tiny_

TINY32 = np.finfo(np.float32).tiny

# optimizer, options, the state buffers that decay when the gradient is 0
CASES = [
    ("Adam", {"lr": 1e-3}, ["exp_avg"]),
    ("SGD", {"lr": 1e-2, "momentum": 0.9}, ["momentum_buffer"]),
    ("RMSprop", {"lr": 1e-3, "momentum": 0.9, "centered": True, "alpha": 0.9},
     ["momentum_buffer", "grad_avg"]),
]


def _subnormal_count(a: np.ndarray) -> int:
    return int(np.count_nonzero((a != 0) & (np.abs(a) < np.finfo(a.dtype).tiny)))


@pytest.mark.parametrize(("name", "options", "buffers"), CASES)
def test_buffers_of_dead_entries_never_get_stuck_subnormal(name, options, buffers):
    rng = np.random.default_rng(0)
    w = am.Tensor(rng.standard_normal((8, 4)).astype(np.float32), requires_grad=True)
    opt = getattr(optim, name)([w], **options)
    seen_subnormal = 0
    for step in range(1200):  # 0.9^1200 ≈ 1e-55: without the flush these would get stuck
        g = rng.standard_normal((8, 4)).astype(np.float32)
        if step >= 10:
            g[:, 0] = 0.0  # column 0 dies after 10 steps (a dead ReLU unit)
        w.grad = g
        opt.step()
        seen_subnormal += sum(_subnormal_count(opt.state[w][k]) for k in buffers)
    assert seen_subnormal == 0
    for key in buffers:
        assert np.all(opt.state[w][key][:, 0] == 0)  # flushed to exactly 0
        assert np.all(opt.state[w][key][:, 1:] != 0)  # live entries untouched
    assert np.all(np.isfinite(w.data))


def test_unflushed_buffers_do_get_stuck():
    """What the flush prevents: β·m rounds back to m for the smallest subnormals."""
    m = np.full(3, 4 * np.float32(1.4e-45), dtype=np.float32)  # 4 ulps of the subnormal range
    for _ in range(100):
        m *= np.float32(0.9)
    assert _subnormal_count(m) == 3


def test_flush_only_on_schedule_and_keeps_nan_inf_and_normal_values():
    limit = TINY32 * FLUSH_BELOW
    values = np.array([limit / 2, -limit / 4, limit * 2, np.nan, np.inf, -np.inf, 1e-3, 0.0],
                      dtype=np.float32)
    a = values.copy()
    flush_tiny_(a, FLUSH_EVERY - 1)  # off schedule: untouched
    np.testing.assert_array_equal(a, values)
    flush_tiny_(a, 2 * FLUSH_EVERY)
    expected = values.copy()
    expected[:2] = 0
    np.testing.assert_array_equal(a, expected)


def test_flush_leaves_training_results_unchanged(monkeypatch):
    """Adam with and without the flush (dead entries, 4 flushes) ends with equal weights."""
    import nn.optim.optimizer as optimizer_module

    rng = np.random.default_rng(1)
    init = rng.standard_normal((6, 3)).astype(np.float32)
    grads = [rng.standard_normal((6, 3)).astype(np.float32) for _ in range(12 * FLUSH_EVERY)]
    for g in grads[20:]:
        g[0] = 0.0
    results, flushed = [], []
    for every in (FLUSH_EVERY, 10**9):  # the real schedule, then never
        monkeypatch.setattr(optimizer_module, "FLUSH_EVERY", every)
        w = am.Tensor(init.copy(), requires_grad=True)
        opt = optim.Adam([w], lr=1e-2)
        for g in grads:
            w.grad = g.copy()
            opt.step()
        results.append(w.data.copy())
        flushed.append(np.count_nonzero(opt.state[w]["exp_avg"][0] == 0))
    assert flushed == [3, 0]  # the flush did act (and without it the row is not yet 0)
    np.testing.assert_array_equal(results[0], results[1])


def test_float16_buffers_are_not_flushed():
    a = np.array([1e-4, 3e-5, 1.0], dtype=np.float16)  # 3e-5 is a float16 subnormal
    before = a.copy()
    flush_tiny_(a, FLUSH_EVERY)
    np.testing.assert_array_equal(a, before)


def test_float64_threshold_is_negligible():
    a = np.array([1e-302, 1e-200, 1e-310], dtype=np.float64)  # limit ≈ 3.7e-301
    flush_tiny_(a, FLUSH_EVERY)
    np.testing.assert_array_equal(a, [0.0, 1e-200, 0.0])
