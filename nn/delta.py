"""Closed-form back-propagation: the textbook "delta" equations, in numpy only.

This module is the independent reference that the autograd engine is checked against, so it
imports numpy and the standard library only, never ``autograd_mini``.

Conventions: one sample per row, ``W^l`` has shape ``(in, out)``, ``b^l`` has shape ``(out,)``,
and layers are numbered ``l = 1..L`` as in the lecture (list index ``l - 1``).

Feed-forward::

    z^l = a^{l-1} W^l + b^l,    a^l = f_l(z^l),    a^0 = X

Backward (the four equations)::

    δ^L = f_L'(z^L) ∘ ∂C/∂a^L
    δ^l = (δ^{l+1} W^{l+1,T}) ∘ f_l'(z^l)
    ∂C/∂W^l = a^{l-1,T} δ^l
    ∂C/∂b^l = Σ_rows δ^l
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "DeltaResult",
    "backward",
    "format_table",
    "forward",
    "worked_example",
]

Array = NDArray[np.float64]

LEAKY_RELU_SLOPE = 0.01
ELU_ALPHA = 1.0


# ----------------------------------------------------------------------------- activations
# Every activation is elementwise, so each f and f' maps (batch, n) -> (batch, n).
# Underflow to 0 (exp(-1e4)) is the correct answer, so it is silenced locally; overflow and
# invalid operations are avoided by construction rather than silenced.


def sigmoid(x: Array) -> Array:
    """σ(x) = 1 / (1 + e^{-x}), evaluated through e^{-|x|} so that exp never overflows."""
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))  # (batch, n), in (0, 1]
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # (batch, n)


def sigmoid_derivative(x: Array) -> Array:
    """σ'(x) = σ(x)(1 − σ(x))."""
    s = sigmoid(x)  # (batch, n)
    return s * (1.0 - s)  # (batch, n)


def tanh(x: Array) -> Array:
    """tanh(x)."""
    return np.tanh(x)  # (batch, n)


def tanh_derivative(x: Array) -> Array:
    """tanh'(x) = 1 − tanh(x)²."""
    t = np.tanh(x)  # (batch, n)
    return 1.0 - t * t  # (batch, n)


def relu(x: Array) -> Array:
    """relu(x) = max(x, 0)."""
    return np.where(x > 0, x, 0.0)  # (batch, n)


def relu_derivative(x: Array) -> Array:
    """relu'(x) = 1 if x > 0 else 0; by convention relu'(0) = 0."""
    return np.where(x > 0, 1.0, 0.0)  # (batch, n)


def leaky_relu(x: Array) -> Array:
    """leaky_relu(x) = x if x > 0 else s·x, with s = 0.01."""
    return np.where(x > 0, x, LEAKY_RELU_SLOPE * x)  # (batch, n)


def leaky_relu_derivative(x: Array) -> Array:
    """leaky_relu'(x) = 1 if x > 0 else s; by convention the derivative at 0 is s."""
    return np.where(x > 0, 1.0, LEAKY_RELU_SLOPE)  # (batch, n)


def elu(x: Array) -> Array:
    """elu(x) = x if x > 0 else α(e^x − 1), with α = 1."""
    # np.where evaluates both branches: clamp at 0 so expm1 never overflows for large x.
    with np.errstate(under="ignore"):
        negative = ELU_ALPHA * np.expm1(np.minimum(x, 0.0))  # (batch, n)
    return np.where(x > 0, x, negative)  # (batch, n)


def elu_derivative(x: Array) -> Array:
    """elu'(x) = 1 if x > 0 else elu(x) + α = α·e^x; at 0 this gives α."""
    with np.errstate(under="ignore"):
        negative = ELU_ALPHA * np.exp(np.minimum(x, 0.0))  # (batch, n)
    return np.where(x > 0, 1.0, negative)  # (batch, n)


def identity(x: Array) -> Array:
    """identity(x) = x."""
    return x  # (batch, n)


def identity_derivative(x: Array) -> Array:
    """identity'(x) = 1."""
    return np.ones_like(x)  # (batch, n)


Activation = tuple[Callable[[Array], Array], Callable[[Array], Array]]

ACTIVATIONS: Mapping[str, Activation] = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "elu": (elu, elu_derivative),
    "identity": (identity, identity_derivative),
}


