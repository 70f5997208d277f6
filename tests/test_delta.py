"""nn/delta.py against finite differences and naive numpy references (numpy only, float64)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nn import delta
from nn.delta import (
    ACTIVATIONS,
    LOSSES,
    backward,
    format_table,
    forward,
    worked_example,
)

EPS = 1e-6
KINK_MARGIN = 1e-3  # every pre-activation must be this far from 0 (relu/leaky/elu kinks)
ACTIVATION_NAMES = sorted(ACTIVATIONS)
LOSS_NAMES = sorted(LOSSES)


# ----------------------------------------------------------------------------- references
# Naive, independent formulas for the cost; finite differences of these are the ground truth.


def reference_activation(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - 1.0)
    assert name == "identity"
    return z


def reference_cost(loss: str, output: np.ndarray, y: np.ndarray) -> float:
    if loss == "mse_half_sum":
        return 0.5 * float(np.sum((output - y) ** 2))
    if loss == "mse_mean":
        return float(np.mean((output - y) ** 2))
    assert loss == "softmax_cross_entropy"
    targets = np.eye(output.shape[1])[y] if y.ndim == 1 else y
    probabilities = np.exp(output) / np.sum(np.exp(output), axis=1, keepdims=True)
    return -float(np.mean(np.sum(targets * np.log(probabilities), axis=1)))


def cost_from_layer(net: dict, start: int, z: np.ndarray) -> float:
    """C as a function of z^{start+1} (list index `start`), running the rest of the network."""
    a = reference_activation(net["activations"][start], z)
    for W, b, name in zip(
        net["weights"][start + 1 :],
        net["biases"][start + 1 :],
        net["activations"][start + 1 :],
        strict=True,
    ):
        a = reference_activation(name, a @ W + b)
    return reference_cost(net["loss"], a, net["y"])


def cost(net: dict) -> float:
    return cost_from_layer(net, 0, net["X"] @ net["weights"][0] + net["biases"][0])


def central_difference(f, x: np.ndarray) -> np.ndarray:
    """∂f/∂x entry by entry, (f(x + ε) − f(x − ε)) / 2ε, perturbing x in place."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + EPS
        plus = f()
        x[index] = saved - EPS
        minus = f()
        x[index] = saved
        grad[index] = (plus - minus) / (2 * EPS)
    return grad


# ----------------------------------------------------------------------------- strategies


@st.composite
def networks(draw, loss: str | None = None, activation: str | None = None) -> dict:
    """A random network, batch and target; `activation`, if given, is used in every hidden layer."""
    loss = loss or draw(st.sampled_from(LOSS_NAMES))
    depth = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 6), min_size=depth + 1, max_size=depth + 1))
    batch = draw(st.integers(1, 8))
    names = [activation or draw(st.sampled_from(ACTIVATION_NAMES)) for _ in range(depth)]
    if loss == "softmax_cross_entropy":
        names[-1] = "identity"
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(batch, widths[0]))
    weights = [
        rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in)
        for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True)
    ]
    biases = [rng.normal(scale=0.5, size=fan_out) for fan_out in widths[1:]]
    if loss == "softmax_cross_entropy" and draw(st.booleans()):
        y = rng.integers(0, widths[-1], size=batch)
    elif loss == "softmax_cross_entropy":
        y = rng.dirichlet(np.ones(widths[-1]), size=batch)
    else:
        y = rng.normal(size=(batch, widths[-1]))
    net = dict(X=X, y=y, weights=weights, biases=biases, activations=names, loss=loss)
    zs, _ = forward(X, weights, biases, names)
    assume(all(np.all(np.abs(z) > KINK_MARGIN) for z in zs))
    return net


def run_backward(net: dict) -> delta.DeltaResult:
    return backward(
        net["X"], net["y"], net["weights"], net["biases"], net["activations"], net["loss"]
    )


def check_against_finite_differences(net: dict) -> None:
    result = run_backward(net)
    assert result.loss_value == pytest.approx(cost(net), rel=1e-12, abs=1e-12)
    tolerance = dict(rtol=1e-5, atol=1e-7 * max(1.0, abs(result.loss_value)))
    for i, (W, b) in enumerate(zip(net["weights"], net["biases"], strict=True)):
        assert result.grad_W[i].shape == W.shape
        assert result.grad_b[i].shape == b.shape
        np.testing.assert_allclose(
            result.grad_W[i], central_difference(lambda: cost(net), W), **tolerance
        )
        np.testing.assert_allclose(
            result.grad_b[i], central_difference(lambda: cost(net), b), **tolerance
        )


