"""Recurrent layers: RNN, LSTM, GRU and their cells against PyTorch, finite differences, second
order, the closed-form BPTT of nn.delta_rnn, dtypes and bad-input messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import Tensor
from nn import delta_rnn
from nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

LAYERS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}
CELLS = {"RNNCell": RNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}


def _torch_copy(layer: nn.Module, torch_class):
    """A float64 PyTorch twin of `layer` holding the same weights (copied via state_dict)."""
    torch = pytest.importorskip("torch")
    twin = torch_class.to(torch.float64)
    state = {k: torch.tensor(np.asarray(v)) for k, v in layer.state_dict().items()}
    twin.load_state_dict(state)  # strict: the names and shapes must be PyTorch's
    return twin


def _compare_with_torch(kind: str, seq: int, batch: int, inp: int, hidden: int, layers: int,
                        batch_first: bool, bias: bool = True, nonlinearity: str = "tanh",
                        initial: bool = True) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seq * 1000 + batch * 100 + inp * 10 + hidden)
    options = {"num_layers": layers, "batch_first": batch_first, "bias": bias}
    extra = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
    ours = LAYERS[kind](inp, hidden, dtype=np.float64, rng=rng, **options, **extra)
    theirs = _torch_copy(ours, getattr(torch.nn, kind)(inp, hidden, **options, **extra))
    x = rng.normal(size=(batch, seq, inp) if batch_first else (seq, batch, inp))
    h0 = rng.normal(size=(layers, batch, hidden))
    c0 = rng.normal(size=(layers, batch, hidden))
    x_ours, x_theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    h_ours, h_theirs = Tensor(h0, requires_grad=True), torch.tensor(h0, requires_grad=True)
    c_ours, c_theirs = Tensor(c0, requires_grad=True), torch.tensor(c0, requires_grad=True)
    if kind == "LSTM":
        state_ours = (h_ours, c_ours) if initial else None
        state_theirs = (h_theirs, c_theirs) if initial else None
    else:
        state_ours = h_ours if initial else None
        state_theirs = h_theirs if initial else None
    out, final = ours(x_ours, state_ours)
    out_t, final_t = theirs(x_theirs, state_theirs)
    finals = final if kind == "LSTM" else (final,)
    finals_t = final_t if kind == "LSTM" else (final_t,)
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for f, f_t in zip(finals, finals_t):
        assert f.shape == tuple(f_t.shape) == (layers, batch, hidden)
        np.testing.assert_allclose(f.data, f_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    # A random upstream gradient on the output and on every final state.
    grads = [rng.normal(size=t.shape) for t in (out, *finals)]
    loss = sum((t * Tensor(g)).sum() for t, g in zip((out, *finals), grads))
    loss_t = sum((t * torch.tensor(g)).sum() for t, g in zip((out_t, *finals_t), grads))
    loss.backward()
    loss_t.backward()
    pairs = [(x_ours, x_theirs)]
    if initial:
        pairs += [(h_ours, h_theirs)] + ([(c_ours, c_theirs)] if kind == "LSTM" else [])
    pairs += list(zip(ours.parameters(), theirs.parameters()))
    for mine, reference in pairs:
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize(("seq", "batch", "inp", "hidden", "layers", "batch_first"), [
    (1, 1, 1, 1, 1, False),
    (5, 3, 4, 6, 2, True),
    (7, 2, 3, 5, 3, False),
])
def test_layers_match_pytorch_forward_and_gradients(kind, seq, batch, inp, hidden, layers,
                                                    batch_first) -> None:
    _compare_with_torch(kind, seq, batch, inp, hidden, layers, batch_first)


@given(kind=st.sampled_from(sorted(LAYERS)), seq=st.integers(1, 6), batch=st.integers(1, 4),
       inp=st.integers(1, 5), hidden=st.integers(1, 5), layers=st.integers(1, 3),
       batch_first=st.booleans(), bias=st.booleans(), initial=st.booleans())
def test_drawn_shapes_match_pytorch(kind, seq, batch, inp, hidden, layers, batch_first, bias,
                                    initial) -> None:
    _compare_with_torch(kind, seq, batch, inp, hidden, layers, batch_first, bias=bias,
                        initial=initial)


def test_relu_rnn_matches_pytorch() -> None:
    _compare_with_torch("RNN", 6, 3, 4, 5, 2, False, nonlinearity="relu")


@pytest.mark.parametrize("name", sorted(CELLS))
def test_cells_match_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    cell = CELLS[name](4, 5, dtype=np.float64, rng=rng)
    twin = _torch_copy(cell, getattr(torch.nn, name)(4, 5))
    x, h, c = rng.normal(size=(3, 4)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    if name == "LSTMCell":
        h_ours, c_ours = cell(x, (h, c))
        h_theirs, c_theirs = twin(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
        np.testing.assert_allclose(c_ours.data, c_theirs.detach().numpy(), rtol=1e-10)
    else:
        h_ours, h_theirs = cell(x, h), twin(torch.tensor(x), torch.tensor(h))
    np.testing.assert_allclose(h_ours.data, h_theirs.detach().numpy(), rtol=1e-10)


def test_one_layer_equals_its_cell_unrolled() -> None:
    """The same weights in LSTM and LSTMCell give the same sequence (unbatched input too)."""
    layer = LSTM(3, 4, dtype=np.float64, rng=0)
    cell = LSTMCell(3, 4, dtype=np.float64, rng=1)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = np.random.default_rng(2).normal(size=(5, 3))  # unbatched: (seq, input)
    out, (h_n, c_n) = layer(x)
    h = c = None
    for x_t in x:
        h, c = cell(x_t, None if h is None else (h, c))
        assert h.shape == (4,)
    np.testing.assert_allclose(out.data[-1], h.data, rtol=1e-14)
    assert out.shape == (5, 4) and h_n.shape == c_n.shape == (1, 4)
    np.testing.assert_allclose(c_n.data[0], c.data, rtol=1e-14)


def test_state_dict_names_shapes_and_default_init() -> None:
    lstm = LSTM(10, 20, num_layers=2, rng=0)
    shapes = {k: np.asarray(v).shape for k, v in lstm.state_dict().items()}
    assert shapes == {
        "weight_ih_l0": (80, 10), "weight_hh_l0": (80, 20), "bias_ih_l0": (80,),
        "bias_hh_l0": (80,), "weight_ih_l1": (80, 20), "weight_hh_l1": (80, 20),
        "bias_ih_l1": (80,), "bias_hh_l1": (80,),
    }
    bound = 1 / np.sqrt(20)
    values = np.concatenate([np.ravel(p.data) for p in lstm.parameters()])
    assert values.min() >= -bound and values.max() <= bound and values.std() > bound / 3
    same = LSTM(10, 20, num_layers=2, rng=0)
    assert all(np.array_equal(a.data, b.data) for a, b in zip(lstm.parameters(),
                                                              same.parameters()))
    assert sorted(GRU(3, 4, bias=False).state_dict()) == ["weight_hh_l0", "weight_ih_l0"]


def _cell_function(cell: nn.Module, lstm: bool):
    """fn(x, h[, c], *weights) running `cell` with those weights, for (grad)gradcheck."""
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]

    def fn(x, h, c, *weights):
        for name, w in zip(names, weights):
            setattr(cell, name, w)
        if lstm:
            h_next, c_next = cell(x, (h, c))
            return am.concatenate([h_next, c_next], axis=1)
        return cell(x, h)
    return fn


@pytest.mark.parametrize("name", sorted(CELLS))
def test_cells_gradcheck_and_gradgradcheck(name: str) -> None:
    rng = np.random.default_rng(4)
    cell = CELLS[name](2, 3, dtype=np.float64, rng=rng)
    inputs = [Tensor(rng.normal(size=(2, 2)), requires_grad=True),
              Tensor(rng.normal(size=(2, 3)), requires_grad=True),
              Tensor(rng.normal(size=(2, 3)), requires_grad=True)]
    inputs += [Tensor(p.data.copy(), requires_grad=True) for p in cell.parameters()]
    fn = _cell_function(cell, lstm=name == "LSTMCell")
    assert am.gradcheck(fn, inputs, atol=1e-7, rtol=1e-5)
    assert am.gradgradcheck(fn, inputs, atol=1e-6, rtol=1e-4)


def test_layer_gradcheck_through_time() -> None:
    """Finite differences through a 2-layer GRU of 4 steps (BPTT as the engine derives it)."""
    rng = np.random.default_rng(5)
    gru = GRU(2, 3, num_layers=2, dtype=np.float64, rng=rng)
    x = Tensor(rng.normal(size=(4, 2, 2)), requires_grad=True)
    h0 = Tensor(rng.normal(size=(2, 2, 3)), requires_grad=True)
    assert am.gradcheck(lambda x, h0: gru(x, h0)[0], [x, h0], atol=1e-7, rtol=1e-5)


def test_closed_form_bptt_matches_autograd() -> None:
    """nn.delta_rnn's δ_t equations give the engine's gradients on the same weights."""
    rng = np.random.default_rng(6)
    rnn = RNN(3, 4, dtype=np.float64, rng=rng)
    x = Tensor(rng.normal(size=(6, 2, 3)), requires_grad=True)
    h0 = Tensor(rng.normal(size=(1, 2, 4)), requires_grad=True)
    out, h_n = rnn(x, h0)
    grad_output, grad_final = rng.normal(size=out.shape), rng.normal(size=(2, 4))
    ((out * Tensor(grad_output)).sum() + (h_n[0] * Tensor(grad_final)).sum()).backward()

    weights = {k: np.asarray(v) for k, v in rnn.state_dict().items()}
    states = delta_rnn.rnn_forward(x.data, h0.data[0], weights["weight_ih_l0"],
                                   weights["weight_hh_l0"], weights["bias_ih_l0"],
                                   weights["bias_hh_l0"])
    np.testing.assert_allclose(states, out.data, rtol=1e-12)
    grads = delta_rnn.rnn_backward(x.data, h0.data[0], weights["weight_ih_l0"],
                                   weights["weight_hh_l0"], states, grad_output, grad_final)
    expected = {"weight_ih_l0": grads.weight_ih, "weight_hh_l0": grads.weight_hh,
                "bias_ih_l0": grads.bias_ih, "bias_hh_l0": grads.bias_hh}
    for name, parameter in zip(rnn.state_dict(), rnn.parameters()):
        np.testing.assert_allclose(parameter.grad, expected[name], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(x.grad, grads.inputs, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(np.asarray(h0.grad)[0], grads.h0, rtol=1e-10, atol=1e-13)
    # A wrong equation (tanh' forgotten) is caught: the check can fail.
    wrong = delta_rnn.rnn_backward(x.data, h0.data[0], weights["weight_ih_l0"],
                                   weights["weight_hh_l0"], np.zeros_like(states),
                                   grad_output, grad_final)
    assert not np.allclose(wrong.weight_hh, grads.weight_hh, rtol=1e-3)


def test_delta_rnn_imports_numpy_only() -> None:
    source = (delta_rnn.__file__ and open(delta_rnn.__file__, encoding="utf-8").read())
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert all("autograd_mini" not in line and " nn" not in line for line in imports), imports


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_float32_stays_float32(kind: str) -> None:
    layer = LAYERS[kind](3, 4, num_layers=2, rng=0)
    x = Tensor(np.random.default_rng(0).normal(size=(5, 2, 3)).astype(np.float32))
    out, final = layer(x)
    finals = final if kind == "LSTM" else (final,)
    assert out.dtype == np.float32 and all(f.dtype == np.float32 for f in finals)
    (out * out).sum().backward()
    assert all(np.asarray(p.grad).dtype == np.float32 for p in layer.parameters())
    # float64 data into a float32 layer is cast, as Linear does.
    assert layer(np.zeros((5, 2, 3)))[0].dtype == np.float32


@pytest.mark.hardening("engine/nn-recurrent-layout")
@pytest.mark.parametrize(("make", "call", "message"), [
    (lambda: LSTM(10, 20), lambda m: m(np.zeros((32, 50, 12))),
     r"LSTM: expected input \(seq, batch, 10\) \(batch_first=False\).*got \(32, 50, 12\)"),
    (lambda: GRU(10, 20, batch_first=True), lambda m: m(np.zeros((32, 50, 12, 1))),
     r"GRU: expected input \(batch, seq, 10\) \(batch_first=True\).*got \(32, 50, 12, 1\)"),
    (lambda: RNN(3, 4), lambda m: m(np.zeros((0, 2, 3))), r"RNN: .*at least one step"),
    (lambda: RNN(3, 4, num_layers=2), lambda m: m(np.zeros((5, 2, 3)), np.zeros((1, 2, 4))),
     r"RNN: expected h0 \(2, 2, 4\) \(num_layers, batch, hidden_size\), got \(1, 2, 4\)"),
    (lambda: LSTM(3, 4), lambda m: m(np.zeros((5, 2, 3)), np.zeros((1, 2, 4))),
     r"LSTM: the initial state must be a pair \(h0, c0\)"),
    (lambda: LSTM(3, 4), lambda m: m(np.zeros((5, 2, 3)), (np.zeros((1, 2, 4)),
                                                          np.zeros((1, 3, 4)))),
     r"LSTM: expected c0 \(1, 2, 4\)"),
    (lambda: LSTMCell(3, 4), lambda m: m(np.zeros((2, 4))),
     r"LSTMCell: expected input \(batch, 3\) or \(3,\), got \(2, 4\)"),
    (lambda: GRUCell(3, 4), lambda m: m(np.zeros((2, 3)), np.zeros((3, 4))),
     r"GRUCell: expected hx \(2, 4\)"),
    (lambda: RNN(3, 4), lambda m: m(np.array([["a", "b", "c"]])), r"RNN: input must hold"),
    (lambda: RNN(3, 4, nonlinearity="sigmoid"), None, r"RNN: nonlinearity must be 'tanh'"),
    (lambda: LSTM(3, 0), None, r"LSTM.*hidden_size"),
    (lambda: GRU(3, 4, num_layers=0), None, r"GRU.*num_layers"),
])
def test_bad_input_names_the_layer_and_the_layout(make, call, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        layer = make()
        call(layer)


@given(name=st.sampled_from(sorted(CELLS)), batch=st.integers(0, 4), inp=st.integers(1, 5),
       hidden=st.integers(1, 5), bias=st.booleans(), initial=st.booleans(),
       seed=st.integers(0, 2**16))
def test_drawn_cells_match_pytorch_forward_and_gradients(name, batch, inp, hidden, bias,
                                                         initial, seed) -> None:
    """Cells over drawn sizes (batch 0: one unbatched sample), states given or zeros: outputs
    and the gradients of input, states and every weight, float64 at rtol 1e-10."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    cell = CELLS[name](inp, hidden, bias=bias, dtype=np.float64, rng=rng)
    twin = _torch_copy(cell, getattr(torch.nn, name)(inp, hidden, bias=bias))
    lead = (batch,) if batch else ()
    arrays = [rng.normal(size=lead + (inp,))]
    if initial:
        arrays += [rng.normal(size=lead + (hidden,))] * (2 if name == "LSTMCell" else 1)
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    if name == "LSTMCell":
        outs = cell(ours[0], tuple(ours[1:]) if initial else None)
        outs_t = twin(theirs[0], tuple(theirs[1:]) if initial else None)
    else:
        outs, outs_t = (cell(*ours),), (twin(*theirs),)
    grads = [rng.normal(size=o.shape) for o in outs]
    for o, o_t in zip(outs, outs_t):
        np.testing.assert_allclose(o.data, o_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum((o * Tensor(g)).sum() for o, g in zip(outs, grads)).backward()
    sum((o * torch.tensor(g)).sum() for o, g in zip(outs_t, grads)).backward()
    pairs = list(zip(ours, theirs)) + list(zip(cell.parameters(), twin.parameters()))
    for mine, reference in pairs:
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_cells_keep_float32(name: str) -> None:
    cell = CELLS[name](3, 4, rng=0)
    x = Tensor(np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32))
    outs = cell(x) if name == "LSTMCell" else (cell(x),)
    assert all(o.dtype == np.float32 for o in outs)
    sum((o * o).sum() for o in outs).backward()
    assert all(np.asarray(p.grad).dtype == np.float32 for p in cell.parameters())
    assert (cell(np.zeros((2, 3)))[0] if name == "LSTMCell"
            else cell(np.zeros((2, 3)))).dtype == np.float32  # float64 data is cast


def test_lstm_weights_get_pytorch_gradients_through_the_stacked_step_weight() -> None:
    """LSTM multiplies [x_t, h] by [W_ih W_hh]ᵀ built in the graph: with an input that needs no
    gradient (a plain array, as in training), every named parameter, the projection and the
    reverse direction included, still gets PyTorch's gradient."""
    torch = pytest.importorskip("torch")
    options = {"num_layers": 2, "bidirectional": True, "proj_size": 2}
    ours = LSTM(3, 5, dtype=np.float64, rng=0, **options)
    theirs = _torch_copy(ours, torch.nn.LSTM(3, 5, **options))
    x = np.random.default_rng(1).normal(size=(6, 4, 3))
    out, (h_n, c_n) = ours(x)
    out_t, (h_t, c_t) = theirs(torch.tensor(x))
    (out * out).sum().backward()
    (out_t * out_t).sum().backward()
    names = [name for name, _ in theirs.named_parameters()]
    assert names == list(ours.state_dict()) and len(names) == 2 * 2 * 5
    for (name, reference), mine in zip(theirs.named_parameters(), ours.parameters()):
        assert mine.grad is not None, name
        np.testing.assert_allclose(mine.grad, reference.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)
