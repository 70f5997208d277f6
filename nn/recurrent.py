"""Recurrent layers (RNN, LSTM, GRU) and their cells, composed from Tensor ops.

PyTorch's equations, gate order and parameter layout, so `state_dict`s can be compared and
moved: layer l holds `weight_ih_l{l}` (gates·hidden, input), `weight_hh_l{l}` (gates·hidden,
hidden), `bias_ih_l{l}` and `bias_hh_l{l}` (gates·hidden,), with the gates stacked as

    RNN   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                  (or relu)
    LSTM  i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh)
          c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
    GRU   r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})
          n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h' = (1 − z) ⊙ n + z ⊙ h

With `bidirectional=True` each layer also runs a second set of weights (`…_l{l}_reverse`) from
the last step to the first; the two directions' outputs are concatenated along the features
(forward first) and feed the next layer, and the states stack as (num_layers·2, batch, hidden)
with layer l's directions at 2l and 2l + 1, as PyTorch's. `dropout` zeroes each unit of every
layer's output but the last with that probability in training mode (inverted dropout).

Backpropagation through time is whatever the engine derives from these ops; nothing here
defines a derivative. RNN and GRU project the input of every gate and every time step with one
matmul over the whole sequence per layer; each step then costs one hidden matmul and a few
elementwise ops. LSTM instead multiplies [x_t, h] by the stacked [W_ih W_hh]ᵀ once per step
(fewer nodes per step, and no gradient through slices of a projected sequence when the input
needs none).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from . import init
from .arguments import check_bool, check_int
from .dropout import dropout as dropout_function
from .module import Module, Parameter

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}
_NONLINEARITIES = ("tanh", "relu")


# ---- shared pieces -------------------------------------------------------------------------
def _as_tensor(who: str, what: str, x: Any, dtype: np.dtype) -> Tensor:
    """The input as a Tensor of the layer's dtype (a float32 layer stays float32)."""
    if isinstance(x, Tensor):
        return x if x.dtype == dtype else am.astype(x, dtype)
    if isinstance(x, tuple):
        raise TypeError(f"{who}: {what} must be an array or Tensor, got a tuple")
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{who}: {what} must hold numbers, got dtype {array.dtype}")
    return Tensor(array.astype(dtype, copy=False))


