"""Convolutional layers and their companions (pooling, Flatten, BatchNorm2d, LayerNorm,
Embedding, Dropout2d, pad, one_hot): shapes, dtypes, initialisation, state_dict names and the
errors that name the layer and the layout; finite differences (to second order) and float32
for the companions. PyTorch comparisons: test_nn_conv_torch.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_mini as am
import nn


def lenet(rng: int = 0) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, rng=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, rng=rng + 1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(400, 10, rng=rng + 2),
    )


def test_lenet_shapes_dtype_and_state_dict_names():
    model = lenet()
    y = model(np.zeros((3, 1, 28, 28)))
    assert y.shape == (3, 10) and y.dtype == np.float32
    assert list(model.state_dict()) == ["0.weight", "0.bias", "3.weight", "3.bias",
                                        "7.weight", "7.bias"]
    assert model.state_dict()["3.weight"].shape == (16, 6, 5, 5)


def test_conv_layers_train_in_float32():
    model = lenet()
    x = np.random.default_rng(0).standard_normal((4, 1, 28, 28)).astype(np.float32)
    loss = nn.CrossEntropyLoss()(model(x), np.array([0, 1, 2, 3]))
    loss.backward()
    for p in model.parameters():
        assert p.grad.dtype == np.float32 and np.isfinite(p.grad.data).all()


def test_conv_init_uses_the_kernels_fan_in():
    """PyTorch's default, U(±1/√fan_in) with fan_in = in_channels/groups · kH · kW."""
    conv = nn.Conv2d(8, 4, (3, 5), groups=2, rng=0, dtype=np.float64)
    bound = 1 / math.sqrt(4 * 3 * 5)
    assert np.abs(conv.weight.data).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.9 * bound
    assert np.abs(conv.bias.data).max() <= bound
    w = np.empty((16, 6, 5, 5))
    nn.init.kaiming_normal_(w, nonlinearity="relu", rng=0)  # He: std √2/√(6·25)
    assert abs(w.std() / (math.sqrt(2 / 150)) - 1) < 0.05
    nn.init.xavier_uniform_(w, rng=0)  # Glorot: bound √(6 / (150 + 400))
    assert np.abs(w).max() <= math.sqrt(6 / 550)


@pytest.mark.hardening("engine/nn-conv-layout")
def test_nhwc_input_gets_an_error_naming_the_layer_and_layout():
    with pytest.raises(am.ShapeError) as info:
        nn.Conv2d(3, 16, 3)(np.zeros((32, 28, 28, 3)))
    message = str(info.value)
    assert message.startswith("Conv2d(3, 16, kernel_size=(3, 3)")
    assert "expected (batch, channels, H, W) with channels = 3, got (32, 28, 28, 3)" in message
    assert "x.transpose(0, 3, 1, 2)" in message


