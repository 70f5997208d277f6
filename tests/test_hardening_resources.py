"""Hardening catalogue, resources: memory that must not grow, graphs that must be freed, and
numbers that must not overflow.

Memory is measured with `sys.getallocatedblocks()` (Python's allocator: every Tensor, node
tuple and ndarray header lives there) and with weak references to intermediate tensors, both
exact and cheap; RSS is not used, since the C allocator keeps freed pages. Stability extends
tests/test_engine_stability.py, test_nn_layers.py and test_nn_losses.py (which stop at ±1e4)
to the whole floating-point range for activations and to the largest magnitudes whose loss is
representable for losses. Counts per kind are in tests/HARDENING.md.
"""

from __future__ import annotations

import gc
import importlib
import sys
import warnings
import weakref

import numpy as np
import pytest

import autograd_mini as am
import nn

F = nn.functional
TENSOR_MODULE = importlib.import_module("autograd_mini.ops.args")


# ---- memory: training loops and huge graphs ---------------------------------------------------
def _tiny_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Dropout(0.1, rng=2),
                          nn.Linear(8, 2, rng=1))
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    return X, y, model, optimizer


def test_ten_thousand_training_steps_do_not_grow_memory():
    X, y, model, optimizer = _tiny_problem()
    loss_fn = nn.CrossEntropyLoss()
    hidden = []

    def step(i: int) -> float:
        j = (i * 8) % 64
        h = model[0](X[j:j + 8])
        if i % 1000 == 999:
            hidden.append(weakref.ref(h))  # an intermediate of this step's graph
        logits = model[3](model[2](model[1](h)))
        loss = loss_fn(logits, y[j:j + 8])
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    for i in range(1000):  # warm up: optimizer state, caches, lazily created arrays
        step(i)
    blocks = sys.getallocatedblocks()
    losses = [step(i) for i in range(1000, 10_000)]
    growth = sys.getallocatedblocks() - blocks - len(losses)  # the list itself holds floats
    assert growth < 200, f"{growth} Python blocks more after 9000 steps"
    assert all(ref() is None for ref in hidden)  # every step's graph was freed
    assert all(p.is_leaf and isinstance(p.grad, np.ndarray) for p in model.parameters())
    assert np.mean(losses[-500:]) < np.mean(losses[:500])  # and it did train