def _check_nonlinearity(who: str, nonlinearity: Any) -> str:
    if nonlinearity not in _NONLINEARITIES:
        raise ValueError(f"{who}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return nonlinearity


def _new_weight(shape: tuple[int, ...], k: float, dtype: Any,
                generator: np.random.Generator) -> Parameter:
    """A Parameter drawn from U(−k, k) (PyTorch's default for every recurrent weight)."""
    weight = Parameter(np.empty(shape, dtype=dtype))
    init.uniform_(weight, -k, k, generator)
    return weight


def _input_projection(x: Tensor, w_ih: Tensor, bias: Tensor | None) -> Tensor:
    """x W_ihᵀ + b for all steps and gates at once: (..., in) -> (..., gates·hidden)."""
    lead = x.shape[:-1]
    flat = am.reshape(x, (math.prod(lead), x.shape[-1]))  # (seq·batch, in)
    projected = am.linear(flat, w_ih.T, bias)  # (seq·batch, gates·hidden)
    return am.reshape(projected, lead + (w_ih.shape[0],))


def _time_steps(sequence: Tensor) -> list[Tensor]:
    """The steps of a (seq, ...) tensor as a list of (...) tensors, split by repeated halving.

    Why not `sequence[t]` for each t: the gradient of one slice is a zero array of the whole
    sequence's shape with the slice filled in, so seq slices cost O(seq²) memory traffic in
    backward (two thirds of an LSTM step at seq 50). Halving costs O(seq·log seq) instead.
    """
    pieces = [sequence]
    while len(pieces) < sequence.shape[0]:
        halves = []
        for piece in pieces:
            if piece.shape[0] == 1:
                halves.append(piece)
            else:
                middle = piece.shape[0] // 2
                halves += [piece[:middle], piece[middle:]]
        pieces = halves
    return [am.reshape(piece, piece.shape[1:]) for piece in pieces]


def _in_order(steps: list[Tensor], reverse: bool) -> list[Tensor]:
    """The steps as given, or last to first (the reverse direction of a bidirectional layer)."""
    return steps[::-1] if reverse else steps


def _check_dropout(who: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or not 0.0 <= p < 1.0:
        raise ValueError(f"{who}: dropout must be a probability in [0, 1), got {p!r}")
    return float(p)


def _rnn_step(gx: Tensor, h: Tensor, w_hh_t: Tensor, nonlinearity: str) -> Tensor:
    """One simple-RNN step; gx = W_ih x + b_ih + b_hh already."""
    pre = gx + h @ w_hh_t  # (batch, hidden)
    return am.tanh(pre) if nonlinearity == "tanh" else am.relu(pre)


def _stacked_weight(w_ih: Tensor, w_hh: Tensor) -> Tensor:
    """[W_ih W_hh]ᵀ, (in + state, gates·hidden): both products of a step as one matmul. Built
    from the parameters inside the graph, so their gradients reach weight_ih and weight_hh."""
    return am.concatenate([w_ih, w_hh], axis=1).T


def _lstm_step(x: Tensor, h: Tensor, c: Tensor, weight: Tensor, bias: Tensor | None
               ) -> tuple[Tensor, Tensor]:
    """One LSTM step (gates i, f, g, o): W_ih x + W_hh h + b as one product of [x, h] with
    weight = _stacked_weight(W_ih, W_hh) and bias = b_ih + b_hh. One node instead of a matmul,
    a slice of the sequence's input projection and an add: a training step at seq 50, batch
    64, hidden 128 went from 80 to 62 ms of CPU time."""
    n = c.shape[-1]  # hidden_size (h is narrower with proj_size)
    xh = am.concatenate([x, h], axis=-1)  # (batch, in + state)
    gates = am.linear(xh, weight, bias) if bias is not None else xh @ weight  # (batch, 4·hidden)
    input_forget = am.sigmoid(gates[:, : 2 * n])  # i and f in one op
    candidate = am.tanh(gates[:, 2 * n : 3 * n])
    output_gate = am.sigmoid(gates[:, 3 * n :])
    c_next = input_forget[:, n:] * c + input_forget[:, :n] * candidate  # (batch, hidden)
    return output_gate * am.tanh(c_next), c_next


def _gru_step(gx: Tensor, h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step (gates r, z, n); gx = W_ih x + b_ih, while b_hn stays inside r ⊙ (·)."""
    n = h.shape[-1]
    gh = am.linear(h, w_hh_t, b_hh) if b_hh is not None else h @ w_hh_t  # (batch, 3·hidden)
    reset_update = am.sigmoid(gx[:, : 2 * n] + gh[:, : 2 * n])  # r and z in one op
    candidate = am.tanh(gx[:, 2 * n :] + reset_update[:, :n] * gh[:, 2 * n :])
    return candidate + reset_update[:, n:] * (h - candidate)  # (1 − z) n + z h


# ---- cells ---------------------------------------------------------------------------------
class _CellBase(Module):
    """Parameters and input checks shared by the three cells."""

    _kind = ""
    draw_as_box = True  # drawings show the layer as one box, not its inner ops

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype: Any = np.float32, rng: init.RNG = None) -> None:
        super().__init__()
        who = self._kind + "Cell"
        self.input_size = check_int(who, "input_size", input_size, 1)
        self.hidden_size = check_int(who, "hidden_size", hidden_size, 1)
        bias = check_bool(who, "bias", bias)
        generator = init.as_generator(rng)
        k = 1.0 / math.sqrt(self.hidden_size)
        rows = _GATES[self._kind] * self.hidden_size
        self.weight_ih = _new_weight((rows, self.input_size), k, dtype, generator)
        self.weight_hh = _new_weight((rows, self.hidden_size), k, dtype, generator)
        self.bias_ih: Parameter | None = None
        self.bias_hh: Parameter | None = None
        if bias:
            self.bias_ih = _new_weight((rows,), k, dtype, generator)
            self.bias_hh = _new_weight((rows,), k, dtype, generator)

    def _input(self, x: Any) -> tuple[Tensor, bool]:
        """(input as (batch, input_size), whether it came without a batch axis)."""
        who = self._kind + "Cell"
        x = _as_tensor(who, "input", x, self.weight_ih.dtype)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise am.ShapeError(f"{who}: expected input (batch, {self.input_size}) or "
                                f"({self.input_size},), got {x.shape}")
        return (am.reshape(x, (1, self.input_size)), True) if x.ndim == 1 else (x, False)

    def _state(self, name: str, state: Any, batch: int, unbatched: bool) -> Tensor:
        """A hidden (or cell) state as (batch, hidden_size); zeros when None."""
        who = self._kind + "Cell"
        n = self.hidden_size
        if state is None:
            return Tensor(np.zeros((batch, n), dtype=self.weight_hh.dtype))
        state = _as_tensor(who, name, state, self.weight_hh.dtype)
        expected = (n,) if unbatched else (batch, n)
        if state.shape != expected:
            raise am.ShapeError(f"{who}: expected {name} {expected} (batch, hidden_size) "
                                f"for input batch {batch}, got {state.shape}")
        return am.reshape(state, (1, n)) if unbatched else state

    def _fused_bias(self) -> Tensor | None:
        if self.bias_ih is None or self.bias_hh is None:
            return None
        return self.bias_ih + self.bias_hh

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.hidden_size}, bias={self.bias_ih is not None}")


def _unbatch(t: Tensor, unbatched: bool) -> Tensor:
    return am.reshape(t, (t.shape[-1],)) if unbatched else t


class RNNCell(_CellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu): one step of `RNN`.

    input (batch, input_size) or (input_size,); hx the same with hidden_size (zeros if None).
    Weights ~ U(−1/√hidden, 1/√hidden) from `rng`, as PyTorch's.
    """

    _kind = "RNN"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", dtype: Any = np.float32,
                 rng: init.RNG = None) -> None:
        super().__init__(input_size, hidden_size, bias, dtype, rng)
        self.nonlinearity = _check_nonlinearity("RNNCell", nonlinearity)

    def forward(self, x: Any, hx: Any = None) -> Tensor:
        x, unbatched = self._input(x)
        h = self._state("hx", hx, x.shape[0], unbatched)
        gx = am.linear(x, self.weight_ih.T, self._fused_bias())  # (batch, hidden)
        return _unbatch(_rnn_step(gx, h, self.weight_hh.T, self.nonlinearity), unbatched)


class LSTMCell(_CellBase):
    """(h', c') from input and hx = (h, c): one step of `LSTM` (gates i, f, g, o).

    input (batch, input_size) or (input_size,); h and c the same with hidden_size (zeros if
    hx is None). Weights ~ U(−1/√hidden, 1/√hidden) from `rng`, as PyTorch's.
    """

    _kind = "LSTM"

    def forward(self, x: Any, hx: tuple[Any, Any] | None = None) -> tuple[Tensor, Tensor]:
        x, unbatched = self._input(x)
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"LSTMCell: hx must be a pair (h, c), got {type(hx).__name__}")
        h = self._state("h", hx[0], x.shape[0], unbatched)
        c = self._state("c", hx[1], x.shape[0], unbatched)
        h, c = _lstm_step(x, h, c, _stacked_weight(self.weight_ih, self.weight_hh),
                          self._fused_bias())
        return _unbatch(h, unbatched), _unbatch(c, unbatched)


class GRUCell(_CellBase):
    """h' = (1 − z) ⊙ n + z ⊙ h: one step of `GRU` (gates r, z, n).

    input (batch, input_size) or (input_size,); hx the same with hidden_size (zeros if None).
    Weights ~ U(−1/√hidden, 1/√hidden) from `rng`, as PyTorch's.
    """

    _kind = "GRU"

    def forward(self, x: Any, hx: Any = None) -> Tensor:
        x, unbatched = self._input(x)
        h = self._state("hx", hx, x.shape[0], unbatched)
        gx = am.linear(x, self.weight_ih.T, self.bias_ih)  # (batch, 3·hidden)
        return _unbatch(_gru_step(gx, h, self.weight_hh.T, self.bias_hh), unbatched)


# ---- multi-layer sequence layers -----------------------------------------------------------
class _RecurrentBase(Module):
    """Parameters, input checks and the layer loop shared by RNN, LSTM and GRU."""

    _kind = ""
    draw_as_box = True  # drawings show the layer as one box, not one chain per time step

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype: Any = np.float32,
                 rng: init.RNG = None, proj_size: int = 0) -> None:
        super().__init__()
        who = self._kind
        self.input_size = check_int(who, "input_size", input_size, 1)
        self.hidden_size = check_int(who, "hidden_size", hidden_size, 1)
        self.num_layers = check_int(who, "num_layers", num_layers, 1)
        self.bias = check_bool(who, "bias", bias)
        self.batch_first = check_bool(who, "batch_first", batch_first)
        self.dropout = _check_dropout(who, dropout)
        self.bidirectional = check_bool(who, "bidirectional", bidirectional)
        self.proj_size = check_int(who, "proj_size", proj_size, 0)
        if self.proj_size and who != "LSTM":
            raise ValueError(f"{who}: proj_size is an LSTM option (as in PyTorch), got "
                             f"proj_size={self.proj_size}")
        if self.proj_size >= self.hidden_size:
            raise ValueError(f"{who}: proj_size must be smaller than hidden_size "
                             f"({self.hidden_size}), got {self.proj_size}")
        generator = init.as_generator(rng)
        k = 1.0 / math.sqrt(self.hidden_size)
        rows = _GATES[who] * self.hidden_size
        out = self._state_size
        # PyTorch's names and order, so state_dict keys match nn.RNN/LSTM/GRU's.
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else out * self._directions
            for suffix in self._suffixes:
                setattr(self, f"weight_ih_l{layer}{suffix}",
                        _new_weight((rows, width), k, dtype, generator))
                setattr(self, f"weight_hh_l{layer}{suffix}",
                        _new_weight((rows, out), k, dtype, generator))
                if self.bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}",
                            _new_weight((rows,), k, dtype, generator))
                    setattr(self, f"bias_hh_l{layer}{suffix}",
                            _new_weight((rows,), k, dtype, generator))
                if self.proj_size:  # LSTM's h = W_hr (o ⊙ tanh c), (proj, hidden)
                    setattr(self, f"weight_hr_l{layer}{suffix}",
                            _new_weight((self.proj_size, self.hidden_size), k, dtype,
                                        generator))
        if self.dropout > 0 and self.num_layers > 1:  # its own stream, after the weights
            self.dropout_rng = np.random.default_rng(generator.integers(2**63))

    @property
    def _state_size(self) -> int:
        """The width of h: proj_size with an LSTM projection, else hidden_size."""
        return self.proj_size or self.hidden_size

    @property
    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _suffixes(self) -> tuple[str, ...]:
        """PyTorch's parameter-name suffix of each direction."""
        return ("", "_reverse") if self.bidirectional else ("",)

    def _layer_parameters(self, layer: int, suffix: str = ""
                          ) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        name = f"l{layer}{suffix}"
        return (getattr(self, f"weight_ih_{name}"), getattr(self, f"weight_hh_{name}"),
                getattr(self, f"bias_ih_{name}", None), getattr(self, f"bias_hh_{name}", None))

    def _stack(self, x: Tensor, initial: list[Any]) -> tuple[Tensor, list[Any]]:
        """Run every layer and direction over x (seq, batch, ·) from its initial state
        (index layer·directions + direction); returns (the top layer's outputs (seq, batch,
        directions·hidden), the final state of each layer and direction)."""
        finals = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                x = dropout_function(x, self.dropout, True, self.dropout_rng)
            outputs = []
            for direction, suffix in enumerate(self._suffixes):
                steps, final = self._sequence(x, self._layer_parameters(layer, suffix),
                                              initial[layer * self._directions + direction],
                                              reverse=direction == 1)
                outputs.append(am.stack(steps, axis=0))  # (seq, batch, hidden)
                finals.append(final)
            x = outputs[0] if len(outputs) == 1 else am.concatenate(outputs, axis=-1)
        return x, finals

    def _sequence(self, x: Tensor, parameters: tuple[Tensor, Tensor, Tensor | None,
                                                     Tensor | None],
                  state: Any, reverse: bool) -> tuple[list[Tensor], Any]:
        """One layer in one direction: the h_t of every step in time order, and the final
        state (the last step's; the first's when `reverse`)."""
        raise NotImplementedError

    def _layout(self) -> str:
        return "(batch, seq, " if self.batch_first else "(seq, batch, "

    def _input(self, x: Any) -> tuple[Tensor, bool]:
        """(input as (seq, batch, input_size), whether it came without a batch axis)."""
        who = self._kind
        dtype = self.weight_ih_l0.dtype
        x = _as_tensor(who, "input", x, dtype)
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size or x.shape[0] == 0 \
                or (x.ndim == 3 and x.shape[1] == 0):
            raise am.ShapeError(
                f"{who}: expected input {self._layout()}{self.input_size}) "
                f"(batch_first={self.batch_first}) or unbatched (seq, {self.input_size}), "
                f"with at least one step, got {x.shape}")
        if x.ndim == 2:  # unbatched: one sequence
            return am.reshape(x, (x.shape[0], 1, self.input_size)), True
        return (am.swapaxes(x, 0, 1) if self.batch_first else x), False

    def _initial(self, name: str, state: Any, batch: int, unbatched: bool,
                 size: int | None = None) -> list[Tensor]:
        """One (batch, size) state per layer and direction, from (num_layers·directions,
        batch, size) or zeros; size is hidden_size unless given (h with proj_size)."""
        who = self._kind
        count = self.num_layers * self._directions
        size = self.hidden_size if size is None else size
        shape = (count, batch, size)
        dtype = self.weight_hh_l0.dtype
        if state is None:
            zeros = Tensor(np.zeros(shape[1:], dtype=dtype))
            return [zeros] * count
        state = _as_tensor(who, name, state, dtype)
        expected = (count, size) if unbatched else shape
        if state.shape != expected:
            layers = "num_layers·2" if self.bidirectional else "num_layers"
            width = "proj_size" if size != self.hidden_size else "hidden_size"
            layout = f"({layers}, {width})" if unbatched else f"({layers}, batch, {width})"
            raise am.ShapeError(f"{who}: expected {name} {expected} {layout}, got {state.shape}")
        if unbatched:
            state = am.reshape(state, shape)
        return [state[index] for index in range(count)]

    def _hidden_state_forward(self, x: Any, h0: Any) -> tuple[Tensor, Tensor]:
        """(output, h_n) of a cell whose state is h alone (RNN, GRU; LSTM carries (h, c))."""
        x, unbatched = self._input(x)
        hs = self._initial("h0", h0, x.shape[1], unbatched)
        x, finals = self._stack(x, hs)
        return self._output(x, unbatched), self._final(finals, unbatched)

    def _output(self, output: Tensor, unbatched: bool) -> Tensor:
        if unbatched:
            return am.reshape(output, (output.shape[0], output.shape[2]))
        return am.swapaxes(output, 0, 1) if self.batch_first else output

    def _final(self, states: list[Tensor], unbatched: bool) -> Tensor:
        stacked = am.stack(states, axis=0)  # (num_layers·directions, batch, hidden)
        return am.reshape(stacked, (len(states), states[0].shape[-1])) if unbatched \
            else stacked

    def extra_repr(self) -> str:
        text = (f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"bias={self.bias}, batch_first={self.batch_first}")
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        return text + (", bidirectional=True" if self.bidirectional else "")