@pytest.mark.parametrize(("layer", "x", "message"), [
    (nn.Conv1d(2, 4, 3), np.zeros((5, 7, 2)), r"Conv1d\(2, 4.*expected \(batch, channels, L\) "
                                              r"with channels = 2, got \(5, 7, 2\)"),
    (nn.Conv2d(1, 2, 3), np.zeros((28, 28)), r"channels = 1, got \(28, 28\)"),
    (nn.ConvTranspose2d(4, 2, 3), np.zeros((1, 2, 5, 5)), "channels = 4"),
    (nn.MaxPool2d(2), np.zeros((4, 4)), r"MaxPool2d\(kernel_size=2.*expected \(batch, "
                                        r"channels, H, W\)"),
    (nn.AvgPool1d(2), np.zeros((2, 3, 4, 5)), r"AvgPool1d.*\(batch, channels, L\)"),
    (nn.BatchNorm2d(3), np.zeros((2, 5, 5, 3)), r"BatchNorm2d\(3\): expected \(batch, "
                                                r"channels, H, W\) with channels = 3"),
    (nn.LayerNorm(4), np.zeros((2, 5)), r"LayerNorm\(\(4,\)\)"),
    (nn.Embedding(5, 2), np.array([0, 5]), r"embedding: indices must lie in \[0, 5\)"),
    (nn.Embedding(5, 2), np.array([0.5]), "indices must be integers"),
    (nn.Unflatten(1, (2, 3)), np.zeros((2, 5)), r"size 5 cannot be split into \(2, 3\)"),
    (nn.Conv1d(3, 8, 3), np.zeros((32, 50, 3)), r"Conv1d\(3, 8.*channels = 3, got \(32, 50, 3\);"
                                                r" a channels-last input can be moved with "
                                                r"x.transpose\(0, 2, 1\)"),
    (nn.Dropout2d(0.5), np.zeros((4, 3)), r"dropout2d: expected \(batch, channels, H, W\) or "
                                          r"\(channels, H, W\), got \(4, 3\)"),
    (nn.AdaptiveAvgPool2d(0), np.zeros((1, 2, 4, 4)), "adaptive_avg_pool2d: output_size must "
                                                      "be an int >= 1, got 0"),
    (nn.MaxPool1d(3, padding=2), np.zeros((1, 2, 8)), r"padding \(2,\) must be at most half "
                                                      r"the kernel"),
])
@pytest.mark.hardening("engine/nn-conv-layout")
def test_layer_errors_name_the_layer_and_the_layout(layer, x, message):
    with pytest.raises((am.ShapeError, IndexError, TypeError, ValueError), match=message):
        layer(x)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), "groups=2 must divide in_channels=3"),
    (lambda: nn.Conv2d(3, 4, 0), "kernel_size"),
    (lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), "'same' needs stride 1"),
    (lambda: nn.Conv2d(3, 4, (3, 3, 3)), "kernel_size must be an int or 2 ints"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, padding="same"), "padding must be an int or a tuple"),
    (lambda: nn.Embedding(4, 2, padding_idx=4), r"padding_idx must lie in \[-4, 4\)"),
])
@pytest.mark.hardening("engine/nn-conv-layout")
def test_bad_layer_options(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_unbatched_inputs_come_back_unbatched():
    assert nn.Conv2d(2, 3, 3, padding=1)(np.zeros((2, 5, 5))).shape == (3, 5, 5)
    assert nn.Conv1d(2, 3, 3)(np.zeros((2, 5))).shape == (3, 3)
    assert nn.MaxPool2d(2)(np.zeros((2, 4, 4))).shape == (2, 2, 2)
    assert nn.AdaptiveAvgPool2d(1)(np.zeros((2, 4, 4))).shape == (2, 1, 1)


def test_flatten_and_unflatten_are_inverse():
    x = am.tensor(np.arange(24.0).reshape(2, 3, 4))
    flat = nn.Flatten()(x)
    assert flat.shape == (2, 12)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, -1))(flat).data, x.data)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)


def test_dropout2d_drops_whole_channels_and_scales_the_rest():
    x = np.ones((8, 16, 3, 3))
    y = nn.Dropout2d(0.5, rng=0)(x).data
    per_channel = y.reshape(8, 16, 9)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # all or nothing
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7
    layer = nn.Dropout2d(0.5)
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x)


def test_embedding_accumulates_repeated_rows_and_freezes_padding_idx():
    layer = nn.Embedding(4, 2, padding_idx=0, rng=0, dtype=np.float64)
    assert (layer.weight.data[0] == 0).all()
    layer(np.array([[1, 1, 0], [3, 1, 0]])).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad, [[0, 0], [3, 3], [0, 0], [1, 1]])


def test_one_hot():
    np.testing.assert_array_equal(nn.functional.one_hot(np.array([2, 0])).data,
                                  [[0, 0, 1], [1, 0, 0]])
    assert nn.functional.one_hot(np.array([1]), 4).dtype == np.int64
    with pytest.raises(IndexError, match=r"one_hot: indices must lie in \[0, 2\)"):
        nn.functional.one_hot(np.array([2]), 2)