# ----------------------------------------------------------------------------- losses
# A loss maps (a^L, y) to (C, ∂C/∂a^L). backward() then applies δ^L = f_L'(z^L) ∘ ∂C/∂a^L.


def _check_target_shape(output: Array, target: Array, loss: str) -> None:
    if target.shape != output.shape:
        raise ValueError(
            f"loss {loss!r}: target y has shape {target.shape} but the network output a^L "
            f"has shape {output.shape}; they must be equal"
        )


def mse_half_sum(output: Array, target: ArrayLike) -> tuple[float, Array]:
    """C = ½ Σ (a^L − y)² over all entries;  ∂C/∂a^L = a^L − y."""
    y = np.asarray(target, dtype=np.float64)  # (batch, out)
    _check_target_shape(output, y, "mse_half_sum")
    residual = output - y  # (batch, out)
    return 0.5 * float(np.sum(residual * residual)), residual


def mse_mean(output: Array, target: ArrayLike) -> tuple[float, Array]:
    """C = mean over all entries of (a^L − y)²;  ∂C/∂a^L = 2(a^L − y) / (batch·out)."""
    y = np.asarray(target, dtype=np.float64)  # (batch, out)
    _check_target_shape(output, y, "mse_mean")
    residual = output - y  # (batch, out)
    return float(np.mean(residual * residual)), 2.0 * residual / residual.size


def log_softmax(z: Array) -> Array:
    """log softmax(z)_k = z_k − logsumexp(z), row-wise; shifted by the row max for stability."""
    shifted = z - np.max(z, axis=1, keepdims=True)  # (batch, K), every entry <= 0
    with np.errstate(under="ignore"):
        sum_exp = np.sum(np.exp(shifted), axis=1, keepdims=True)  # (batch, 1), in [1, K]
    return shifted - np.log(sum_exp)  # (batch, K)


def _one_hot_targets(target: ArrayLike, logits: Array) -> Array:
    """Y as (batch, K) probabilities, from integer labels (batch,) or rows that sum to 1."""
    batch, classes = logits.shape
    y = np.asarray(target)
    if y.ndim == 1:
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(
                "loss 'softmax_cross_entropy': 1-d targets must be integer class labels, "
                f"got dtype {y.dtype}"
            )
        if y.shape[0] != batch:
            raise ValueError(
                f"loss 'softmax_cross_entropy': labels have shape {y.shape} but the logits "
                f"z^L have shape {logits.shape}; expected ({batch},)"
            )
        if np.any(y < 0) or np.any(y >= classes):
            raise ValueError(
                f"loss 'softmax_cross_entropy': labels must lie in [0, {classes}), "
                f"got min {y.min()} and max {y.max()}"
            )
        one_hot = np.zeros((batch, classes))  # (batch, K)
        one_hot[np.arange(batch), y] = 1.0
        return one_hot
    y = y.astype(np.float64)  # (batch, K)
    _check_target_shape(logits, y, "softmax_cross_entropy")
    # The shortcut δ^L = (softmax − Y)/N needs Σ_k Y_k = 1 per row (see below), so insist on it.
    if np.any(y < 0) or not np.allclose(np.sum(y, axis=1), 1.0):
        raise ValueError(
            "loss 'softmax_cross_entropy': 2-d targets must be one-hot or probability rows "
            "(non-negative, each row summing to 1)"
        )
    return y


def softmax_cross_entropy(logits: Array, target: ArrayLike) -> tuple[float, Array]:
    """C = −mean_rows Σ_k Y_k log softmax(z^L)_k;  ∂C/∂z^L = (softmax(z^L) − Y) / N.

    The shortcut: with p = softmax(z), ∂p_j/∂z_k = p_j(1[j=k] − p_k), so
    ∂C/∂z_k = −(1/N) Σ_j Y_j (1[j=k] − p_k) = (p_k Σ_j Y_j − Y_k)/N = (p_k − Y_k)/N because each
    row of Y sums to 1. The softmax Jacobian never has to be formed. The softmax is part of the
    loss, so the last layer uses the identity activation (a^L = z^L, f_L' = 1), and the general
    δ^L = f_L'(z^L) ∘ ∂C/∂a^L reduces to exactly this expression.
    """
    y = _one_hot_targets(target, logits)  # (batch, K)
    log_p = log_softmax(logits)  # (batch, K)
    batch = logits.shape[0]
    value = -float(np.sum(y * log_p)) / batch
    with np.errstate(under="ignore"):
        softmax = np.exp(log_p)  # (batch, K)
    return value, (softmax - y) / batch  # (batch, K)


