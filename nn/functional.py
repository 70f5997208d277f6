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
from .conv import conv1d, conv2d, conv_transpose2d
from .dropout import dropout, dropout2d
from .embedding import embedding, one_hot
from .layers import linear
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
)
from .normalization import batch_norm, layer_norm
from .padding import pad
from .pooling import (
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)

__all__ = [
    "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "conv1d", "conv2d", "conv_transpose2d",
    "dropout2d", "embedding", "layer_norm", "max_pool1d", "max_pool2d", "one_hot", "pad",
    "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "dropout", "elu", "gelu", "huber_loss", "identity", "l1_loss", "leaky_relu", "linear",
    "log_softmax", "mse_loss", "relu", "sigmoid", "silu", "softmax", "softplus", "tanh",
]
