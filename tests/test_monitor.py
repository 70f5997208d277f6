"""GradientMonitor: the Glorot-Bengio story in numbers, dead and saturated units, NaN flags."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
from nn.monitor import GradientMonitor, MonitorThresholds
from nn.optim import SGD

DEPTH, WIDTH, INPUTS, CLASSES, BATCH = 8, 10, 16, 4, 64


def mlp(activation: str, init: str, seed: int):
    """Plain-Tensor MLP (8 Linear layers): 'normal' = N(0,1) weights and biases (the lecture's
    bad start), 'he' = N(0, 2/fan_in) weights and zero biases."""
    rng = np.random.default_rng(seed)
    dims = [INPUTS] + [WIDTH] * (DEPTH - 1) + [CLASSES]
    params = []
    for i, (n_in, n_out) in enumerate(zip(dims[:-1], dims[1:])):
        std = 1.0 if init == "normal" else math.sqrt(2.0 / n_in)
        w = am.Tensor(rng.normal(0.0, std, (n_in, n_out)), requires_grad=True)
        b = am.Tensor(rng.normal(0.0, 1.0, n_out) if init == "normal" else np.zeros(n_out),
                      requires_grad=True)
        params += [(f"layers.{i}.weight", w), (f"layers.{i}.bias", b)]
    x = rng.standard_normal((BATCH, INPUTS))
    y = rng.integers(0, CLASSES, BATCH)
    return params, x, y


def forward_backward(params, x, y, activation: str, monitor: GradientMonitor | None = None):
    h = am.Tensor(x)
    for i in range(DEPTH):
        w, b = params[2 * i][1], params[2 * i + 1][1]
        h = am.linear(h, w, b)
        if i < DEPTH - 1:
            h = getattr(am, activation)(h)
            if monitor is not None:
                monitor.watch_activation(f"layers.{i}.act", h)
    loss = am.cross_entropy(h, y)
    loss.backward()
    return loss


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigmoid_with_unit_normal_init_vanishes_relu_with_he_does_not(seed):
    bad, x, y = mlp("sigmoid", "normal", seed)
    monitor = GradientMonitor(bad)
    forward_backward(bad, x, y, "sigmoid", monitor)
    monitor.record()
    norms = [s["grad_norm"] for s in monitor.history[-1]["layers"].values()]
    assert norms[0] < 1e-2 * max(norms)  # the first layer learns 100x slower than the last
    findings = monitor.diagnose()
    vanishing = [f for f in findings if "vanishing gradients" in f]
    assert vanishing and vanishing[0].startswith("layers.0.weight: gradient norm")
    assert [name for name, _ in monitor.tracked] == [f"layers.{i}.weight" for i in range(DEPTH)]

    good, x, y = mlp("relu", "he", seed)
    monitor = GradientMonitor(good)
    forward_backward(good, x, y, "relu", monitor)
    monitor.record()
    norms = [s["grad_norm"] for s in monitor.history[-1]["layers"].values()]
    assert min(norms) > 0.1 * max(norms)
    assert not [f for f in monitor.diagnose() if "vanishing" in f or "exploding" in f]


def test_dead_relu_fraction_on_a_constructed_layer():
    rng = np.random.default_rng(0)
    x = am.Tensor(rng.uniform(-1, 1, (32, 4)))
    w = am.Tensor(rng.uniform(-0.1, 0.1, (4, 8)), requires_grad=True)
    bias = np.full(8, 5.0)
    bias[[1, 4, 6]] = -5.0  # |x W| < 0.4, so these three units are negative for every sample
    b = am.Tensor(bias, requires_grad=True)
    out = am.relu(am.linear(x, w, b))
    out.sum().backward()
    monitor = GradientMonitor([("hidden.weight", w), ("hidden.bias", b)])
    monitor.watch_activation("hidden", out)
    stats = monitor.record()["activations"]["hidden"]
    assert stats["kind"] == "relu" and stats["dead_fraction"] == 3 / 8
    np.testing.assert_array_equal(w.grad[:, [1, 4, 6]], 0.0)  # dead units get no gradient
    assert monitor.diagnose() == []  # 37.5% < the default 40% threshold
    monitor.thresholds.dead_fraction = 0.3
    assert monitor.diagnose() == [
        "38% of relu units in hidden are dead (zero for every sample in the batch)"
    ]


def test_saturated_fractions_follow_the_documented_slope_threshold():
    monitor = GradientMonitor([("w", am.Tensor(np.ones((2, 2)), requires_grad=True))])
    z = am.Tensor(np.array([[-6.0, -3.0, 0.0, 3.0, 6.0]]), requires_grad=True)
    monitor.watch_activation("s", am.sigmoid(z))  # σ' < 0.025 only at |z| = 6 (σ'(3) = 0.045)
    monitor.watch_activation("t", am.tanh(z))  # tanh' < 0.1 at |z| >= 3
    monitor.watch_activation("e", am.elu(z))  # ELU' = e^z < 0.1 at z <= -3
    monitor.watch_activation("l", am.leaky_relu(z).data, kind="leaky_relu")  # arrays need kind=
    stats = monitor.record()["activations"]
    assert stats["s"]["saturated_fraction"] == 2 / 5
    assert stats["t"]["saturated_fraction"] == 4 / 5
    assert stats["e"]["saturated_fraction"] == 2 / 5
    assert stats["l"]["dead_fraction"] == 2 / 5  # single sample: each entry is a unit
    assert "80% of tanh outputs in t are saturated" in " ".join(monitor.diagnose())
    with pytest.raises(ValueError, match="kind"):
        monitor.watch_activation("x", am.exp(z))
    with pytest.raises(ValueError, match="kind"):
        monitor.watch_activation("y", am.tanh(z).data)


def test_nan_and_inf_flags():
    w = am.Tensor(np.ones((2, 3)), requires_grad=True)
    b = am.Tensor(np.ones(3), requires_grad=True)
    w.grad = np.array([[1.0, np.nan, 0.0], [0.0, 0.0, 0.0]])
    b.grad = np.array([np.inf, 0.0, 0.0])
    monitor = GradientMonitor([("layer.weight", w), ("layer.bias", b)])
    entry = monitor.record()
    assert entry["nonfinite"] == {"layer.weight": "NaN in gradient",
                                  "layer.bias": "Inf in gradient"}
    findings = monitor.diagnose()
    assert findings[:2] == ["NaN in gradient in layer.weight", "Inf in gradient in layer.bias"]
    assert monitor.to_arrays()["nonfinite"].tolist() == [[True]]
    w.grad, b.grad = np.zeros((2, 3)), np.zeros(3)
    w.data[0, 0] = np.inf
    assert monitor.record()["nonfinite"] == {"layer.weight": "Inf in weight"}


def test_exploding_growth_over_time():
    w = am.Tensor(np.ones((3, 3)), requires_grad=True)
    monitor = GradientMonitor([("w", w)], track_updates=False)
    for scale in [1.0, 2.0, 5.0, 40.0]:
        w.grad = np.full((3, 3), scale)
        monitor.record()
        assert monitor.diagnose() == []
    w.grad = np.full((3, 3), 150.0)
    monitor.record()
    assert monitor.diagnose() == [
        "w: gradient norm grew 150x in 4 records (3.0e+00 -> 4.5e+02) — exploding gradients"
    ]
    monitor.thresholds.growth_window = 2  # the 1.0 record falls outside the window
    assert monitor.diagnose() == []


def test_exploding_through_depth_and_all_zero():
    a = am.Tensor(np.ones((2, 2)), requires_grad=True)
    b = am.Tensor(np.ones((2, 2)), requires_grad=True)
    a.grad, b.grad = np.full((2, 2), 500.0), np.full((2, 2), 1.0)
    monitor = GradientMonitor([("first", a), ("last", b)])
    monitor.record()
    assert monitor.diagnose() == [
        "first: gradient norm 1.0e+03 is 5.0e+02x last's (2.0e+00) — exploding gradients"
    ]
    a.grad[...], b.grad[...] = 0.0, 0.0
    monitor.record()
    assert monitor.diagnose()[0].startswith("every tracked gradient is exactly zero")


def test_update_ratio_from_record_update_and_from_the_next_record():
    rng = np.random.default_rng(0)
    w = am.Tensor(rng.standard_normal((4, 5)), requires_grad=True)
    opt = SGD([w], lr=0.01)
    monitor = GradientMonitor([("w", w)])
    w.grad = rng.standard_normal((4, 5))
    expected = 0.01 * np.linalg.norm(w.grad) / np.linalg.norm(w.data)
    monitor.record()
    assert monitor.history[-1]["layers"]["w"]["update_ratio"] is None
    opt.step()
    monitor.record_update()
    assert monitor.history[-1]["layers"]["w"]["update_ratio"] == pytest.approx(expected)

    expected = 0.01 * np.linalg.norm(w.grad) / np.linalg.norm(w.data)
    monitor.record()  # no record_update: the next record measures the step in between
    opt.step()
    monitor.record()
    ratios = monitor.to_arrays()["update_ratio"][:, 0]
    assert ratios[1] == pytest.approx(expected) and np.isnan(ratios[2])
    opt.param_groups[0]["lr"] = 10.0
    opt.step()
    monitor.record_update()
    assert "learning rate may be too high" in monitor.diagnose()[-1]


def test_to_arrays_and_summary():
    params, x, y = mlp("tanh", "he", 0)
    monitor = GradientMonitor(params, include_biases=True)
    for step in (10, 20):
        forward_backward(params, x, y, "tanh", monitor)
        monitor.record(step=step)
    arrays = monitor.to_arrays()
    assert arrays["step"].tolist() == [10, 20]
    assert arrays["grad_norm"].shape == (2, 2 * DEPTH)  # biases tracked too
    assert arrays["saturated_fraction"].shape == (2, DEPTH - 1)
    assert np.isnan(arrays["dead_fraction"]).all()  # tanh units do not die
    np.testing.assert_allclose(arrays["grad_norm"][1, 0], np.linalg.norm(params[0][1].grad))
    text = monitor.summary()
    assert text.startswith("step 20") and "layers.7.bias" in text and "layers.6.act" in text


def test_input_validation():
    with pytest.raises(TypeError, match="named_parameters"):
        GradientMonitor(3)
    with pytest.raises(TypeError, match="pairs"):
        GradientMonitor([am.Tensor(np.ones(2))])
    with pytest.raises(ValueError, match="no parameters"):
        GradientMonitor([])
    t = MonitorThresholds(vanishing_ratio=0.5)
    monitor = GradientMonitor({"w": am.Tensor(np.ones((2, 2)))}, thresholds=t)
    assert monitor.thresholds.vanishing_ratio == 0.5
    assert monitor.summary().startswith("GradientMonitor: nothing recorded")


def test_automatic_activation_capture_on_modules():
    nn = pytest.importorskip("nn")
    if not hasattr(nn, "Sequential"):
        pytest.skip("nn.Module not available")
    model = nn.Sequential(
        nn.Linear(3, 6, dtype=np.float64, rng=0), nn.ReLU(),
        nn.Linear(6, 6, dtype=np.float64, rng=1), nn.Tanh(),
        nn.Linear(6, 1, dtype=np.float64, rng=2),
    )
    model[0].bias.data[:2] = -50.0  # two of six hidden units can never fire
    with GradientMonitor(model) as monitor:
        assert monitor.watched == ["1", "3"]
        out = model(am.Tensor(np.random.default_rng(0).uniform(-1, 1, (16, 3))))
        out.sum().backward()
        entry = monitor.record()
        assert entry["activations"]["1"]["dead_fraction"] == 2 / 6
        assert entry["activations"]["3"]["kind"] == "tanh"
        assert list(entry["layers"]) == ["0.weight", "2.weight", "4.weight"]
    assert "forward" not in vars(model[1])  # observed through a hook, never patched
    assert not model[1]._forward_hooks and not model[3]._forward_hooks  # hooks detached
    model(am.Tensor(np.zeros((1, 3))))
    assert monitor.record()["activations"] == {}


def test_state_dict_round_trips_through_a_checkpoint_file_with_nan_and_inf(tmp_path):
    import nn as nn_package

    w = am.Tensor(np.ones((2, 2)), requires_grad=True)
    monitor = GradientMonitor([("w", w)])
    w.grad = np.array([[np.nan, 1.0], [np.inf, 0.0]])
    monitor.record(step=7)
    monitor.history[0]["layers"]["w"]["update_ratio"] = math.inf
    nn_package.save({"monitor": monitor.state_dict()}, tmp_path / "m.npz")
    fresh = GradientMonitor([("w", w)])
    fresh.load_state_dict(nn_package.load(tmp_path / "m.npz")["monitor"])
    entry = fresh.history[0]
    assert entry["step"] == 7 and entry["nonfinite"] == monitor.history[0]["nonfinite"]
    assert math.isnan(entry["layers"]["w"]["grad_norm"])
    assert entry["layers"]["w"]["update_ratio"] == math.inf
    fresh.history[0]["step"] = 8  # a deep copy: the saved state is not shared
    assert monitor.history[0]["step"] == 7
    with pytest.raises(ValueError, match="expected"):
        fresh.load_state_dict({"history": [{"layers": {}}]})