class RNN(_RecurrentBase):
    """Elman RNN, h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) (or relu), stacked.

    `rnn(x, h0=None)` -> (output, h_n): x (seq, batch, input_size) ((batch, seq, ·) with
    batch_first, or (seq, input_size) unbatched); h0 and h_n (num_layers·directions, batch,
    hidden_size); output the last layer's h_t for every t (seq, batch, directions·hidden).
    Parameters `weight_ih_l{k}` (and `…_reverse` with bidirectional) as PyTorch's; `dropout`
    between stacked layers in training mode.
    """

    _kind = "RNN"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, dtype: Any = np.float32,
                 rng: init.RNG = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype, rng)
        self.nonlinearity = _check_nonlinearity("RNN", nonlinearity)

    def forward(self, x: Any, h0: Any = None) -> tuple[Tensor, Tensor]:
        return self._hidden_state_forward(x, h0)

    def _sequence(self, x: Tensor, parameters: tuple[Tensor, Tensor, Tensor | None,
                                                     Tensor | None],
                  state: Any, reverse: bool) -> tuple[list[Tensor], Any]:
        w_ih, w_hh, b_ih, b_hh = parameters
        bias = b_ih + b_hh if b_ih is not None else None
        gx = _input_projection(x, w_ih, bias)  # (seq, batch, hidden)
        w_hh_t, h = w_hh.T, state
        steps = []
        for gx_t in _in_order(_time_steps(gx), reverse):
            h = _rnn_step(gx_t, h, w_hh_t, self.nonlinearity)
            steps.append(h)
        return _in_order(steps, reverse), h

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"