Loss = Callable[[Array, ArrayLike], tuple[float, Array]]

LOSSES: Mapping[str, Loss] = {
    "mse_half_sum": mse_half_sum,
    "mse_mean": mse_mean,
    "softmax_cross_entropy": softmax_cross_entropy,
}


# ----------------------------------------------------------------------------- the network


def _lookup(table: Mapping[str, object], name: str, kind: str) -> None:
    if name not in table:
        raise ValueError(f"unknown {kind} {name!r}; known: {', '.join(sorted(table))}")


def _prepare(
    X: ArrayLike,
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    activations: Sequence[str],
) -> tuple[Array, list[Array], list[Array]]:
    """Convert to float64 and check every shape once, naming the layer l = 1..L on failure."""
    x = np.asarray(X, dtype=np.float64)  # (batch, in)
    if x.ndim != 2:
        raise ValueError(f"X must be 2-d (batch, in), one sample per row; got shape {x.shape}")
    if isinstance(activations, str):
        raise ValueError("activations must be a sequence of names, one per layer, not a str")
    if not (len(weights) == len(biases) == len(activations)) or len(weights) == 0:
        raise ValueError(
            "need one weight, one bias and one activation per layer (at least one layer); got "
            f"{len(weights)} weights, {len(biases)} biases, {len(activations)} activations"
        )
    Ws = [np.asarray(W, dtype=np.float64) for W in weights]  # each (in, out)
    bs = [np.asarray(b, dtype=np.float64) for b in biases]  # each (out,)
    width = x.shape[1]
    for layer, (W, b, name) in enumerate(zip(Ws, bs, activations, strict=True), start=1):
        _lookup(ACTIVATIONS, name, "activation")
        if W.ndim != 2 or W.shape[0] != width:
            raise ValueError(
                f"layer {layer}: W^{layer} has shape {W.shape} but its input a^{layer - 1} has "
                f"shape {(x.shape[0], width)}; expected W^{layer} of shape ({width}, out)"
            )
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"layer {layer}: b^{layer} has shape {b.shape} but W^{layer} has shape "
                f"{W.shape}; expected b^{layer} of shape ({W.shape[1]},)"
            )
        width = W.shape[1]
    return x, Ws, bs


def _forward(
    x: Array, Ws: list[Array], bs: list[Array], activations: Sequence[str]
) -> tuple[list[Array], list[Array]]:
    zs: list[Array] = []
    outputs: list[Array] = [x]
    for W, b, name in zip(Ws, bs, activations, strict=True):
        f, _ = ACTIVATIONS[name]
        z = outputs[-1] @ W + b  # (batch, out)
        zs.append(z)
        outputs.append(f(z))  # (batch, out)
    return zs, outputs


def forward(
    X: ArrayLike,
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    activations: Sequence[str],
) -> tuple[list[Array], list[Array]]:
    """z^l = a^{l-1} W^l + b^l, a^l = f_l(z^l), a^0 = X; returns ([z^1..z^L], [a^0..a^L])."""
    x, Ws, bs = _prepare(X, weights, biases, activations)
    return _forward(x, Ws, bs, activations)


@dataclass
class DeltaResult:
    """Output of backward(): lists indexed by layer l - 1, so deltas[0] is δ^1.

    deltas[l-1] = δ^l = ∂C/∂z^l (batch, out_l); grad_W[l-1] = ∂C/∂W^l (in_l, out_l);
    grad_b[l-1] = ∂C/∂b^l (out_l,); loss_value = C.
    """

    deltas: list[Array]
    grad_W: list[Array]
    grad_b: list[Array]
    loss_value: float


