"""Closed-form back-propagation through a chain of layers, in numpy only.

The reference `nn.delta_check` runs models with convolution, pooling and simple-RNN layers
against. Like nn/delta.py it imports numpy (and the other closed forms) only, never
``autograd_mini``. Each step is one layer's textbook equations:

    Dense       z = a W + b:   ∂C/∂a = δ Wᵀ,   ∂C/∂W = aᵀ δ,   ∂C/∂b = Σ_rows δ   (nn/delta.py)
    Activation  a' = f(z):     ∂C/∂z = f'(z) ⊙ ∂C/∂a'
    Conv2d      δ_in = full correlation of δ with the rotated kernel, ...         (delta_conv)
    MaxPool2d   δ routed to each window's (first) maximum                         (delta_conv)
    Reshape     the gradient reshaped back
    TanhRNN     backpropagation through time, layer by layer from the top          (delta_rnn)

`forward(a)` keeps what `backward` needs; `backward(g)` takes ∂C/∂(output) and returns
∂C/∂(input), leaving ∂C/∂(each parameter) in `grads`, keyed by the layer's parameter names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from . import delta, delta_conv, delta_rnn

__all__ = ["Activation", "Conv2d", "Dense", "MaxPool2d", "Reshape", "Step", "TanhRNN",
           "run_chain"]

Array = NDArray[np.float64]


@dataclass
class Step:
    """One layer of the chain: forward, backward and the parameter gradients found."""

    grads: dict[str, Array] = field(default_factory=dict, init=False)

    def forward(self, a: Array) -> Array:
        raise NotImplementedError

    def backward(self, g: Array) -> Array:
        raise NotImplementedError


@dataclass
class Dense(Step):
    """z = a W + b with W (in, out), one sample per row."""

    weight: Array
    bias: Array

    def forward(self, a: Array) -> Array:
        self._a = a
        return a @ self.weight + self.bias  # (batch, out)

    def backward(self, g: Array) -> Array:
        self.grads = {"weight": self._a.T @ g, "bias": g.sum(axis=0)}
        return g @ self.weight.T  # (batch, in)


@dataclass
class Activation(Step):
    """a' = f(z), elementwise, for a name of nn.delta.ACTIVATIONS."""

    name: str

    def forward(self, z: Array) -> Array:
        self._z = z
        return delta.ACTIVATIONS[self.name][0](z)

    def backward(self, g: Array) -> Array:
        return delta.ACTIVATIONS[self.name][1](self._z) * g


@dataclass
class Conv2d(Step):
    """z = a ⋆ W + b over (batch, channels, H, W), one stride and padding for both axes."""

    weight: Array  # (out, in, kH, kW)
    bias: Array  # (out,)
    stride: int = 1
    padding: int = 0

    def forward(self, a: Array) -> Array:
        self._a = a
        return delta_conv.conv2d_forward(a, self.weight, self.bias, self.stride, self.padding)

    def backward(self, g: Array) -> Array:
        grad_a, grad_w, grad_b = delta_conv.conv2d_backward(self._a, self.weight, g,
                                                            self.stride, self.padding)
        self.grads = {"weight": grad_w, "bias": grad_b}
        return grad_a


@dataclass
class MaxPool2d(Step):
    """The largest entry of each k×k window, stride k."""

    kernel_size: int

    def forward(self, a: Array) -> Array:
        self._a = a
        return delta_conv.max_pool2d_forward(a, self.kernel_size)

    def backward(self, g: Array) -> Array:
        return delta_conv.max_pool2d_backward(self._a, g, self.kernel_size)


@dataclass
class Reshape(Step):
    """Each sample reshaped to `shape` (-1 allowed): Flatten and Unflatten."""

    shape: tuple[int, ...]

    def forward(self, a: Array) -> Array:
        self._shape = a.shape
        return a.reshape((a.shape[0],) + self.shape)

    def backward(self, g: Array) -> Array:
        return g.reshape(self._shape)


@dataclass
class TanhRNN(Step):
    """A stack of tanh RNN layers from zero initial states, read out as the top layer's h_T.

    layers: (weight_ih, weight_hh, bias_ih, bias_hh) per layer, PyTorch's layout; input
    (batch, seq, input) if batch_first else (seq, batch, input); output (batch, hidden).
    """

    layers: Sequence[tuple[Array, Array, Array, Array]]
    batch_first: bool = True

    def forward(self, x: Array) -> Array:
        x = x.transpose(1, 0, 2) if self.batch_first else x  # (seq, batch, input)
        self._inputs, self._states = [], []
        for w_ih, w_hh, b_ih, b_hh in self.layers:
            h0 = np.zeros((x.shape[1], w_hh.shape[0]))
            states = delta_rnn.rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh)  # (seq, batch, hid)
            self._inputs.append(x)
            self._states.append(states)
            x = states
        return x[-1]  # h_T of the top layer

    def backward(self, g: Array) -> Array:
        grad_output = np.zeros_like(self._states[-1])
        grad_final: Array | None = g  # only h_T of the top layer is read
        for layer in range(len(self.layers) - 1, -1, -1):
            w_ih, w_hh, _, _ = self.layers[layer]
            x, states = self._inputs[layer], self._states[layer]
            result = delta_rnn.rnn_backward(x, np.zeros_like(states[0]), w_ih, w_hh, states,
                                            grad_output, grad_final)
            self.grads.update({f"weight_ih_l{layer}": result.weight_ih,
                               f"weight_hh_l{layer}": result.weight_hh,
                               f"bias_ih_l{layer}": result.bias_ih,
                               f"bias_hh_l{layer}": result.bias_hh})
            grad_output, grad_final = result.inputs, None  # the layer below's outputs' grads
        return grad_output.transpose(1, 0, 2) if self.batch_first else grad_output


@dataclass
class ChainResult:
    """C, ∂C/∂(each step's output) (the δ of each step) and ∂C/∂X."""

    loss_value: float
    deltas: list[Array]
    grad_input: Array


def run_chain(steps: Sequence[Step], X: Array, y: Array, loss: str) -> ChainResult:
    """Forward through `steps`, the loss of nn.delta.LOSSES, then every step's backward."""
    outputs = []
    a = X
    for step in steps:
        a = step.forward(a)
        outputs.append(a)
    loss_value, g = delta.LOSSES[loss](a, y)
    deltas: list[Array] = [np.empty(0)] * len(steps)
    for i in range(len(steps) - 1, -1, -1):
        deltas[i] = g
        g = steps[i].backward(g)
    return ChainResult(loss_value, deltas, g)
