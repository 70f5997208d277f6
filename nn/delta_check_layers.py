"""delta_check for models with convolution, pooling and simple-RNN layers.

Each module of the Sequential becomes one closed-form step of `nn.delta_layers` (numpy only);
the same model, copied to float64, runs through autograd; both sides report ∂C/∂(each
parameter), δ = ∂C/∂(each layer's output) and ∂C/∂X. Layers without a closed form here (LSTM,
GRU, BatchNorm, Dropout, ...) are refused by name: "not covered".
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from . import delta, delta_layers
from .activations import ACTIVATIONS, activation_name
from .conv import Conv2d
from .delta_check import check_delta_constants
from .flatten import Flatten, Unflatten
from .layers import Linear
from .module import Module, Sequential
from .pooling import MaxPool2d
from .recurrent import GRU, LSTM, RNN
from .sequence_readout import LastHiddenState

__all__ = ["COVERED", "closed_form_steps", "layered_delta_check"]

COVERED = ("Linear", "Conv2d", "MaxPool2d", "Flatten", "Unflatten",
           "LastHiddenState(RNN with tanh)", "the activations of nn.delta")


def _not_covered(i: int, module: Module, why: str) -> TypeError:
    return TypeError(f"delta_check: module {i} ({type(module).__name__}) is not covered: {why}; "
                     f"covered are {', '.join(COVERED)}")


def _square(i: int, module: Module, name: str, value: Any) -> int:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(set(values)) != 1 or not isinstance(values[0], (int, np.integer)):
        raise _not_covered(i, module, f"the closed form (nn.delta_conv) takes one {name} for "
                                      f"both axes, got {name}={value!r}")
    return int(values[0])


def _conv_step(i: int, conv: Conv2d) -> delta_layers.Conv2d:
    if conv.bias is None or conv.groups != 1 or set(conv.dilation) != {1}:
        raise _not_covered(i, conv, "nn.delta_conv writes out a convolution with bias, "
                                    f"groups=1 and dilation 1, got {conv.describe()}")
    padding = conv.padding
    if padding == "valid":
        padding = 0
    elif padding == "same":
        kernel = _square(i, conv, "kernel_size", conv.kernel_size)
        if kernel % 2 == 0:
            raise _not_covered(i, conv, f"padding='same' with an even kernel pads unevenly, "
                                        f"got {conv.describe()}")
        padding = (kernel - 1) // 2
    return delta_layers.Conv2d(_float64(conv.weight), _float64(conv.bias),
                               _square(i, conv, "stride", conv.stride),
                               _square(i, conv, "padding", padding))


def _pool_step(i: int, pool: MaxPool2d) -> delta_layers.MaxPool2d:
    kernel = _square(i, pool, "kernel_size", pool.kernel_size)
    if (_square(i, pool, "stride", pool.stride) != kernel or pool.ceil_mode
            or _square(i, pool, "padding", pool.padding) != 0
            or _square(i, pool, "dilation", pool.dilation) != 1):
        raise _not_covered(i, pool, "nn.delta_conv writes out max-pooling over disjoint "
                                    "windows (stride = kernel_size, no padding, dilation or "
                                    f"ceil_mode), got MaxPool2d({pool.extra_repr()})")
    return delta_layers.MaxPool2d(kernel)


def _rnn_step(i: int, readout: LastHiddenState) -> delta_layers.TanhRNN:
    rnn = readout.recurrent
    if isinstance(rnn, (LSTM, GRU)):
        raise _not_covered(i, readout, f"its {type(rnn).__name__} has no closed-form "
                                       "backward here (nn.delta_rnn covers the tanh RNN only)")
    assert isinstance(rnn, RNN)
    if rnn.nonlinearity != "tanh" or not rnn.bias or getattr(rnn, "bidirectional", False):
        raise _not_covered(i, readout, "nn.delta_rnn covers a one-direction tanh RNN with "
                                       f"biases, got RNN({rnn.extra_repr()})")
    layers = [tuple(_float64(getattr(rnn, f"{name}_l{layer}"))
                    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
              for layer in range(rnn.num_layers)]
    return delta_layers.TanhRNN(layers, rnn.batch_first)


def _float64(t: Tensor) -> np.ndarray:
    return np.array(t.data, dtype=np.float64)


def _activation_step(i: int, module: Module) -> delta_layers.Activation:
    name = activation_name(module)
    if name not in delta.ACTIVATIONS:
        raise _not_covered(i, module, "nn.delta has no closed form for it")
    check_delta_constants(module)
    assert name is not None and name in ACTIVATIONS
    return delta_layers.Activation(name)


def closed_form_steps(model: Sequential) -> list[delta_layers.Step]:
    """One nn.delta_layers step per module (float64 copies of its weights), or the error
    naming the first module without a closed form."""
    steps: list[delta_layers.Step] = []
    for i, module in enumerate(model):
        if isinstance(module, Linear):
            if module.bias is None:
                raise ValueError(f"delta_check: layer {i} is a Linear without bias; the delta "
                                 "equations need b")
            steps.append(delta_layers.Dense(_float64(module.weight), _float64(module.bias)))
        elif isinstance(module, Conv2d):
            steps.append(_conv_step(i, module))
        elif isinstance(module, MaxPool2d):
            steps.append(_pool_step(i, module))
        elif isinstance(module, Flatten):
            if module.start_dim != 1 or module.end_dim != -1:
                raise _not_covered(i, module, "only Flatten(start_dim=1, end_dim=-1)")
            steps.append(delta_layers.Reshape((-1,)))
        elif isinstance(module, Unflatten):
            if module.dim != 1:
                raise _not_covered(i, module, "only Unflatten(1, sizes)")
            steps.append(delta_layers.Reshape(module.unflattened_size))
        elif isinstance(module, LastHiddenState):
            steps.append(_rnn_step(i, module))
        elif isinstance(module, (RNN, LSTM, GRU)):
            raise _not_covered(i, module, "a recurrent layer returns (output, state); wrap it "
                                          "as LastHiddenState(layer) to read out h_T")
        else:
            steps.append(_activation_step(i, module))
    if not steps:
        raise ValueError("delta_check: the model has no layers")
    return steps


def layered_delta_check(model: Sequential, x: np.ndarray, target: np.ndarray, loss: str,
                        autograd_loss: Any) -> tuple[list[dict[str, Any]], list[tuple[float,
                                                                                       float]],
                                                                   float, float]:
    """(rows, [(abs diff, scale)] per quantity, C autograd, C equations) for a Sequential with
    conv, pooling and simple-RNN layers."""
    steps = closed_form_steps(model)
    last = model[len(model) - 1]
    if loss == "softmax_cross_entropy" and activation_name(last) not in (None, "identity"):
        raise ValueError("loss 'softmax_cross_entropy' applies the softmax itself, so the "
                         f"model must end in a layer, not in {type(last).__name__}")
    reference = delta_layers.run_chain(steps, x, target, loss)

    copied = copy.deepcopy(model).double().train(model.training)
    inputs = Tensor(x, requires_grad=True)
    outputs: list[Tensor] = []
    a = inputs
    for module in copied:
        a = module(a)
        outputs.append(a)
    cost = autograd_loss(loss, a, target)
    named = [dict(module.named_parameters()) for module in copied]
    flat = [p for params in named for p in params.values()]
    grads = am.grad(cost, [inputs, *flat, *outputs])
    grad_input, grad_params = grads[0], iter(grads[1:1 + len(flat)])
    deltas = grads[1 + len(flat):]

    rows: list[dict[str, Any]] = []
    differences: list[tuple[float, float]] = []

    def compare(row: dict[str, Any], label: str, ours: Any, theirs: np.ndarray) -> None:
        ours = np.asarray(ours.data if isinstance(ours, Tensor) else ours)
        diff = float(np.max(np.abs(ours - theirs), initial=0.0))
        scale = float(np.max(np.abs(theirs), initial=0.0))
        row[f"{label} abs"] = diff
        row[f"{label} rel"] = diff / scale if scale > 0 else 0.0
        differences.append((diff, scale))

    for i, (module, step) in enumerate(zip(copied, steps)):
        params = {name: next(grad_params) for name in named[i]}
        if isinstance(step, (delta_layers.Activation, delta_layers.Reshape)):
            continue  # its δ is the next row's input gradient, checked there
        if isinstance(step, delta_layers.TanhRNN):  # one row per stacked layer, top last
            for layer in range(len(step.layers)):
                row = {"layer": f"{i}.l{layer}", "module": "RNN (tanh)",
                       "W shape": "x".join(map(str, step.layers[layer][0].shape))}
                for name, label in (("weight_ih", "dC/dW"), ("bias_ih", "dC/db"),
                                    ("weight_hh", "dC/dW_hh"), ("bias_hh", "dC/db_hh")):
                    compare(row, label, params[f"recurrent.{name}_l{layer}"],
                            step.grads[f"{name}_l{layer}"])
                rows.append(row)
            compare(row, "delta", deltas[i], reference.deltas[i])  # δ of h_T, the readout
            continue
        row = {"layer": i, "module": type(module).__name__}
        shape = next(iter(named[i].values())).shape if named[i] else ()
        row["W shape"] = "x".join(map(str, shape)) if shape else "-"
        for name, theirs in step.grads.items():
            compare(row, {"weight": "dC/dW", "bias": "dC/db"}[name], params[name], theirs)
        compare(row, "delta", deltas[i], reference.deltas[i])
        rows.append(row)
    input_row: dict[str, Any] = {"layer": "input", "module": "X",
                                 "W shape": "x".join(map(str, x.shape))}
    compare(input_row, "dC/dX", grad_input, reference.grad_input)
    rows.append(input_row)
    return rows, differences, float(cost.item()), reference.loss_value