# ----------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("loss", LOSS_NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_gradients_match_finite_differences_for_every_loss(loss: str, data) -> None:
    check_against_finite_differences(data.draw(networks(loss=loss)))


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_gradients_match_finite_differences_for_every_activation(activation: str, data) -> None:
    loss = data.draw(st.sampled_from(["mse_half_sum", "mse_mean"]))
    check_against_finite_differences(data.draw(networks(loss=loss, activation=activation)))


@settings(max_examples=60, deadline=None)
@given(net=networks())
def test_delta_is_dC_dz(net: dict) -> None:
    result = run_backward(net)
    zs, _ = forward(net["X"], net["weights"], net["biases"], net["activations"])
    for i, z in enumerate(zs):
        numeric = central_difference(lambda i=i, z=z: cost_from_layer(net, i, z), z)
        np.testing.assert_allclose(
            result.deltas[i], numeric, rtol=1e-5, atol=1e-7 * max(1.0, abs(result.loss_value))
        )


@settings(max_examples=30, deadline=None)
@given(net=networks())
def test_forward_matches_reference_and_keeps_a0(net: dict) -> None:
    zs, outputs = forward(net["X"], net["weights"], net["biases"], net["activations"])
    assert len(zs) == len(net["weights"]) and len(outputs) == len(zs) + 1
    np.testing.assert_array_equal(outputs[0], net["X"])
    a = net["X"]
    for z, output, W, b, name in zip(
        zs, outputs[1:], net["weights"], net["biases"], net["activations"], strict=True
    ):
        np.testing.assert_allclose(z, a @ W + b, rtol=1e-14, atol=1e-14)
        a = reference_activation(name, a @ W + b)
        np.testing.assert_allclose(output, a, rtol=1e-13, atol=1e-15)


def test_softmax_cross_entropy_delta_is_the_shortcut() -> None:
    rng = np.random.default_rng(3)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    labels = np.array([0, 3, 1, 1, 2])
    result = backward(X, labels, [W], [b], ["identity"], "softmax_cross_entropy")
    logits = X @ W + b
    softmax = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    np.testing.assert_allclose(result.deltas[0], (softmax - np.eye(4)[labels]) / 5, rtol=1e-12)
    one_hot = backward(X, np.eye(4)[labels], [W], [b], ["identity"], "softmax_cross_entropy")
    np.testing.assert_allclose(one_hot.grad_W[0], result.grad_W[0], rtol=1e-14)
    assert one_hot.loss_value == pytest.approx(result.loss_value, rel=1e-14)


# ----------------------------------------------------------------------------- activations


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_derivative_matches_finite_differences(name: str) -> None:
    f, f_prime = ACTIVATIONS[name]
    x = np.concatenate([np.linspace(-6, -0.01, 40), np.linspace(0.01, 6, 40)])
    numeric = (f(x + EPS) - f(x - EPS)) / (2 * EPS)
    np.testing.assert_allclose(f_prime(x), numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(f(x), reference_activation(name, x), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("relu", 0.0), ("leaky_relu", 0.01), ("elu", 1.0), ("sigmoid", 0.25), ("tanh", 1.0)],
)
def test_derivative_convention_at_zero(name: str, expected: float) -> None:
    _, f_prime = ACTIVATIONS[name]
    assert f_prime(np.array([0.0]))[0] == expected


def test_elu_derivative_is_f_plus_alpha_on_the_negative_side() -> None:
    f, f_prime = ACTIVATIONS["elu"]
    x = np.linspace(-5, 0, 11)
    np.testing.assert_allclose(f_prime(x), f(x) + 1.0, rtol=1e-14)


# ----------------------------------------------------------------------------- worked example

LECTURE_LIKE = dict(x=0.7, y=0.2, w1=0.9, b1=-0.3, w2=-1.4, b2=0.5)


