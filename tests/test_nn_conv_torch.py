"""Convolutional layers against PyTorch's modules: the same state_dict names and shapes, so
PyTorch's weights load unchanged, then equal outputs and gradients (float64, rtol 1e-10)."""

from __future__ import annotations

import numpy as np
import pytest

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
