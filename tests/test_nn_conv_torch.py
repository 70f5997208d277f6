"""Convolutional layers against PyTorch's modules: the same state_dict names and shapes, so
PyTorch's weights load unchanged, then equal outputs and gradients (float64, rtol 1e-10); pad,
layer_norm, embedding and one_hot over hypothesis-drawn shapes; every layer's state_dict keys
and shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
import nn

torch = pytest.importorskip("torch")
F = torch.nn.functional
RTOL, ATOL = 1e-10, 1e-12

PAIRS = [
    (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2, dtype=np.float64),
     lambda: torch.nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2).double(), (2, 4, 9)),
    (lambda: nn.Conv2d(3, 4, (3, 2), padding="same", dilation=2, dtype=np.float64),
     lambda: torch.nn.Conv2d(3, 4, (3, 2), padding="same", dilation=2).double(), (2, 3, 7, 6)),
    (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1,
                                dtype=np.float64),
     lambda: torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1).double(),
     (2, 4, 4, 5)),
    (lambda: nn.BatchNorm2d(3, dtype=np.float64),
     lambda: torch.nn.BatchNorm2d(3).double(), (4, 3, 5, 5)),
    (lambda: nn.LayerNorm((3, 4), dtype=np.float64),
     lambda: torch.nn.LayerNorm((3, 4)).double(), (2, 5, 3, 4)),
    (lambda: nn.Sequential(nn.MaxPool2d(3, 2, 1, ceil_mode=True), nn.AvgPool2d(2, padding=1),
                           nn.AdaptiveAvgPool2d((2, 3)), nn.Flatten()),
     lambda: torch.nn.Sequential(torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True),
                                 torch.nn.AvgPool2d(2, padding=1),
                                 torch.nn.AdaptiveAvgPool2d((2, 3)), torch.nn.Flatten()),
     (2, 3, 11, 13)),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(("ours", "theirs", "shape"), PAIRS)
def test_layer_loads_torch_weights_and_matches(ours, theirs, shape):
    torch.manual_seed(0)
    mine, reference = ours(), theirs()
    state = {k: v.detach().numpy() for k, v in reference.state_dict().items()}
    assert list(mine.state_dict()) == list(state)
    for key, value in mine.state_dict().items():
        assert value.shape == state[key].shape, key
    mine.load_state_dict(state)
    with torch.no_grad():  # a step away from the defaults, so γ and β are not just 1 and 0
        for p in reference.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    mine.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    data = np.random.default_rng(0).standard_normal(shape)
    x, tx = am.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = mine(x), reference(tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=RTOL, atol=ATOL)
    g = np.random.default_rng(1).standard_normal(y.shape)
    (y * am.tensor(g)).sum().backward()
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=RTOL, atol=ATOL)
    theirs_grads = {k: p.grad.numpy() for k, p in reference.named_parameters()}
    for key, p in mine.named_parameters():
        np.testing.assert_allclose(p.grad, theirs_grads[key], rtol=1e-9, atol=ATOL)
    for key, value in mine.state_dict().items():  # running statistics moved alike
        np.testing.assert_allclose(value, reference.state_dict()[key].numpy(), rtol=1e-10)


def test_embedding_matches_torch():
    torch.manual_seed(0)
    reference = torch.nn.Embedding(6, 3, padding_idx=2).double()
    mine = nn.Embedding(6, 3, padding_idx=2, dtype=np.float64)
    mine.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    idx = np.array([[0, 2, 5], [5, 5, 1]])
    y, ty = mine(idx), reference(torch.tensor(idx))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=RTOL)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(mine.weight.grad, reference.weight.grad.numpy(), rtol=RTOL)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_matches_torch(mode):
    data = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    amounts = (2, 1, 1, 3) if mode != "reflect" else (2, 1, 1, 2)
    x, tx = am.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y = nn.functional.pad(x, amounts, mode)
    ty = F.pad(tx, amounts, mode) if mode != "constant" else F.pad(tx, amounts, value=0.5)
    if mode == "constant":
        y = nn.functional.pad(x, amounts, value=0.5)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=RTOL)
    g = np.random.default_rng(1).standard_normal(y.shape)
    (y * am.tensor(g)).sum().backward()
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=RTOL)


def test_layer_norm_function_matches_torch():
    data = np.random.default_rng(0).standard_normal((3, 4, 5))
    w, b = np.linspace(0.5, 1.5, 5), np.linspace(-1, 1, 5)
    inputs = [am.tensor(a, requires_grad=True) for a in (data, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (data, w, b)]
    y = nn.functional.layer_norm(inputs[0], 5, inputs[1], inputs[2])
    ty = F.layer_norm(theirs[0], (5,), theirs[1], theirs[2])
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=RTOL, atol=ATOL)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for mine, reference in zip(inputs, theirs):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-9, atol=1e-12)


# ---- hypothesis-drawn shapes for the companions of the convolutions ----------------------------
@settings(max_examples=15)
@given(st.data())
def test_drawn_pad_matches_torch(data):
    """Every mode over 1 to 3 padded trailing axes (of a 2-d to 5-d input, the ranks torch
    pads), amounts up to the mode's limit (reflect: below the axis size), negative (cropping)
    ones in constant mode."""
    mode = data.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    padded = data.draw(st.integers(1, 3))  # torch pads at most 3 axes, and in the
    ndim = data.draw(st.integers(padded + 1, padded + 2))  # non-constant modes only these ranks
    shape = tuple(data.draw(st.integers(2, 4)) for _ in range(ndim))
    amounts = []
    for axis in range(ndim - 1, ndim - 1 - padded, -1):  # last axis first, as torch reads pad
        limit = shape[axis] - 1 if mode == "reflect" else shape[axis]
        low = -1 if mode == "constant" else 0
        amounts += [data.draw(st.integers(low, limit)), data.draw(st.integers(low, limit))]
    value = data.draw(st.floats(-2, 2)) if mode == "constant" else 0.0
    x_data = np.random.default_rng(len(amounts)).standard_normal(shape)
    x, tx = am.tensor(x_data, requires_grad=True), torch.tensor(x_data, requires_grad=True)
    y = nn.functional.pad(x, tuple(amounts), mode, value)
    ty = F.pad(tx, tuple(amounts), mode, value) if mode == "constant" else \
        F.pad(tx, tuple(amounts), mode)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=RTOL, atol=ATOL)
    g = np.random.default_rng(1).standard_normal(y.shape)
    (y * am.tensor(g)).sum().backward()
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=RTOL, atol=ATOL)


@settings(max_examples=15)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.integers(1, 3), st.booleans(),
       st.booleans(), st.integers(0, 2**16))
def test_drawn_layer_norm_matches_torch(shape, trailing, affine, bias, seed):
    """normalized_shape = the last `trailing` axes (a single axis of size 1 normalises to 0)."""
    normalized = tuple(shape[-min(trailing, len(shape)):])
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape)]
    if affine:
        arrays += [rng.standard_normal(normalized)] + ([rng.standard_normal(normalized)]
                                                        if bias else [])
    ours = [am.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = nn.functional.layer_norm(ours[0], normalized, *ours[1:])
    ty = F.layer_norm(theirs[0], normalized, *theirs[1:])
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=RTOL, atol=ATOL)
    g = rng.standard_normal(y.shape)
    (y * am.tensor(g)).sum().backward()
    ty.backward(torch.tensor(g))
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-9, atol=1e-10)


@settings(max_examples=15)
@given(st.integers(1, 6), st.integers(1, 4), st.lists(st.integers(1, 4), min_size=0,
                                                      max_size=3),
       st.one_of(st.none(), st.integers(-6, 5)), st.integers(0, 2**16))
def test_drawn_embedding_and_one_hot_match_torch(rows, dim, index_shape, padding_idx, seed):
    rng = np.random.default_rng(seed)
    if padding_idx is not None and not -rows <= padding_idx < rows:
        padding_idx = None
    weight = rng.standard_normal((rows, dim))
    idx = rng.integers(0, rows, size=tuple(index_shape))
    w, tw = am.tensor(weight, requires_grad=True), torch.tensor(weight, requires_grad=True)
    y = nn.functional.embedding(idx, w, padding_idx)
    ty = F.embedding(torch.tensor(idx), tw, padding_idx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=RTOL)
    g = rng.standard_normal(y.shape)
    (y * am.tensor(g)).sum().backward()
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=RTOL, atol=ATOL)
    for classes in (-1, rows):
        if idx.size or classes != -1:  # torch cannot infer the classes of no indices
            np.testing.assert_array_equal(nn.functional.one_hot(idx, classes).data,
                                          F.one_hot(torch.tensor(idx), classes).numpy())


# ---- state_dict names and shapes, layer by layer ---------------------------------------------
STATE_PAIRS = [
    ("Conv1d", lambda: nn.Conv1d(4, 6, 3, groups=2), lambda: torch.nn.Conv1d(4, 6, 3, groups=2)),
    ("Conv1d no bias", lambda: nn.Conv1d(4, 6, 3, bias=False),
     lambda: torch.nn.Conv1d(4, 6, 3, bias=False)),
    ("Conv2d", lambda: nn.Conv2d(3, 8, (3, 5), dilation=2),
     lambda: torch.nn.Conv2d(3, 8, (3, 5), dilation=2)),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(4, 6, 3, groups=2),
     lambda: torch.nn.ConvTranspose2d(4, 6, 3, groups=2)),
    ("pooling", lambda: nn.Sequential(nn.MaxPool1d(2), nn.MaxPool2d(2), nn.AvgPool1d(2),
                                      nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(3)),
     lambda: torch.nn.Sequential(torch.nn.MaxPool1d(2), torch.nn.MaxPool2d(2),
                                 torch.nn.AvgPool1d(2), torch.nn.AvgPool2d(2),
                                 torch.nn.AdaptiveAvgPool2d(3))),
    ("Flatten, Unflatten, Dropout2d",
     lambda: nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 3)), nn.Dropout2d()),
     lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Unflatten(1, (2, 3)),
                                 torch.nn.Dropout2d())),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(5), lambda: torch.nn.BatchNorm2d(5)),
    ("LayerNorm", lambda: nn.LayerNorm((3, 4)), lambda: torch.nn.LayerNorm((3, 4))),
    ("Embedding", lambda: nn.Embedding(7, 3), lambda: torch.nn.Embedding(7, 3)),
    ("RNN", lambda: nn.RNN(3, 4, num_layers=2, bidirectional=True),
     lambda: torch.nn.RNN(3, 4, num_layers=2, bidirectional=True)),
    ("LSTM", lambda: nn.LSTM(3, 4, num_layers=2, proj_size=2),
     lambda: torch.nn.LSTM(3, 4, num_layers=2, proj_size=2)),
    ("GRU", lambda: nn.GRU(3, 4, num_layers=3, bias=False),
     lambda: torch.nn.GRU(3, 4, num_layers=3, bias=False)),
    ("cells", lambda: nn.Sequential(nn.RNNCell(3, 4), nn.LSTMCell(3, 4), nn.GRUCell(3, 4)),
     lambda: torch.nn.Sequential(torch.nn.RNNCell(3, 4), torch.nn.LSTMCell(3, 4),
                                 torch.nn.GRUCell(3, 4))),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), STATE_PAIRS, ids=[p[0] for p in STATE_PAIRS])
def test_state_dict_names_and_shapes_are_pytorchs(name, ours, theirs):
    mine = [(key, tuple(np.shape(value))) for key, value in ours().state_dict().items()]
    reference = [(key, tuple(value.shape)) for key, value in theirs().state_dict().items()]
    assert mine == reference