def worked_example_by_backward(x, y, w1, b1, w2, b2) -> delta.DeltaResult:
    weights, biases = [np.array([[w1]]), np.array([[w2]])], [np.array([b1]), np.array([b2])]
    return backward(
        np.array([[x]]), np.array([[y]]), weights, biases, ["sigmoid", "sigmoid"], "mse_half_sum"
    )


finite = st.floats(-3, 3, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(x=finite, y=st.floats(0, 1), w1=finite, b1=finite, w2=finite, b2=finite)
def test_worked_example_equals_backward(x, y, w1, b1, w2, b2) -> None:
    by_hand = worked_example(x, y, w1, b1, w2, b2)
    result = worked_example_by_backward(x, y, w1, b1, w2, b2)
    assert by_hand["C"] == pytest.approx(result.loss_value, rel=1e-12, abs=1e-300)
    pairs = {
        "dC_dw1": result.grad_W[0][0, 0],
        "dC_db1": result.grad_b[0][0],
        "dC_dw2": result.grad_W[1][0, 0],
        "dC_db2": result.grad_b[1][0],
    }
    for key, value in pairs.items():
        assert by_hand[key] == pytest.approx(value, rel=1e-12, abs=1e-300), key


def test_worked_example_equals_finite_differences() -> None:
    by_hand = worked_example(**LECTURE_LIKE)
    assert by_hand["y_hat"] == pytest.approx(
        reference_activation("sigmoid", 0.5 - 1.4 * reference_activation("sigmoid", 0.33)), 1e-14
    )
    for name in ("w1", "b1", "w2", "b2"):
        plus = dict(LECTURE_LIKE, **{name: LECTURE_LIKE[name] + EPS})
        minus = dict(LECTURE_LIKE, **{name: LECTURE_LIKE[name] - EPS})
        numeric = (worked_example(**plus)["C"] - worked_example(**minus)["C"]) / (2 * EPS)
        assert by_hand[f"dC_d{name}"] == pytest.approx(numeric, rel=1e-6), name


def test_wrong_dC_dw1_formulas_do_not_match() -> None:
    """Dropping the factor w2, or writing a1 where w2 belongs, gives a different number."""
    p = LECTURE_LIKE
    a1 = reference_activation("sigmoid", p["w1"] * p["x"] + p["b1"])
    y_hat = reference_activation("sigmoid", p["w2"] * a1 + p["b2"])
    error, s2, s1 = y_hat - p["y"], y_hat * (1 - y_hat), a1 * (1 - a1)
    correct = worked_example(**p)["dC_dw1"]
    assert correct == pytest.approx(error * s2 * p["w2"] * s1 * p["x"], rel=1e-14)
    for wrong in (error * s2 * s1 * p["x"], error * s2 * a1 * s1 * p["x"]):
        assert abs(wrong - correct) > 1e-3 * abs(correct)


# ----------------------------------------------------------------------------- errors


def small_net() -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 3))
    return X, [rng.normal(size=(3, 5)), rng.normal(size=(5, 2))], [np.zeros(5), np.zeros(2)]


def test_weight_shape_mismatch_names_layer_and_shapes() -> None:
    X, W, b = small_net()
    with pytest.raises(ValueError, match=r"layer 2: W\^2 has shape \(3, 5\).*\(4, 5\)"):
        backward(X, np.zeros((4, 2)), [W[0], W[0]], b, ["tanh", "identity"], "mse_mean")


def test_bias_shape_mismatch_names_layer_and_shapes() -> None:
    X, W, b = small_net()
    with pytest.raises(ValueError, match=r"layer 1: b\^1 has shape \(2,\).*\(3, 5\)"):
        forward(X, W, [b[1], b[1]], ["tanh", "identity"])


def test_target_shape_mismatch_names_both_shapes() -> None:
    X, W, b = small_net()
    with pytest.raises(ValueError, match=r"\(4,\).*\(4, 2\)"):
        backward(X, np.zeros(4), W, b, ["tanh", "identity"], "mse_half_sum")


def test_layer_count_mismatch() -> None:
    X, W, b = small_net()
    with pytest.raises(ValueError, match="2 weights, 2 biases, 1 activations"):
        forward(X, W, b, ["tanh"])