@pytest.mark.parametrize("create_graph", [False, True], ids=["backward", "create_graph"])
def test_a_large_graph_is_freed_when_its_output_is_dropped(create_graph):
    """The engine keeps a graph's edges after backward (so it can be drawn); everything goes
    as soon as the output is no longer referenced, without waiting for the cycle collector."""
    n = 1_000_000 if not create_graph else 30_000
    gc.collect()
    gc.disable()  # freeing must not depend on the cycle collector: there are no cycles
    try:
        blocks = sys.getallocatedblocks()
        x = am.tensor(0.5, requires_grad=True)
        z, samples = x, []
        for i in range(n):  # one op per iteration: n ops in all
            z = am.tanh(z) if i % 3 == 0 else z * 1.5 if i % 3 == 1 else z + 0.25
            if i % (n // 100) == 0:
                samples.append(weakref.ref(z))
        grown = sys.getallocatedblocks() - blocks
        if create_graph:
            (g,) = am.grad(z, x, create_graph=True)
            (gg,) = am.grad(g, x)
            del g
        else:
            z.backward()
        assert samples[50]() is not None and samples[50]().parents  # edges kept after backward
        del z
        kept = sys.getallocatedblocks() - blocks
        assert all(ref() is None for ref in samples)
        # What stays is Python's own free lists (tuples, floats), bounded whatever the size.
        assert kept < 20_000 + 0.01 * grown, f"{kept} of {grown} new blocks still in use"
    finally:
        gc.enable()
    assert x.grad is None if create_graph else np.isfinite(x.grad)


def test_scalar_constant_cache_stays_bounded():
    x = am.tensor(np.ones(2), requires_grad=True)
    for i in range(20_000):
        x * (1.0 + i * 1e-6)  # a new Python float every time
    assert len(TENSOR_MODULE._SCALAR_CONSTANTS) <= 4096


# ---- numerical stability at extreme inputs -------------------------------------------------------
def _strict(fn):
    """Run fn with every numpy floating-point error and every warning raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            return fn()


def _extremes(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    positive = [info.smallest_subnormal, info.tiny, 1e-3, 1.0, 50.0, 1e4, 1e30, info.max / 2,
                info.max]
    return np.array([-v for v in reversed(positive)] + [-0.0, 0.0] + positive, dtype=dtype)


ACTIVATIONS = {
    "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(), "ReLU": nn.ReLU(), "LeakyReLU": nn.LeakyReLU(),
    "LeakyReLU(0.2)": nn.LeakyReLU(0.2), "ELU": nn.ELU(), "ELU(0.5)": nn.ELU(0.5),
    "GELU": nn.GELU(), "SiLU": nn.SiLU(), "Softplus": nn.Softplus(),
    "Softplus(beta=2)": nn.Softplus(beta=2.0), "Softplus(beta=0.5)": nn.Softplus(beta=0.5),
    "Identity": nn.Identity(),
}
# The value each activation must give at ±max (its limit, representable in both dtypes).
AT_MAX = {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0), "ReLU": (0.0, "max"),
          "LeakyReLU": ("-max/100", "max"), "LeakyReLU(0.2)": ("-max/5", "max"),
          "ELU": (-1.0, "max"), "ELU(0.5)": (-0.5, "max"), "GELU": (0.0, "max"),
          "SiLU": (0.0, "max"), "Softplus": (0.0, "max"), "Softplus(beta=2)": (0.0, "max"),
          "Softplus(beta=0.5)": (0.0, "max"), "Identity": ("-max", "max")}


def _limit(spec, dtype) -> float:
    big = np.finfo(dtype).max
    return {"max": big, "-max": -big, "-max/100": -big * dtype(0.01),
            "-max/5": -big * dtype(0.2)}.get(spec, spec)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activations_over_the_whole_float_range_are_finite_silent_and_right(name, dtype):
    x = am.tensor(_extremes(dtype)[None, :], requires_grad=True)

    def run():
        out = ACTIVATIONS[name](x)
        out.backward(np.ones(x.shape, dtype))
        return out

    out = _strict(run)
    assert out.dtype == dtype and x.grad.dtype == dtype
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad))
    low, high = (_limit(v, dtype) for v in AT_MAX[name])
    np.testing.assert_allclose(out.data[0, [0, -1]], [low, high], rtol=1e-6)
    assert np.all(np.abs(x.grad) <= 1.2)  # every slope here is at most 1.13 (GELU's bump)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_family_at_every_magnitude_against_zero(name, dtype):
    """Columns [x, 0] for every extreme x: softmax is exact 0/1 at the ends, log-softmax is
    −|x| there; no overflow in the shift, no NaN in the gradient."""
    column = _extremes(dtype)
    x = am.tensor(np.stack([column, np.zeros_like(column)]), requires_grad=True)
    module = nn.Softmax(axis=0) if name == "Softmax" else nn.LogSoftmax(axis=0)
    upstream = np.stack([np.ones_like(column), -np.ones_like(column)])

    def run():
        out = module(x)
        out.backward(upstream)
        return out

    out = _strict(run)
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad))
    if name == "Softmax":
        np.testing.assert_array_equal(out.data[0, [0, -1]], [0.0, 1.0])
    else:
        big = np.finfo(dtype).max
        np.testing.assert_allclose(out.data[0, [0, -1]], [-big, 0.0], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_a_row_spanning_the_whole_range_is_exact_and_silent(dtype):
    """x − max(x) overflows to −inf for x = −max next to +max: harmless (e^−inf = 0), so no
    warning. (log_softmax there is −2·max, which no float holds: −inf is its honest value.)"""
    x = am.tensor(_extremes(dtype)[None, :], requires_grad=True)

    def run():
        out = am.softmax(x)
        out.backward(np.ones(x.shape, dtype))
        return out

    out = _strict(run)
    expected = np.zeros(x.shape, dtype)
    expected[0, -1] = 1.0
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(x.grad, 0.0)


def _loss_cases(dtype, big):
    z = np.array([[big, -big, 0.0], [-big, big, 5.0], [0.0, 0.0, -big]], dtype=dtype)
    y = np.array([[-big, big, 1.0], [0.0, 0.0, 0.0], [big, -big, big]], dtype=dtype) / 2
    binary = (z > 0).astype(dtype)
    return z, {
        "L1Loss": (lambda x, r: F.l1_loss(x, y, r), 1.0),
        "HuberLoss": (lambda x, r: F.huber_loss(x, y, r), 1.0),
        "HuberLoss(delta=0.01)": (lambda x, r: F.huber_loss(x, y, r, delta=0.01), 0.01),
        "BCEWithLogitsLoss": (lambda x, r: F.binary_cross_entropy_with_logits(x, binary, r), 1.0),
        "CrossEntropyLoss[labels]": (lambda x, r: F.cross_entropy(x, np.array([1, 0, 2]), r),
                                     2.0),
        "CrossEntropyLoss[probs]": (lambda x, r: F.cross_entropy(x, np.full((3, 3), 1 / 3), r),
                                    2.0),
        "BCELoss(sigmoid)": (lambda x, r: F.binary_cross_entropy(F.sigmoid(x), 1 - binary, r),
                             1.0),
    }


LOSS_NAMES = list(_loss_cases(np.float64, 1.0)[1])
MAGNITUDES = {np.float32: [1e4, 1e18, 1e30], np.float64: [1e4, 1e30, 1e150]}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_losses_at_extreme_magnitudes_are_finite_silent_with_bounded_gradients(
        name, dtype, reduction):
    """Every loss that grows linearly stays finite for inputs up to 1e30 (float32) or 1e150
    (float64), and each gradient entry stays within the loss's slope bound."""
    for big in MAGNITUDES[dtype]:
        z, cases = _loss_cases(dtype, big)
        fn, slope = cases[name]
        x = am.tensor(z, requires_grad=True)

        def run(fn=fn, x=x):
            out = fn(x, reduction)
            out.backward(np.ones(out.shape, out.dtype))
            return out

        out = _strict(run)
        assert out.dtype == dtype and np.all(np.isfinite(out.data)), (big, out.data)
        assert np.all(np.isfinite(x.grad)) and np.all(np.abs(x.grad) <= slope * 1.0001), big


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mse_is_finite_up_to_the_square_root_of_the_largest_float(dtype):
    """MSE grows quadratically: it is finite and silent while (ŷ − y)² is representable."""
    big = np.sqrt(np.finfo(dtype).max) / 4
    pred = am.tensor(np.array([big, -big, 0.0], dtype), requires_grad=True)

    def run():
        out = F.mse_loss(pred, np.array([-big, big, 0.0], dtype) / 2, "sum")
        out.backward()
        return out

    out = _strict(run)
    assert np.isfinite(out.item()) and np.all(np.isfinite(pred.grad))
    np.testing.assert_allclose(out.item(), 2 * (1.5 * big) ** 2, rtol=1e-6)


def test_batch_norm_at_extreme_and_constant_features_is_finite_and_silent():
    # float32 features at ±1e18 (their variance, 7e35, is representable) and at ±1e-30
    x = np.array([[1e18, 5.0, -1e-30], [-1e18, 5.0, 1e-30], [0.0, 5.0, 0.0]], np.float32)
    layer = nn.BatchNorm1d(3)
    xt = am.tensor(x, requires_grad=True)

    def run():
        out = layer(xt)
        out.backward(np.ones_like(x))
        return out

    out = _strict(run)
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(xt.grad))
    np.testing.assert_array_equal(out.data[:, 1], 0.0)  # a constant feature normalises to 0