class LSTM(_RecurrentBase):
    """Long short-term memory (gates i, f, g, o as PyTorch's), stacked `num_layers` deep.

    `lstm(x, (h0, c0)=None)` -> (output, (h_n, c_n)): x (seq, batch, input_size) ((batch,
    seq, ·) with batch_first, or (seq, input_size) unbatched); states (num_layers·directions,
    batch, hidden_size). Parameters `weight_ih_l{k}` (4·hidden, in) etc. as PyTorch's
    (`…_reverse` with bidirectional); `dropout` between stacked layers in training mode.
    `proj_size` > 0 projects each h_t = W_hr (o ⊙ tanh c_t) to proj_size features (weights
    `weight_hr_l{k}`, (proj_size, hidden)): h0, h_n and the output carry proj_size features.
    """

    _kind = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, dtype: Any = np.float32,
                 rng: init.RNG = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype, rng, proj_size=proj_size)

    def forward(self, x: Any, hx: tuple[Any, Any] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTM: the initial state must be a pair (h0, c0) of (num_layers, "
                            f"batch, hidden_size) tensors, got {type(hx).__name__}")
        x, unbatched = self._input(x)
        h0, c0 = hx if hx is not None else (None, None)
        hs = self._initial("h0", h0, x.shape[1], unbatched, self._state_size)
        cs = self._initial("c0", c0, x.shape[1], unbatched)
        x, finals = self._stack(x, list(zip(hs, cs)))
        final_h, final_c = [h for h, _ in finals], [c for _, c in finals]
        return self._output(x, unbatched), (self._final(final_h, unbatched),
                                            self._final(final_c, unbatched))

    def _sequence(self, x: Tensor, parameters: tuple[Any, ...], state: Any, reverse: bool
                  ) -> tuple[list[Tensor], Any]:
        w_ih, w_hh, b_ih, b_hh, w_hr = parameters  # w_hr: the projection, or None
        bias = b_ih + b_hh if b_ih is not None else None
        weight, (h, c) = _stacked_weight(w_ih, w_hh), state  # (in + state, 4·hidden)
        w_hr_t = None if w_hr is None else w_hr.T  # (hidden, proj)
        steps = []
        for x_t in _in_order(_time_steps(x), reverse):
            h, c = _lstm_step(x_t, h, c, weight, bias)
            if w_hr_t is not None:
                h = h @ w_hr_t  # (batch, proj)
            steps.append(h)
        return _in_order(steps, reverse), (h, c)

    def _layer_parameters(self, layer: int, suffix: str = "") -> tuple[Any, ...]:
        """(weight_ih, weight_hh, bias_ih, bias_hh, weight_hr or None) of one direction."""
        return (*super()._layer_parameters(layer, suffix),
                getattr(self, f"weight_hr_l{layer}{suffix}", None))


class GRU(_RecurrentBase):
    """Gated recurrent unit (gates r, z, n as PyTorch's), stacked `num_layers` deep.

    `gru(x, h0=None)` -> (output, h_n), shapes and options (dropout, bidirectional) as
    `RNN`'s. Parameters `weight_ih_l{k}` (3·hidden, in) etc. as PyTorch's; b_hn stays inside
    the reset gate's product.
    """

    _kind = "GRU"

    def forward(self, x: Any, h0: Any = None) -> tuple[Tensor, Tensor]:
        return self._hidden_state_forward(x, h0)

    def _sequence(self, x: Tensor, parameters: tuple[Tensor, Tensor, Tensor | None,
                                                     Tensor | None],
                  state: Any, reverse: bool) -> tuple[list[Tensor], Any]:
        w_ih, w_hh, b_ih, b_hh = parameters
        gx = _input_projection(x, w_ih, b_ih)  # (seq, batch, 3·hidden)
        w_hh_t, h = w_hh.T, state
        steps = []
        for gx_t in _in_order(_time_steps(gx), reverse):
            h = _gru_step(gx_t, h, w_hh_t, b_hh)
            steps.append(h)
        return _in_order(steps, reverse), h
