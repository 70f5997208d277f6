"""Cross-check autograd against the closed-form delta equations of `nn.delta`, layer by layer.

Dense models (Linear and activations) are checked against `nn.delta.backward`, the four
equations of the lecture; models with Conv2d, MaxPool2d, Flatten/Unflatten and simple-RNN
layers against the chain of closed forms in `nn.delta_layers` (see nn/delta_check_layers.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor

from . import delta
from .activations import ACTIVATIONS, ELU, Identity, LeakyReLU, activation_name
from .layers import Linear
from .losses import cross_entropy, mse_loss
from .module import Module, Sequential

__all__ = ["DeltaCheckReport", "delta_check"]

# The modules whose derivative nn.delta writes out in closed form, by their one table name.
_CHECKED = [name for name in ACTIVATIONS if name in delta.ACTIVATIONS]


def _largest(values: list[float]) -> float:
    """max(values, default=0.0), where a NaN counts as the largest."""
    return float(np.max(values)) if values else 0.0


@dataclass
class DeltaCheckReport:
    """Per-layer differences between autograd and the delta equations (∂C/∂W, ∂C/∂b, δ),
    plus the difference in the cost C itself (included in max_abs, max_rel and ok).

    Each row holds, per quantity, the max absolute difference and the relative difference
    (max absolute difference / largest magnitude of the delta-equation value).
    """

    loss: str
    rows: list[dict[str, Any]]
    loss_autograd: float
    loss_equations: float
    _abs: list[float] = field(default_factory=list, repr=False)
    _scale: list[float] = field(default_factory=list, repr=False)

    @property
    def max_abs(self) -> float:
        """Largest absolute difference over every layer and quantity (NaN if any is NaN:
        Python's max keeps 0.0 over a later NaN, which read as a perfect match)."""
        return _largest(self._abs)

    @property
    def max_rel(self) -> float:
        """Largest relative difference over every layer and quantity."""
        return _largest([a / s if s > 0 else a * 0.0 for a, s in zip(self._abs, self._scale)])

    def ok(self, tol: float = 1e-8) -> bool:
        """True when every difference is within `tol`, scaled by the value's magnitude when
        that exceeds 1 (so large gradients are compared relatively)."""
        return all(a <= tol * max(1.0, s) for a, s in zip(self._abs, self._scale))

    def table(self) -> str:
        """The per-layer rows as an aligned text table."""
        return delta.format_table(self.rows)

    def __str__(self) -> str:
        return (f"delta_check ({self.loss}): C autograd {self.loss_autograd:.6g}, C equations "
                f"{self.loss_equations:.6g}, max abs diff {self.max_abs:.3e}\n{self.table()}")


def check_delta_constants(module: Module) -> None:
    """nn.delta's closed forms fix leaky_relu's slope and ELU's alpha: refuse other values."""
    if isinstance(module, LeakyReLU) and module.negative_slope != delta.LEAKY_RELU_SLOPE:
        raise ValueError(f"delta_check: nn.delta uses leaky_relu slope "
                         f"{delta.LEAKY_RELU_SLOPE}, got {module.negative_slope}")
    if isinstance(module, ELU) and module.alpha != delta.ELU_ALPHA:
        raise ValueError(f"delta_check: nn.delta uses ELU alpha {delta.ELU_ALPHA}, got "
                         f"{module.alpha}")


def _layers_of(model: Module) -> list[tuple[Linear, Module, str]]:
    """(Linear, activation module, nn.delta name) per layer; a Linear with no activation
    after it gets Identity."""
    if not isinstance(model, Sequential):
        raise TypeError(f"delta_check: model must be an nn.Sequential of Linear and activation "
                        f"modules, got {type(model).__name__}")
    layers: list[tuple[Linear, Module, str]] = []
    pending: Linear | None = None
    for i, module in enumerate(model):
        if isinstance(module, Linear):
            if module.bias is None:
                raise ValueError(f"delta_check: layer {i} is a Linear without bias; the delta "
                                 "equations need b")
            if pending is not None:
                layers.append((pending, Identity(), "identity"))
            pending = module
            continue
        name = activation_name(module)
        if name not in _CHECKED:
            names = ", ".join(ACTIVATIONS[n].module.__name__ for n in _CHECKED)
            raise TypeError(f"delta_check: module {i} ({type(module).__name__}) is not a Linear "
                            f"or one of {names}")
        if pending is None:
            raise ValueError(f"delta_check: activation {i} ({type(module).__name__}) must follow "
                             "a Linear layer")
        check_delta_constants(module)
        layers.append((pending, module, name))
        pending = None
    if pending is not None:
        layers.append((pending, Identity(), "identity"))
    if not layers:
        raise ValueError("delta_check: the model has no Linear layer")
    return layers


def _autograd_loss(loss: str, output: Tensor, y: np.ndarray) -> Tensor:
    if loss == "mse_half_sum":
        return mse_loss(output, y, reduction="half_sum")
    if loss == "mse_mean":
        return mse_loss(output, y, reduction="mean")
    return cross_entropy(output, y, reduction="mean")


def _difference(autograd: np.ndarray, reference: np.ndarray) -> tuple[float, float, float]:
    """(max |a − r|, max |r|, relative) for one quantity."""
    diff = float(np.max(np.abs(autograd - reference), initial=0.0))
    scale = float(np.max(np.abs(reference), initial=0.0))
    return diff, scale, diff / scale if scale > 0 else 0.0


def _is_dense(model: Module) -> bool:
    """Linear layers and activation modules only: the lecture's network."""
    return isinstance(model, Sequential) and all(
        isinstance(m, Linear) or activation_name(m) is not None for m in model)


def delta_check(model: Module, X: Any, y: Any, loss: str = "mse_half_sum") -> DeltaCheckReport:
    """Run `model` through autograd and through the closed-form equations, and compare them.

    A Sequential of Linear + Sigmoid/Tanh/ReLU/LeakyReLU/ELU/Identity is checked against
    `nn.delta.backward`: ∂C/∂W, ∂C/∂b and δ = ∂C/∂z per layer. A Sequential that also holds
    Conv2d, MaxPool2d (disjoint windows), Flatten/Unflatten and LastHiddenState(RNN) (tanh) is
    checked against `nn.delta_layers` (nn/delta_conv.py, nn/delta_rnn.py): ∂C/∂(each
    parameter) and δ = ∂C/∂(output) per layer, and ∂C/∂X; an LSTM, GRU or any other layer
    without a closed form is refused by name (TypeError "... is not covered").

    Both sides compute in float64 from the model's current weights (copies; the model and its
    `.grad` are untouched). `loss` is 'mse_half_sum', 'mse_mean' or 'softmax_cross_entropy'.
    """
    if loss not in delta.LOSSES:
        raise ValueError(f"delta_check: loss must be one of {sorted(delta.LOSSES)}, got {loss!r}")
    x = np.asarray(X, dtype=np.float64)  # (batch, in)
    target = np.asarray(y)
    if loss != "softmax_cross_entropy" or target.dtype.kind == "f":
        target = target.astype(np.float64)
    if isinstance(model, Sequential) and not _is_dense(model):
        from .delta_check_layers import layered_delta_check

        rows, differences, cost, reference = layered_delta_check(model, x, target, loss,
                                                                 _autograd_loss)
        report = DeltaCheckReport(loss, rows, cost, reference)
        report._abs += [a for a, _ in differences] + [abs(cost - reference)]
        report._scale += [s for _, s in differences] + [abs(reference)]
        return report
    layers = _layers_of(model)
    weights = [np.array(lin.weight.data, dtype=np.float64) for lin, _, _ in layers]  # (in, out)
    biases = [np.array(lin.bias.data, dtype=np.float64) for lin, _, _ in layers]  # (out,)
    names = [name for _, _, name in layers]
    reference = delta.backward(x, target, weights, biases, names, loss)

    Ws = [Tensor(w, requires_grad=True) for w in weights]
    bs = [Tensor(b, requires_grad=True) for b in biases]
    zs: list[Tensor] = []
    a = Tensor(x)
    for (_, activation, _), W, b in zip(layers, Ws, bs):
        z = am.linear(a, W, b)  # (batch, out): the pre-activation z^l
        zs.append(z)
        a = activation(z)  # the model's own activation module, on float64 copies
    cost = _autograd_loss(loss, a, target)
    grads = am.grad(cost, [*Ws, *bs, *zs])
    n = len(layers)
    grad_W, grad_b, deltas = grads[:n], grads[n: 2 * n], grads[2 * n:]

    rows: list[dict[str, Any]] = []
    report = DeltaCheckReport(loss, rows, float(cost.item()), reference.loss_value)
    for l in range(n):
        row: dict[str, Any] = {"layer": l + 1, "activation": names[l],
                               "W shape": f"{weights[l].shape[0]}x{weights[l].shape[1]}"}
        quantities = (("dC/dW", grad_W[l], reference.grad_W[l]),
                      ("dC/db", grad_b[l], reference.grad_b[l]),
                      ("delta", deltas[l], reference.deltas[l]))
        for label, ours, theirs in quantities:
            diff, scale, rel = _difference(ours.data, theirs)
            row[f"{label} abs"] = diff
            row[f"{label} rel"] = rel
            report._abs.append(diff)
            report._scale.append(scale)
        rows.append(row)
    report._abs.append(abs(report.loss_autograd - report.loss_equations))
    report._scale.append(abs(report.loss_equations))
    return report

