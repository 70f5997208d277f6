"""RNN, LSTM and GRU options as PyTorch has them: bidirectional (outputs concatenated, states
(num_layers·2, batch, hidden), `_reverse` parameters) and dropout between stacked layers,
checked against PyTorch in float64 (weights copied, outputs and gradients compared)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import Tensor
from nn.recurrent import GRU, LSTM, RNN

LAYERS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


def _twin(ours: nn.Module, kind: str, *args, **options):
    """PyTorch's layer of the same kind and options, float64, holding our weights."""
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, kind)(*args, **options).to(torch.float64)
    assert list(theirs.state_dict()) == list(ours.state_dict())  # names and order
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return theirs


def _compare(kind: str, seq: int, batch: int, inp: int, hidden: int, layers: int,
             batch_first: bool, initial: bool, seed: int, proj: int = 0,
             directions: int = 2) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    options = {"num_layers": layers, "batch_first": batch_first,
               "bidirectional": directions == 2, **({"proj_size": proj} if proj else {})}
    ours = LAYERS[kind](inp, hidden, dtype=np.float64, rng=rng, **options)
    theirs = _twin(ours, kind, inp, hidden, **options)
    x = rng.normal(size=(batch, seq, inp) if batch_first else (seq, batch, inp))
    width = proj or hidden  # of h; c keeps hidden
    states = [rng.normal(size=(directions * layers, batch, size))
              for size in ((width, hidden) if kind == "LSTM" else (hidden,))]
    x_ours, x_theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    s_ours = [Tensor(s, requires_grad=True) for s in states]
    s_theirs = [torch.tensor(s, requires_grad=True) for s in states]

    def pack(values):
        if not initial:
            return None
        return tuple(values) if kind == "LSTM" else values[0]

    out, final = ours(x_ours, pack(s_ours))
    out_t, final_t = theirs(x_theirs, pack(s_theirs))
    finals = list(final) if kind == "LSTM" else [final]
    finals_t = list(final_t) if kind == "LSTM" else [final_t]
    features = directions * width
    assert out.shape == tuple(out_t.shape) == ((batch, seq, features) if batch_first
                                               else (seq, batch, features))
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for f, f_t in zip(finals, finals_t):
        assert f.shape == tuple(f_t.shape)
        assert f.shape[0] == directions * layers
        np.testing.assert_allclose(f.data, f_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = [rng.normal(size=t.shape) for t in (out, *finals)]
    sum((t * Tensor(g)).sum() for t, g in zip((out, *finals), upstream)).backward()
    sum((t * torch.tensor(g)).sum() for t, g in zip((out_t, *finals_t), upstream)).backward()
    pairs = [(x_ours, x_theirs)] + (list(zip(s_ours, s_theirs)) if initial else [])
    pairs += list(zip(ours.parameters(), theirs.parameters()))
    for mine, reference in pairs:
        np.testing.assert_allclose(mine.grad.data, reference.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_bidirectional_two_layers_match_pytorch(kind):
    _compare(kind, seq=5, batch=3, inp=4, hidden=3, layers=2, batch_first=True, initial=True,
             seed=1)


@given(kind=st.sampled_from(sorted(LAYERS)), seq=st.integers(1, 5), batch=st.integers(1, 3),
       inp=st.integers(1, 4), hidden=st.integers(1, 4), layers=st.integers(1, 3),
       batch_first=st.booleans(), initial=st.booleans(), seed=st.integers(0, 2**16))
def test_drawn_bidirectional_shapes_match_pytorch(kind, seq, batch, inp, hidden, layers,
                                                  batch_first, initial, seed):
    _compare(kind, seq, batch, inp, hidden, layers, batch_first, initial, seed)


@pytest.mark.parametrize(("layers", "directions", "initial"), [(1, 1, True), (2, 2, True),
                                                              (3, 1, False)])
def test_lstm_projection_matches_pytorch(layers, directions, initial):
    _compare("LSTM", seq=4, batch=2, inp=3, hidden=5, layers=layers, batch_first=False,
             initial=initial, seed=layers, proj=2, directions=directions)


def test_lstm_projection_names_and_shapes():
    lstm = LSTM(3, 5, num_layers=2, proj_size=2, rng=0)
    shapes = {k: v.shape for k, v in lstm.state_dict().items()}
    assert shapes["weight_hr_l0"] == (2, 5) and shapes["weight_hh_l0"] == (20, 2)
    assert shapes["weight_ih_l1"] == (20, 2)  # the next layer reads the projected h
    out, (h_n, c_n) = lstm(np.ones((4, 3), dtype=np.float32))  # unbatched
    assert out.shape == (4, 2) and h_n.shape == (2, 2) and c_n.shape == (2, 5)
    assert "proj_size=2" in repr(lstm)
    with pytest.raises(ValueError, match=r"LSTM: proj_size must be smaller than hidden_size "
                                         r"\(5\), got 5"):
        LSTM(3, 5, proj_size=5)
    with pytest.raises(ValueError, match="GRU: proj_size is an LSTM option"):
        GRU(3, 5, proj_size=2)  # as PyTorch: only the LSTM projects


def test_bidirectional_names_shapes_and_an_unbatched_sequence():
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True, rng=0)
    shapes = {k: v.shape for k, v in lstm.state_dict().items()}
    assert shapes["weight_ih_l0_reverse"] == (16, 3)
    assert shapes["weight_ih_l1"] == shapes["weight_ih_l1_reverse"] == (16, 8)  # 2·hidden in
    assert "bidirectional=True" in repr(lstm)
    out, (h_n, c_n) = lstm(np.ones((5, 3), dtype=np.float32))  # unbatched (seq, input)
    assert out.shape == (5, 8) and h_n.shape == c_n.shape == (4, 4)
    assert out.dtype == np.float32
    # the reverse direction's final state is its state after the first step
    np.testing.assert_allclose(out.data[0, 4:], h_n.data[3], rtol=1e-6)
    np.testing.assert_allclose(out.data[-1, :4], h_n.data[2], rtol=1e-6)


def test_last_hidden_state_reads_both_directions_of_the_top_layer():
    gru = GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True, rng=0)
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    _, h_n = gru(x)
    readout = nn.LastHiddenState(gru)(x)  # (batch, 2·hidden): forward, then backward
    np.testing.assert_array_equal(readout.data, np.concatenate([h_n.data[2], h_n.data[3]], 1))


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_dropout_between_layers_in_training_matches_pytorch_with_the_same_mask(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    p, seq, batch, inp, hidden = 0.4, 4, 3, 2, 5
    ours = LAYERS[kind](inp, hidden, num_layers=2, dropout=p, dtype=np.float64, rng=rng)
    # PyTorch's dropout draws from its own generator: build its two layers one by one and put
    # our mask between them (the mask our layer is about to draw, from a copy of its generator)
    generator = copy.deepcopy(ours.dropout_rng)
    mask = (generator.random((seq, batch, hidden)) >= p) / (1 - p)
    bottom = getattr(torch.nn, kind)(inp, hidden).to(torch.float64)
    top = getattr(torch.nn, kind)(hidden, hidden).to(torch.float64)
    weights = ours.state_dict()
    for layer, twin in ((0, bottom), (1, top)):
        twin.load_state_dict({k.replace(f"_l{layer}", "_l0"): torch.tensor(v)
                              for k, v in weights.items() if k.endswith(f"_l{layer}")})
    x = rng.normal(size=(seq, batch, inp))
    x_ours, x_theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, _ = ours(x_ours)
    out_t, _ = top(bottom(x_theirs)[0] * torch.tensor(mask))
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.normal(size=out.shape)
    (out * Tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, mine), reference in zip(ours.named_parameters(),
                                       [*bottom.parameters(), *top.parameters()]):
        np.testing.assert_allclose(mine.grad.data, reference.grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_dropout_is_off_in_eval_mode_and_matches_pytorch_there(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    ours = LAYERS[kind](3, 4, num_layers=3, dropout=0.5, bidirectional=True,
                        dtype=np.float64, rng=rng).eval()
    theirs = _twin(ours, kind, 3, 4, num_layers=3, dropout=0.5, bidirectional=True).eval()
    x = rng.normal(size=(6, 2, 3))
    np.testing.assert_allclose(ours(x)[0].data, theirs(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    ours.train()
    first, second = ours(x)[0].data, ours(x)[0].data  # a fresh mask per call in training
    assert not np.allclose(first, second)


def test_dropout_draws_are_reproducible_from_rng():
    a = LSTM(2, 3, num_layers=2, dropout=0.3, rng=5)
    b = LSTM(2, 3, num_layers=2, dropout=0.3, rng=5)
    x = np.ones((4, 1, 2), dtype=np.float32)
    np.testing.assert_array_equal(a(x)[0].data, b(x)[0].data)


@pytest.mark.hardening("engine/nn-recurrent-options")
@pytest.mark.parametrize(("options", "message"), [
    ({"dropout": 1.0}, r"LSTM: dropout must be a probability in \[0, 1\), got 1.0"),
    ({"dropout": -0.1}, "got -0.1"),
    ({"dropout": "0.2"}, "got '0.2'"),
    ({"bidirectional": "yes"}, "bidirectional"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises((ValueError, TypeError), match=message):
        LSTM(2, 3, num_layers=2, **options)


@pytest.mark.hardening("engine/nn-recurrent-options")
def test_a_bidirectional_initial_state_needs_two_per_layer():
    gru = GRU(2, 3, num_layers=2, bidirectional=True)
    with pytest.raises(am.ShapeError, match=r"expected h0 \(4, 1, 3\) \(num_layers·2, batch, "
                                            r"hidden_size\), got \(2, 1, 3\)"):
        gru(np.ones((5, 1, 2)), np.zeros((2, 1, 3)))