def test_batchnorm2d_normalises_each_channel_over_batch_and_space():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5, 5)) * np.array([1.0, 5.0, 0.1])[:, None, None] + 2.0
    bn = nn.BatchNorm2d(3, dtype=np.float64)
    y = bn(x).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    var = x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), var / (var + bn.eps), rtol=1e-10)
    n = 4 * 5 * 5  # running variance is unbiased over batch × H × W, as in PyTorch
    np.testing.assert_allclose(bn.running_var.data,
                               0.9 + 0.1 * x.var(axis=(0, 2, 3)) * n / (n - 1))
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]


def test_pad_constant_reflect_replicate_circular():
    x = am.tensor(np.arange(1.0, 4.0).reshape(1, 3))
    f = nn.functional.pad
    np.testing.assert_array_equal(f(x, (2, 1), value=9).data, [[9, 9, 1, 2, 3, 9]])
    np.testing.assert_array_equal(f(x, (2, 2), "reflect").data, [[3, 2, 1, 2, 3, 2, 1]])
    np.testing.assert_array_equal(f(x, (2, 1), "replicate").data, [[1, 1, 1, 2, 3, 3]])
    np.testing.assert_array_equal(f(x, (1, 2), "circular").data, [[3, 1, 2, 3, 1, 2]])
    np.testing.assert_array_equal(f(x, (-1, 0)).data, [[2, 3]])
    with pytest.raises(ValueError, match="pad: mode must be one of"):
        f(x, (1, 1), "wrap")
    with pytest.raises(ValueError, match="pad: pad must hold"):
        f(x, (1, 1, 1))


# ---- finite differences, second order and float32 for the companions of the convolutions -----
def _rows(dtype):
    """(name, function of tensors, input arrays): each companion as a function of its float
    inputs (the rng-seeded ones draw the same mask on every call, so they are deterministic)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 4)).astype(dtype)
    F = nn.functional

    def batch_norm_2d(t):
        layer = nn.BatchNorm2d(3, track_running_stats=False, dtype=t.dtype)
        return layer(t)

    return [
        ("adaptive_avg_pool2d", lambda t: F.adaptive_avg_pool2d(t, (2, 3)), [x]),
        ("pad constant", lambda t: F.pad(t, (1, 2, 0, 1), value=0.5), [x]),
        ("pad reflect", lambda t: F.pad(t, (2, 1, 1, 3), "reflect"), [x]),
        ("pad replicate", lambda t: F.pad(t, (3, 0, 2, 2), "replicate"), [x]),
        ("pad circular", lambda t: F.pad(t, (1, 2, 4, 1), "circular"), [x]),
        ("layer_norm", lambda t, w, b: F.layer_norm(t, (5, 4), w, b),
         [x, rng.standard_normal((5, 4)).astype(dtype),
          rng.standard_normal((5, 4)).astype(dtype)]),
        # (padding_idx is left out: its row gets no gradient by design, unlike its difference)
        ("embedding", lambda w: F.embedding(np.array([[0, 2, 2], [4, 0, 1]]), w),
         [rng.standard_normal((5, 3)).astype(dtype)]),
        ("dropout2d", lambda t: F.dropout2d(t, 0.5, rng=3), [x]),
        ("BatchNorm2d", batch_norm_2d, [x]),
        ("conv_transpose2d", lambda t, w: F.conv_transpose2d(t, w, stride=2, output_padding=1),
         [x, rng.standard_normal((3, 2, 2, 3)).astype(dtype)]),
    ]


NAMES = [row[0] for row in _rows(np.float64)]


@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_companions_match_finite_differences_to_second_order(index):
    _, fn, arrays = _rows(np.float64)[index]
    inputs = [am.tensor(a, requires_grad=True) for a in arrays]
    assert am.gradcheck(fn, inputs, atol=1e-7, rtol=1e-6)
    assert am.gradgradcheck(fn, inputs, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_companions_keep_float32(index):
    _, fn, arrays = _rows(np.float32)[index]
    inputs = [am.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*inputs)
    assert out.dtype == np.float32
    (out * out).sum().backward()
    assert all(t.grad.dtype == np.float32 for t in inputs)
