"""nn.delta_check: autograd agrees with the closed-form delta equations, layer by layer."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
               "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "identity": nn.Identity}


def build(widths: list[int], activations: list[str], seed: int) -> nn.Sequential:
    """Linear layers widths[i] -> widths[i+1], each followed by its activation module."""
    modules: list[nn.Module] = []
    for i, name in enumerate(activations):
        modules.append(nn.Linear(widths[i], widths[i + 1], dtype=np.float64, rng=seed + i))
        modules.append(ACTIVATIONS[name]())
    return nn.Sequential(*modules)


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 6), min_size=depth + 1, max_size=depth + 1))
    loss = draw(st.sampled_from(["mse_half_sum", "mse_mean", "softmax_cross_entropy"]))
    activations = draw(st.lists(st.sampled_from(sorted(ACTIVATIONS)), min_size=depth,
                                max_size=depth))
    if loss == "softmax_cross_entropy":
        activations[-1] = "identity"  # the softmax belongs to the loss
    batch = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**16))
    return widths, activations, loss, batch, seed


@given(networks())
def test_delta_equations_agree_with_autograd(case):
    widths, activations, loss, batch, seed = case
    rng = np.random.default_rng(seed)
    model = build(widths, activations, seed)
    X = rng.normal(size=(batch, widths[0]))
    if loss == "softmax_cross_entropy":
        y = rng.integers(0, widths[-1], size=batch)
    else:
        y = rng.normal(size=(batch, widths[-1]))
    report = nn.delta_check(model, X, y, loss)
    assert report.ok(1e-10), str(report)
    assert report.max_abs <= 1e-10 * max(1.0, abs(report.loss_equations))
    assert len(report.rows) == len(activations)


def test_report_table_and_fields():
    model = build([3, 5, 4, 2], ["sigmoid", "tanh", "identity"], seed=0)
    X = np.random.default_rng(0).normal(size=(6, 3))
    y = np.eye(2)[[0, 1, 1, 0, 1, 0]]  # one-hot targets
    report = nn.delta_check(model, X, y, "softmax_cross_entropy")
    text = str(report)
    assert text.startswith("delta_check (softmax_cross_entropy)")
    header = text.splitlines()[1].split()
    assert header[:4] == ["layer", "activation", "W", "shape"]
    assert "dC/dW" in header and "delta" in header
    assert [row["activation"] for row in report.rows] == ["sigmoid", "tanh", "identity"]
    assert [row["W shape"] for row in report.rows] == ["3x5", "5x4", "4x2"]
    assert report.ok() and report.max_rel < 1e-12
    assert report.loss_autograd == pytest.approx(report.loss_equations, rel=1e-14)


def test_linear_without_activation_counts_as_identity_and_model_is_untouched():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 2, rng=1))  # float32
    before = model.state_dict()
    report = nn.delta_check(model, np.ones((4, 2)), np.zeros((4, 2)), "mse_mean")
    assert [row["activation"] for row in report.rows] == ["relu", "identity"]
    assert report.ok(1e-10)  # both sides run in float64 from the float32 weights
    assert all(p.grad is None for p in model.parameters())
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_a_disagreement_is_reported(monkeypatch):
    """Tell the equations that Tanh is a sigmoid: autograd (tanh') and the equations (σ')
    must then disagree, and the report must say so in the right layer."""
    model = build([2, 3, 1], ["tanh", "identity"], seed=0)
    X, y = np.random.default_rng(0).normal(size=(4, 2)), np.zeros((4, 1))
    assert nn.delta_check(model, X, y, "mse_half_sum").ok()
    check_module = sys.modules["nn.delta_check"]
    real_name = check_module.activation_name
    monkeypatch.setattr(check_module, "activation_name",
                        lambda m: "sigmoid" if isinstance(m, nn.Tanh) else real_name(m))
    report = nn.delta_check(model, X, y, "mse_half_sum")
    assert not report.ok(1e-6) and report.max_abs > 1e-3
    assert report.rows[0]["activation"] == "sigmoid" and report.rows[0]["delta abs"] > 1e-3


def test_rejects_unsupported_models_and_losses():
    X, y = np.ones((2, 2)), np.zeros((2, 2))
    with pytest.raises(TypeError, match="Sequential"):
        nn.delta_check(nn.Linear(2, 2), X, y)
    with pytest.raises(TypeError, match="GELU"):
        nn.delta_check(nn.Sequential(nn.Linear(2, 2), nn.GELU()), X, y)
    with pytest.raises(ValueError, match="slope"):
        nn.delta_check(nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(0.2)), X, y)
    with pytest.raises(ValueError, match="without bias"):
        nn.delta_check(nn.Sequential(nn.Linear(2, 2, bias=False)), X, y)
    with pytest.raises(ValueError, match="follow"):
        nn.delta_check(nn.Sequential(nn.Tanh(), nn.Linear(2, 2)), X, y)
    with pytest.raises(ValueError, match="loss"):
        nn.delta_check(nn.Sequential(nn.Linear(2, 2)), X, y, "hinge")
    with pytest.raises(ValueError, match="identity"):
        nn.delta_check(nn.Sequential(nn.Linear(2, 2), nn.Tanh()), X, np.array([0, 1]),
                       "softmax_cross_entropy")


@pytest.mark.hardening("engine/checks-on-nan")
def test_the_report_says_nan_when_a_difference_is_nan():
    # max(0.0, nan) is 0.0: a NaN difference printed "max abs diff 0.000e+00" (ok() was False).
    report = nn.DeltaCheckReport("mse", [], 1.0, 1.0, [0.0, float("nan"), 1e-12], [1.0, 1.0, 1.0])
    assert np.isnan(report.max_abs) and np.isnan(report.max_rel) and not report.ok()
    assert "max abs diff nan" in str(report)
    clean = nn.DeltaCheckReport("mse", [], 1.0, 1.0, [0.0, 2e-12], [0.0, 4.0])
    assert clean.max_abs == 2e-12 and clean.max_rel == 5e-13 and clean.ok()
