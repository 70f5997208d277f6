"""Primitive ops: forward over numpy arrays and VJP side by side (see primitive.py)."""

from .elementwise import (
    ABS,
    ADD,
    ASTYPE,
    CLIP,
    DIV,
    ELU,
    EXP,
    LEAKY_RELU,
    LOG,
    MAXIMUM,
    MINIMUM,
    MUL,
    NEG,
    POW,
    POWER_SCALAR,
    RELU,
    SIGMOID,
    SQRT,
    SUB,
    TANH,
    WHERE,
)
from .linalg import LINEAR, MATMUL
from .losses import CROSS_ENTROPY, SOFTPLUS
from .primitive import REGISTRY, Primitive
from .reductions import LOG_SOFTMAX, LOGSUMEXP, MAX, MEAN, MIN, SOFTMAX, SUM
from .shape import BROADCAST_TO, CONCATENATE, GETITEM, RESHAPE, SCATTER_ADD, TRANSPOSE

__all__ = [
    "ABS", "ADD", "ASTYPE", "BROADCAST_TO", "CLIP", "CONCATENATE", "CROSS_ENTROPY", "DIV", "ELU",
    "EXP", "GETITEM", "LEAKY_RELU", "LINEAR", "LOG", "LOGSUMEXP", "LOG_SOFTMAX", "MATMUL", "MAX",
    "MAXIMUM", "MEAN", "MIN", "MINIMUM", "MUL", "NEG", "POW", "POWER_SCALAR", "REGISTRY", "RELU",
    "RESHAPE", "SCATTER_ADD", "SIGMOID", "SOFTMAX", "SOFTPLUS", "SQRT", "SUB", "SUM", "TANH",
    "TRANSPOSE", "WHERE", "Primitive",
]
