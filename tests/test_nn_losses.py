"""Losses: every loss and reduction gradchecked (float64), against PyTorch, shapes, stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from float_extremes import strict
from test_nn_helpers import check_gradients

import autograd_mini as am
import nn
import nn.functional as F

RNG = np.random.default_rng(7)
N, K = 6, 4
PRED = RNG.normal(size=(N, K))
TARGET = RNG.normal(size=(N, K))
# Keep |pred − target| away from 0 (L1 kink) and from 1 (Huber's δ kink).
TARGET = np.where(np.abs(np.abs(PRED - TARGET) - 1.0) < 0.05, TARGET + 0.2, TARGET)
TARGET = np.where(np.abs(PRED - TARGET) < 0.05, TARGET + 0.2, TARGET)
PROBS = RNG.uniform(0.05, 0.95, size=(N, K))
BINARY = (RNG.uniform(size=(N, K)) > 0.5).astype(np.float64)
LABELS = RNG.integers(0, K, size=N)
SOFT = RNG.dirichlet(np.ones(K), size=N)  # probability rows

# (name, module factory, torch factory, input, target); reduction is filled in by each test.
CASES = [
    ("mse", nn.MSELoss, lambda t, r: t.nn.MSELoss(reduction=r), PRED, TARGET),
    ("l1", nn.L1Loss, lambda t, r: t.nn.L1Loss(reduction=r), PRED, TARGET),
    ("huber", nn.HuberLoss, lambda t, r: t.nn.HuberLoss(reduction=r), PRED, TARGET),
    ("huber_delta", lambda r: nn.HuberLoss(r, delta=0.5),
     lambda t, r: t.nn.HuberLoss(reduction=r, delta=0.5), PRED, TARGET),
    ("bce", nn.BCELoss, lambda t, r: t.nn.BCELoss(reduction=r), PROBS, BINARY),
    ("bce_soft_target", nn.BCELoss, lambda t, r: t.nn.BCELoss(reduction=r), PROBS,
     PROBS[::-1].copy()),
    ("bce_logits", nn.BCEWithLogitsLoss,
     lambda t, r: t.nn.BCEWithLogitsLoss(reduction=r), PRED, BINARY),
    ("ce_labels", nn.CrossEntropyLoss,
     lambda t, r: t.nn.CrossEntropyLoss(reduction=r), PRED, LABELS),
    ("ce_probs", nn.CrossEntropyLoss,
     lambda t, r: t.nn.CrossEntropyLoss(reduction=r), PRED, SOFT),
]
IDS = [c[0] for c in CASES]
REDUCTIONS = ["mean", "sum", "none"]


def _torch_target(torch, target):
    t = torch.from_numpy(np.ascontiguousarray(target))
    return t.long() if t.dtype == torch.int64 else t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "make", "make_torch", "x", "y"), CASES, ids=IDS)
def test_loss_gradcheck(name, make, make_torch, x, y, reduction):
    loss = make(reduction)
    check_gradients(lambda inp: loss(inp, y), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "make", "make_torch", "x", "y"), CASES, ids=IDS)
def test_loss_matches_torch(name, make, make_torch, x, y, reduction):
    torch = pytest.importorskip("torch")
    xt = am.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    out = make(reduction)(xt, y)
    t_out = make_torch(torch, reduction)(tt, _torch_target(torch, y))
    upstream = RNG.normal(size=out.shape)
    out.backward(upstream)
    t_out.backward(torch.from_numpy(np.asarray(upstream)))
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad, tt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_half_sum_is_the_lecture_cost_with_gradient_residual():
    pred = am.tensor(PRED, requires_grad=True)
    cost = nn.MSELoss(reduction="half_sum")(pred, TARGET)
    assert cost.item() == pytest.approx(0.5 * np.sum((PRED - TARGET) ** 2), rel=1e-14)
    cost.backward()
    np.testing.assert_allclose(pred.grad, PRED - TARGET, rtol=1e-14)
    check_gradients(lambda p: F.mse_loss(p, TARGET, reduction="half_sum"), PRED)
    assert "half_sum" in repr(nn.MSELoss("half_sum"))


def test_losses_gradcheck_with_respect_to_targets():
    check_gradients(lambda t: F.mse_loss(PRED, t), TARGET)
    check_gradients(lambda t: F.huber_loss(PRED, t, delta=0.7), TARGET)
    check_gradients(lambda t: F.binary_cross_entropy_with_logits(PRED, t), PROBS)


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.huber_loss, F.binary_cross_entropy,
                                F.binary_cross_entropy_with_logits])
def test_elementwise_losses_refuse_mismatched_shapes(fn):
    pred = np.full((5, 1), 0.5)
    with pytest.raises(am.ShapeError) as info:
        fn(pred, np.full(5, 0.5))  # (5, 1) vs (5,) would broadcast to (5, 5)
    message = str(info.value)
    assert fn.__name__ in message and "(5, 1)" in message and "(5,)" in message
    assert "reshape" in message


def test_cross_entropy_errors_name_shapes():
    with pytest.raises(am.ShapeError, match="cross_entropy"):
        F.cross_entropy(PRED, np.zeros(N + 1, dtype=int))
    with pytest.raises(ValueError, match="labels must lie"):
        F.cross_entropy(PRED, np.full(N, K))
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        F.l1_loss(PRED, TARGET, reduction="half_sum")


def test_bce_refuses_values_outside_unit_interval():
    with pytest.raises(ValueError, match="with_logits"):
        F.binary_cross_entropy(np.array([0.5, 1.5]), np.array([0.0, 1.0]))


def test_losses_keep_float32():
    pred32 = am.tensor(PRED.astype(np.float32), requires_grad=True)
    for loss, target in [(nn.MSELoss(), TARGET), (nn.HuberLoss(), TARGET),
                         (nn.BCEWithLogitsLoss(), BINARY), (nn.CrossEntropyLoss(), LABELS)]:
        value = loss(pred32, target)
        value.backward()
        assert value.dtype == np.float32 and pred32.grad.dtype == np.float32
        pred32.grad = None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_are_stable_and_silent(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [0.0, 0.0, -1e4]], dtype=dtype)
    labels = np.array([1, 0, 2])  # the worst possible label for each row
    z = am.tensor(logits, requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        ce = nn.CrossEntropyLoss(reduction="none")(z, labels)
        bce = nn.BCEWithLogitsLoss()(z, (logits > 0).astype(dtype)[::-1])
        probs = nn.Sigmoid()(z)  # exactly 0 and 1 at ±1e4: the logs must be clamped
        bce_probs = nn.BCELoss()(probs, (logits < 0).astype(dtype))
        (ce.sum() + bce + bce_probs).backward()
    assert np.all(np.isfinite(ce.data)) and np.isfinite(bce.item())
    assert np.isfinite(bce_probs.item()) and np.all(np.isfinite(z.grad.data))
    # Correctly scaled: the first row's loss is 2e4 (logit gap), not inf or 0.
    assert ce.data[0] == pytest.approx(2e4, rel=1e-6)
    # BCE on saturated probabilities: each log is floored at −100, as in PyTorch.
    p, y = probs.data.astype(np.float64), (logits < 0).astype(np.float64)
    with np.errstate(divide="ignore"):
        floored = -(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))
    assert bce_probs.item() == pytest.approx(floored.mean(), rel=1e-5)
    assert floored.max() == 100.0


def test_extreme_logits_match_torch():
    torch = pytest.importorskip("torch")
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]])
    labels = np.array([1, 0])
    z = am.tensor(logits, requires_grad=True)
    zt = torch.tensor(logits, requires_grad=True)
    nn.CrossEntropyLoss()(z, labels).backward()
    torch.nn.CrossEntropyLoss()(zt, torch.from_numpy(labels)).backward()
    np.testing.assert_allclose(z.grad, zt.grad.numpy(), atol=1e-12)
    y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    value = nn.BCEWithLogitsLoss(reduction="sum")(logits, y).item()
    expected = torch.nn.BCEWithLogitsLoss(reduction="sum")(zt, torch.from_numpy(y)).item()
    assert value == pytest.approx(expected, rel=1e-12)
    p = np.array([0.0, 1.0, 0.5, 1e-50])
    t = np.array([1.0, 0.0, 1.0, 1.0])
    ours = F.binary_cross_entropy(p, t, reduction="none").data
    theirs = torch.nn.functional.binary_cross_entropy(
        torch.from_numpy(p), torch.from_numpy(t), reduction="none").numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ---- extreme magnitudes (tests/HARDENING.md) ----------------------------------------------
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


@pytest.mark.hardening("resources/losses")
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

        out = strict(run)
        assert out.dtype == dtype and np.all(np.isfinite(out.data)), (big, out.data)
        g = x.grad.data
        assert np.all(np.isfinite(g)) and np.all(np.abs(g) <= slope * 1.0001), big


@pytest.mark.hardening("resources/mse")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mse_is_finite_up_to_the_square_root_of_the_largest_float(dtype):
    """MSE grows quadratically: it is finite and silent while (ŷ − y)² is representable."""
    big = np.sqrt(np.finfo(dtype).max) / 4
    pred = am.tensor(np.array([big, -big, 0.0], dtype), requires_grad=True)

    def run():
        out = F.mse_loss(pred, np.array([-big, big, 0.0], dtype) / 2, "sum")
        out.backward()
        return out

    out = strict(run)
    assert np.isfinite(out.item()) and np.all(np.isfinite(pred.grad.data))
    np.testing.assert_allclose(out.item(), 2 * (1.5 * big) ** 2, rtol=1e-6)


@pytest.mark.hardening("training/float16-bce")
@pytest.mark.parametrize("loss", ["bce", "bce_with_logits"])
def test_float16_bce_of_confidently_wrong_predictions_is_finite(loss):
    """float16 BCE gave NaN gradients (1/p overflows, inf·0 at the clip) and a loss of 16.6
    where PyTorch clamps log at −100; now loss 100 and finite gradients, in float16."""
    if loss == "bce":
        values, fn = np.array([1.0, 0.0, 0.999, 1e-4]), nn.BCELoss(reduction="none")
    else:
        values, fn = np.array([20.0, -20.0, 6e4, -6e4]), nn.BCEWithLogitsLoss(reduction="none")
    target = np.array([0.0, 1.0, 0.0, 1.0], dtype=np.float16)
    x16 = am.tensor(values.astype(np.float16), requires_grad=True)
    x32 = am.tensor(values.astype(np.float16).astype(np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out16 = fn(x16, target)
        out16.backward(np.ones(4, dtype=np.float16))  # a float16 sum of 6e4s would overflow
    out32 = fn(x32, target.astype(np.float32))
    out32.sum().backward()
    assert out16.dtype == np.float16 and x16.grad.dtype == np.float16
    assert np.isfinite(out16.data).all() and np.isfinite(x16.grad.data).all()
    np.testing.assert_allclose(out16.data, out32.data, rtol=2e-3)
    np.testing.assert_allclose(x16.grad, x32.grad, rtol=2e-3)
    if loss == "bce":
        assert out16.data[0] == out16.data[1] == 100.0  # PyTorch's clamp of log at −100
