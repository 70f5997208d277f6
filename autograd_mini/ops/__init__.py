"""Primitive ops: forward over numpy arrays and VJP side by side (see primitive.py)."""

from .elementwise import (
    ABS, ADD, ASTYPE, CLIP, DIV, ELU, EXP, LEAKY_RELU, LOG, MAXIMUM, MINIMUM, MUL, NEG, POW,
    POWER_SCALAR, RELU, SIGMOID, SQRT, SUB, TANH, WHERE,
)
from .linalg import LINEAR, MATMUL
from .losses import CROSS_ENTROPY, SOFTPLUS
from .primitive import REGISTRY, Primitive
from .reductions import LOG_SOFTMAX, LOGSUMEXP, MAX, MEAN, MIN, SOFTMAX, SUM
from .shape import BROADCAST_TO, CONCATENATE, GETITEM, RESHAPE, SCATTER_ADD, TRANSPOSE

__all__ = [name for name in dir() if name.isupper()] + ["Primitive"]
