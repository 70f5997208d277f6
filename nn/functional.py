"""The functional API of `nn` (PyTorch's `torch.nn.functional`): the math behind each module.

Each function is defined beside its module (activations.py, losses.py, layers.py, ...); this
namespace only gathers them.
"""

from .activations import (
    elu,
    gelu,
    identity,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from .dropout import dropout
from .layers import linear
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
)
from .normalization import batch_norm

__all__ = [
    "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "dropout", "elu", "gelu", "huber_loss", "identity", "l1_loss", "leaky_relu", "linear",
    "log_softmax", "mse_loss", "relu", "sigmoid", "silu", "softmax", "softplus", "tanh",
]