def test_unknown_activation_lists_known_names() -> None:
    X, W, b = small_net()
    with pytest.raises(ValueError, match="unknown activation 'swish'.*leaky_relu"):
        forward(X, W, b, ["swish", "identity"])


def test_unknown_loss_lists_known_names() -> None:
    X, W, b = small_net()
    with pytest.raises(ValueError, match="unknown loss 'hinge'.*softmax_cross_entropy"):
        backward(X, np.zeros((4, 2)), W, b, ["tanh", "identity"], "hinge")


def test_softmax_cross_entropy_requires_identity_last_activation() -> None:
    X, W, b = small_net()
    with pytest.raises(ValueError, match="must be 'identity'; got 'sigmoid'"):
        backward(X, np.array([0, 1, 1, 0]), W, b, ["tanh", "sigmoid"], "softmax_cross_entropy")


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.array([0, 1, 2, 0]), r"labels must lie in \[0, 2\)"),
        (np.array([0.0, 1.0, 1.0, 0.0]), "integer class labels"),
        (np.full((4, 2), 0.7), "summing to 1"),
    ],
)
def test_softmax_cross_entropy_rejects_bad_targets(y: np.ndarray, message: str) -> None:
    X, W, b = small_net()
    with pytest.raises(ValueError, match=message):
        backward(X, y, W, b, ["tanh", "identity"], "softmax_cross_entropy")


# ----------------------------------------------------------------------------- stability


@pytest.fixture
def strict_floats():
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.mark.usefixtures("strict_floats")
def test_activations_are_stable_at_large_inputs() -> None:
    x = np.array([-1e4, -800.0, 800.0, 1e4])
    np.testing.assert_array_equal(delta.sigmoid(x), [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(delta.sigmoid_derivative(x), [0.0, 0.0, 0.0, 0.0])
    for name, (f, f_prime) in ACTIVATIONS.items():
        assert np.all(np.isfinite(f(x))) and np.all(np.isfinite(f_prime(x))), name


@pytest.mark.usefixtures("strict_floats")
def test_log_softmax_and_cross_entropy_are_stable_at_large_logits() -> None:
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    np.testing.assert_allclose(delta.log_softmax(logits), [[0.0, -2e4, -1e4], [-np.log(3)] * 3])
    W = np.eye(3)
    result = backward(
        logits, np.array([1, 2]), [W], [np.zeros(3)], ["identity"], "softmax_cross_entropy"
    )
    # Row 0 puts all mass on class 0 but the label is 1: C = (2e4 + log 3) / 2.
    assert result.loss_value == pytest.approx((2e4 + np.log(3)) / 2, rel=1e-12)
    np.testing.assert_allclose(result.deltas[0][0], [0.5, -0.5, 0.0], atol=1e-300)


# ----------------------------------------------------------------------------- format_table


def test_format_table_aligns_columns() -> None:
    rows = [
        {"layer": 1, "quantity": "dC/dW", "max_abs": 1e-16, "max_rel": 1e-14},
        {"layer": 12, "quantity": "dC/db", "max_abs": 3.25e-3, "max_rel": 1.0},
    ]
    lines = format_table(rows).splitlines()
    assert lines[0].split() == ["layer", "quantity", "max_abs", "max_rel"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["1", "dC/dW", "1.000e-16", "1.000e-14"]
    assert lines[3].split() == ["12", "dC/db", "3.250e-03", "1.000e+00"]
    # The dashed separator fixes each column's span; every cell sits inside its span, numbers
    # flush right and text flush left.
    spans = [(m.start(), m.end()) for m in re.finditer("-+", lines[1])]
    assert len(spans) == 4
    for line in lines[2:]:
        cells = [line[start:stop] for start, stop in spans]
        assert not cells[0].endswith(" ") and not cells[2].endswith(" ")
        assert not cells[3].endswith(" ") and not cells[1].startswith(" ")
    assert [lines[0][start:stop].strip() for start, stop in spans] == lines[0].split()
    assert len({len(line) for line in lines}) == 1


def test_format_table_handles_missing_keys_and_no_rows() -> None:
    assert format_table([]) == ""
    text = format_table([{"a": 1}, {"b": "x"}])
    assert text.splitlines()[0].split() == ["a", "b"]
    assert len(text.splitlines()) == 4
