"""Closed-form back-propagation through a convolution layer and max-pooling, in numpy only.

The textbook equations (the independent reference the autograd engine is checked against, as
nn/delta.py is for dense layers), written for clarity rather than speed. Layout as in PyTorch:
activations (batch, channels, H, W), kernels W (out, in, kH, kW), b (out,).

Forward of a convolution layer (a cross-correlation, as every deep-learning library computes)::

    z[n,o,i,j] = b[o] + Σ_{c,p,q} a[n, c, i·s + p, j·s + q] · W[o, c, p, q]   (a zero-padded)

Backward, with δ = ∂C/∂z::

    ∂C/∂a = full correlation of δ (stride-dilated) with the kernel rotated by 180°
    ∂C/∂W = valid correlation of the input a with δ (stride-dilated), summed over the batch
    ∂C/∂b = Σ_{n,i,j} δ[n, o, i, j]

Max-pooling over k×k windows with stride k keeps the largest entry; its δ is routed to that
entry (the first one in reading order when several are equal, as PyTorch does) and every
other entry of the window gets 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "conv2d_backward", "conv2d_forward", "correlate", "max_pool2d_backward",
    "max_pool2d_forward",
]

Array = NDArray[np.float64]


def correlate(a: Array, kernel: Array) -> Array:
    """Valid multi-channel cross-correlation: a (N, C, H, W) with kernel (O, C, kH, kW) gives
    (N, O, H − kH + 1, W − kW + 1); out[n,o,i,j] = Σ_{c,p,q} a[n,c,i+p,j+q] kernel[o,c,p,q]."""
    kh, kw = kernel.shape[2:]
    h, w = a.shape[2] - kh + 1, a.shape[3] - kw + 1
    out = np.zeros((a.shape[0], kernel.shape[0], h, w))
    for p in range(kh):  # one term of the sum per kernel position
        for q in range(kw):
            patch = a[:, :, p:p + h, q:q + w]  # (N, C, h, w): what W[:, :, p, q] multiplies
            out += np.einsum("nchw,oc->nohw", patch, kernel[:, :, p, q])
    return out


def _pad(a: Array, ph: int, pw: int) -> Array:
    return np.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _dilate(delta: Array, stride: int) -> Array:
    """Insert stride − 1 zeros between the entries of δ: a strided layer's δ seen at stride 1."""
    n, o, h, w = delta.shape
    out = np.zeros((n, o, (h - 1) * stride + 1, (w - 1) * stride + 1))
    out[:, :, ::stride, ::stride] = delta
    return out


def conv2d_forward(a: Array, W: Array, b: Array, stride: int = 1, padding: int = 0) -> Array:
    """z = a ⋆ W + b, the correlation of the zero-padded input, taken every `stride` pixels."""
    z = correlate(_pad(a, padding, padding), W)[:, :, ::stride, ::stride]
    return z + b[None, :, None, None]


def conv2d_backward(a: Array, W: Array, delta: Array, stride: int = 1, padding: int = 0
                    ) -> tuple[Array, Array, Array]:
    """(∂C/∂a, ∂C/∂W, ∂C/∂b) of a convolution layer from δ = ∂C/∂z."""
    kh, kw = W.shape[2:]
    padded = _pad(a, padding, padding)
    d = _dilate(delta, stride)  # (N, O, h, w) at stride 1
    # Rows/columns of the padded input that no window reached (stride leftovers) get 0.
    h, w = padded.shape[2] - kh + 1, padded.shape[3] - kw + 1
    d = np.pad(d, ((0, 0), (0, 0), (0, h - d.shape[2]), (0, w - d.shape[3])))
    # δ_in: full correlation of δ with the kernel rotated by 180° (in and out swapped)
    rotated = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, O, kH, kW)
    grad_padded = correlate(_pad(d, kh - 1, kw - 1), rotated)  # (N, C, H + 2p, W + 2p)
    grad_a = grad_padded[:, :, padding:padding + a.shape[2], padding:padding + a.shape[3]]
    # ∂C/∂W: correlation of the input with δ, batch as the summed channel axis
    grad_W = correlate(padded.transpose(1, 0, 2, 3), d.transpose(1, 0, 2, 3))  # (C, O, kH, kW)
    return grad_a, grad_W.transpose(1, 0, 2, 3), delta.sum(axis=(0, 2, 3))


def _windows(a: Array, k: int) -> Array:
    """(N, C, H/k, W/k, k·k): the entries of each non-overlapping k×k window, in reading order."""
    n, c, h, w = a.shape
    blocks = a[:, :, : h - h % k, : w - w % k].reshape(n, c, h // k, k, w // k, k)
    return blocks.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // k, w // k, k * k)


def max_pool2d_forward(a: Array, k: int) -> Array:
    """The largest entry of each k×k window (stride k)."""
    return _windows(a, k).max(axis=-1)


def max_pool2d_backward(a: Array, delta: Array, k: int) -> Array:
    """δ of each window routed to its (first) maximum; zero everywhere else."""
    n, c, h, w = a.shape
    windows = _windows(a, k)
    winner = windows.argmax(axis=-1)  # (N, C, H/k, W/k): np.argmax picks the first maximum
    routed = (np.arange(k * k) == winner[..., None]) * delta[..., None]  # (…, k·k)
    grad = np.zeros_like(a)
    hk, wk = h // k, w // k
    blocks = routed.reshape(n, c, hk, wk, k, k).transpose(0, 1, 2, 4, 3, 5)
    grad[:, :, : hk * k, : wk * k] = blocks.reshape(n, c, hk * k, wk * k)
    return grad