def backward(
    X: ArrayLike,
    y: ArrayLike,
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    activations: Sequence[str],
    loss: str,
) -> DeltaResult:
    """δ^L = f_L'(z^L) ∘ ∂C/∂a^L;  δ^l = (δ^{l+1} W^{l+1,T}) ∘ f_l'(z^l);  ∂C/∂W^l, ∂C/∂b^l."""
    _lookup(LOSSES, loss, "loss")
    x, Ws, bs = _prepare(X, weights, biases, activations)
    if loss == "softmax_cross_entropy" and activations[-1] != "identity":
        raise ValueError(
            "loss 'softmax_cross_entropy' applies the softmax itself, so the last layer's "
            f"activation must be 'identity'; got {activations[-1]!r}"
        )
    zs, outputs = _forward(x, Ws, bs, activations)
    loss_value, grad_output = LOSSES[loss](outputs[-1], y)  # grad_output: (batch, out_L)

    num_layers = len(Ws)
    deltas: list[Array] = [np.empty(0)] * num_layers
    _, f_prime = ACTIVATIONS[activations[-1]]
    deltas[-1] = f_prime(zs[-1]) * grad_output  # (batch, out_L)
    for i in range(num_layers - 2, -1, -1):  # list index i is layer l = i + 1
        _, f_prime = ACTIVATIONS[activations[i]]
        deltas[i] = (deltas[i + 1] @ Ws[i + 1].T) * f_prime(zs[i])  # (batch, out_l)

    grad_W = [outputs[i].T @ deltas[i] for i in range(num_layers)]  # each (in_l, out_l)
    grad_b = [np.sum(delta, axis=0) for delta in deltas]  # each (out_l,)
    return DeltaResult(deltas=deltas, grad_W=grad_W, grad_b=grad_b, loss_value=loss_value)


# ----------------------------------------------------------------------------- reporting


def _format_cell(value: object) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.3e}"
    return str(value)


def format_table(rows: Sequence[Mapping[str, object]]) -> str:
    """Aligned text table of dict rows; columns in first-seen key order, floats as %.3e."""
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    if not columns:
        return ""
    cells = [[_format_cell(row.get(column, "")) for column in columns] for row in rows]
    # Numbers are right-aligned so their digits line up; text is left-aligned.
    numeric = [
        all(isinstance(row.get(c), (int, float, np.number)) for row in rows if c in row)
        for c in columns
    ]
    widths = [max([len(c)] + [len(line[j]) for line in cells]) for j, c in enumerate(columns)]

    def join(parts: list[str]) -> str:
        padded = [
            part.rjust(width) if is_number else part.ljust(width)
            for part, width, is_number in zip(parts, widths, numeric, strict=True)
        ]
        return "  ".join(padded).rstrip()

    lines = [join(columns), join(["-" * width for width in widths])]
    lines.extend(join(line) for line in cells)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- worked example


def worked_example(
    x: float, y: float, w1: float, b1: float, w2: float, b2: float
) -> dict[str, float]:
    """ŷ = σ(w2·σ(w1·x + b1) + b2), C = ½(ŷ − y)², and its four partials, by hand.

    With z1 = w1·x + b1, a1 = σ(z1), z2 = w2·a1 + b2, ŷ = σ(z2) and σ'(z) = σ(z)(1 − σ(z)):

        ∂C/∂w2 = (ŷ − y)·σ'(z2)·a1           ∂C/∂b2 = (ŷ − y)·σ'(z2)
        ∂C/∂w1 = (ŷ − y)·σ'(z2)·w2·σ'(z1)·x  ∂C/∂b1 = (ŷ − y)·σ'(z2)·w2·σ'(z1)

    Note: the lecture notes print ∂C/∂w1 incorrectly; the chain runs back through z2 = w2·a1,
    so the factor w2 and the inner σ'(z1) are both required, as written above. The formulas
    are spelled out here rather than taken from backward(), so the two can check each other.
    Returns a dict with keys y_hat, C, dC_dw1, dC_db1, dC_dw2, dC_db2 (plain floats).
    """

    def sig(t: float) -> float:
        return float(sigmoid(np.float64(t)))

    z1 = w1 * x + b1
    a1 = sig(z1)
    z2 = w2 * a1 + b2
    y_hat = sig(z2)
    sigma_prime_z1 = a1 * (1.0 - a1)
    sigma_prime_z2 = y_hat * (1.0 - y_hat)
    error = y_hat - y
    return {
        "y_hat": y_hat,
        "C": 0.5 * error**2,
        "dC_dw1": error * sigma_prime_z2 * w2 * sigma_prime_z1 * x,
        "dC_db1": error * sigma_prime_z2 * w2 * sigma_prime_z1,
        "dC_dw2": error * sigma_prime_z2 * a1,
        "dC_db2": error * sigma_prime_z2,
    }
