"""Closed-form backpropagation through time for the simple (tanh) RNN, in numpy only.

The independent reference for `nn.RNN`: like `nn/delta.py` it imports numpy only, never
``autograd_mini``. Weights are in PyTorch's layout (one layer, tanh):

    a_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh,    h_t = tanh(a_t),    t = 1..T

Given the upstream gradients G_t = ∂C/∂h_t of the outputs (and ∂C/∂h_T of the final state,
already added into G_T by the caller or passed as `grad_final`), backward runs t = T..1:

    δ_t = (W_hhᵀ δ_{t+1} + G_t) ⊙ (1 − h_t²)          (δ_{T+1} = 0; one row per sample)
    ∂C/∂W_ih = Σ_t δ_t x_tᵀ      ∂C/∂W_hh = Σ_t δ_t h_{t−1}ᵀ
    ∂C/∂b_ih = ∂C/∂b_hh = Σ_t Σ_batch δ_t
    ∂C/∂x_t = W_ihᵀ δ_t           ∂C/∂h_0 = W_hhᵀ δ_1

With one sample per row (x_t of shape (batch, input)), W δ becomes δ W and δ xᵀ becomes δᵀ x.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["RNNGradients", "rnn_backward", "rnn_forward"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class RNNGradients:
    """∂C/∂ of every weight and input of one tanh RNN layer, and the δ_t of each step."""

    weight_ih: Array  # (hidden, input)
    weight_hh: Array  # (hidden, hidden)
    bias_ih: Array  # (hidden,)
    bias_hh: Array  # (hidden,)
    inputs: Array  # (seq, batch, input)
    h0: Array  # (batch, hidden)
    deltas: Array  # (seq, batch, hidden)


def rnn_forward(x: Array, h0: Array, weight_ih: Array, weight_hh: Array, bias_ih: Array,
                bias_hh: Array) -> Array:
    """h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh): (seq, batch, input) -> (seq,
    batch, hidden)."""
    h = h0
    states = []
    for x_t in x:
        h = np.tanh(x_t @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)  # (batch, hidden)
        states.append(h)
    return np.stack(states)


def rnn_backward(x: Array, h0: Array, weight_ih: Array, weight_hh: Array, states: Array,
                 grad_output: Array, grad_final: Array | None = None) -> RNNGradients:
    """The BPTT equations above; `states` from `rnn_forward`, `grad_output` = ∂C/∂h_t for
    every t (seq, batch, hidden), `grad_final` = ∂C/∂h_T (batch, hidden) if h_T is used too."""
    seq = x.shape[0]
    deltas = np.zeros_like(states)  # (seq, batch, hidden)
    carried = np.zeros_like(h0)  # W_hhᵀ δ_{t+1}, as rows: δ_{t+1} W_hh
    for t in range(seq - 1, -1, -1):
        upstream = grad_output[t] + carried
        if t == seq - 1 and grad_final is not None:
            upstream = upstream + grad_final
        deltas[t] = upstream * (1.0 - states[t] ** 2)  # (batch, hidden)
        carried = deltas[t] @ weight_hh  # (batch, hidden)
    previous = np.concatenate([h0[None], states[:-1]])  # h_{t−1} for t = 1..T
    bias = deltas.sum(axis=(0, 1))  # (hidden,)
    return RNNGradients(
        weight_ih=np.einsum("tbh,tbi->hi", deltas, x),
        weight_hh=np.einsum("tbh,tbk->hk", deltas, previous),
        bias_ih=bias,
        bias_hh=bias.copy(),
        inputs=deltas @ weight_ih,  # (seq, batch, input)
        h0=carried,
        deltas=deltas,
    )
