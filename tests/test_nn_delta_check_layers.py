"""nn.delta_check on models with Conv2d, MaxPool2d and simple-RNN layers: autograd against the
closed forms of nn/delta_conv.py and nn/delta_rnn.py, chained by nn/delta_layers.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from nn import delta_conv

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "elu": nn.ELU,
               "identity": nn.Identity}


def _targets(loss: str, rng: np.random.Generator, batch: int, width: int) -> np.ndarray:
    if loss == "softmax_cross_entropy":
        return rng.integers(0, width, size=batch)
    return rng.normal(size=(batch, width))


@st.composite
def conv_networks(draw):
    channels, out_channels = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    side, kernel = draw(st.integers(4, 7)), draw(st.sampled_from([1, 2, 3]))
    stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, 1))
    pool = draw(st.sampled_from([1, 2]))
    activation = draw(st.sampled_from(sorted(ACTIVATIONS)))
    loss = draw(st.sampled_from(["mse_half_sum", "mse_mean", "softmax_cross_entropy"]))
    return (channels, out_channels, side, kernel, stride, padding, pool, activation, loss,
            draw(st.integers(1, 4)), draw(st.integers(0, 2**16)))


@given(conv_networks())
def test_conv_pool_networks_agree_with_the_closed_forms(case):
    channels, out_channels, side, kernel, stride, padding, pool, activation, loss, batch, seed \
        = case
    rng = np.random.default_rng(seed)
    conv = nn.Conv2d(channels, out_channels, kernel, stride=stride, padding=padding, rng=rng)
    conv_side = (side + 2 * padding - kernel) // stride + 1
    pool = min(pool, conv_side)  # a window no larger than the map
    features = out_channels * (conv_side // pool) ** 2
    model = nn.Sequential(nn.Unflatten(1, (channels, side, side)), conv,
                          ACTIVATIONS[activation](), nn.MaxPool2d(pool), nn.Flatten(),
                          nn.Linear(features, 3, rng=rng))
    X = rng.normal(size=(batch, channels * side * side))
    report = nn.delta_check(model, X, _targets(loss, rng, batch, 3), loss)
    assert report.ok(1e-10), str(report)
    assert [row["module"] for row in report.rows] == ["Conv2d", "MaxPool2d", "Linear", "X"]
    assert {"dC/dW abs", "dC/db abs", "delta abs"} <= set(report.rows[0])
    assert "dC/dX abs" in report.rows[-1]


@pytest.mark.parametrize("layers", [1, 2])
def test_stacked_tanh_rnn_read_out_by_h_T_agrees_with_bptt(layers):
    rng = np.random.default_rng(layers)
    rnn = nn.RNN(3, 5, num_layers=layers, batch_first=True, rng=rng)
    model = nn.Sequential(nn.Unflatten(1, (6, 3)), nn.LastHiddenState(rnn), nn.Tanh(),
                          nn.Linear(5, 4, rng=rng))
    X = rng.normal(size=(7, 18))
    report = nn.delta_check(model, X, rng.integers(0, 4, size=7), "softmax_cross_entropy")
    assert report.ok(1e-10), str(report)
    rnn_rows = [row for row in report.rows if row["module"] == "RNN (tanh)"]
    assert [row["layer"] for row in rnn_rows] == [f"1.l{k}" for k in range(layers)]
    assert {"dC/dW abs", "dC/dW_hh abs", "dC/db abs", "dC/db_hh abs"} <= set(rnn_rows[0])
    assert report.max_abs < 1e-12


def test_a_wrong_closed_form_is_reported_in_its_row(monkeypatch):
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 2, 3, rng=rng), nn.ReLU(),
                          nn.Flatten(), nn.Linear(8, 2, rng=rng))
    X, y = rng.normal(size=(3, 16)), rng.normal(size=(3, 2))
    assert nn.delta_check(model, X, y).ok()
    right = delta_conv.conv2d_backward

    def kernel_not_rotated(a, W, delta, stride=1, padding=0):  # a classic slip
        grad_a, grad_w, grad_b = right(a, W[:, :, ::-1, ::-1], delta, stride, padding)
        return grad_a, right(a, W, delta, stride, padding)[1], grad_b

    monkeypatch.setattr(delta_conv, "conv2d_backward", kernel_not_rotated)
    report = nn.delta_check(model, X, y)
    assert not report.ok(1e-6)
    assert report.rows[0]["dC/dW abs"] < 1e-12  # the kernel's own gradient is still right
    assert report.rows[-1]["dC/dX abs"] > 1e-3  # the input gradient is not


def test_the_model_and_its_gradients_are_untouched():
    rng = np.random.default_rng(1)
    model = nn.Sequential(nn.Unflatten(1, (2, 2)),
                          nn.LastHiddenState(nn.RNN(2, 3, batch_first=True, rng=rng)),
                          nn.Linear(3, 1, rng=rng))  # float32
    before = model.state_dict()
    report = nn.delta_check(model, np.ones((2, 4)), np.zeros((2, 1)))
    assert report.ok(1e-10)  # both sides in float64 from the float32 weights
    assert all(p.grad is None for p in model.parameters())
    assert model[2].weight.dtype == np.float32
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def _readout(layer: type, **options) -> nn.Sequential:
    return nn.Sequential(nn.Unflatten(1, (2, 2)),
                         nn.LastHiddenState(layer(2, 3, batch_first=True, rng=0, **options)),
                         nn.Linear(3, 1, rng=0))


@pytest.mark.hardening("engine/nn-delta-check-not-covered")
@pytest.mark.parametrize(("model", "message"), [
    (_readout(nn.LSTM), r"module 1 \(LastHiddenState\) is not covered: its LSTM has no "
                        r"closed-form backward"),
    (_readout(nn.GRU), "its GRU has no closed-form backward"),
    (_readout(nn.RNN, nonlinearity="relu"), "covers a one-direction tanh RNN"),
    (_readout(nn.RNN, bidirectional=True), "covers a one-direction tanh RNN"),
    (nn.Sequential(nn.RNN(2, 3), nn.Linear(3, 1)), r"wrap it as LastHiddenState\(layer\)"),
    (nn.Sequential(nn.Unflatten(1, (1, 2, 2)), nn.Conv2d(1, 1, 1, dilation=2), nn.Flatten()),
     "groups=1 and dilation 1, got Conv2d"),
    (nn.Sequential(nn.Unflatten(1, (1, 2, 2)), nn.MaxPool2d(2, stride=1), nn.Flatten()),
     "disjoint windows"),
    (nn.Sequential(nn.Unflatten(1, (1, 2, 2)), nn.BatchNorm2d(1), nn.Flatten()),
     r"module 1 \(BatchNorm2d\) is not covered"),
])
def test_layers_without_a_closed_form_are_named(model, message):
    with pytest.raises(TypeError, match=message) as error:
        nn.delta_check(model, np.ones((2, 4)), np.zeros((2, 1)))
    assert "covered are Linear, Conv2d, MaxPool2d" in str(error.value)


@pytest.mark.parametrize("activation, match", [(nn.LeakyReLU(0.2), "slope 0.01, got 0.2"),
                                               (nn.ELU(alpha=2.0), "alpha 1.0, got 2.0")])
@pytest.mark.parametrize("layered", [False, True])
def test_activation_constants_other_than_nn_delta_s_are_refused(activation, match, layered):
    """nn.delta fixes leaky_relu's slope and ELU's alpha; the dense and the layered checks
    refuse other values with the same message (one check behind both)."""
    rng = np.random.default_rng(0)
    front = [nn.Unflatten(1, (1, 4, 4)), nn.Conv2d(1, 1, 3, rng=rng)] if layered else []
    model = nn.Sequential(*front, *([nn.Flatten()] if layered else [nn.Linear(16, 4, rng=rng)]),
                          activation, nn.Linear(4, 2, rng=rng))
    with pytest.raises(ValueError, match=match):
        nn.delta_check(model, rng.normal(size=(2, 16)), rng.normal(size=(2, 2)))
