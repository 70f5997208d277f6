"""The primitives, one declaration block each, grouped by family.

Importing this package declares every op: the primitives land in `registry.REGISTRY`, their
functions in `registry.TENSOR_FUNCTIONS` (re-exported by `autograd_mini.functional`), their
methods and operators on `Tensor`. To add an op, add its block to the family file and a row
to tests/op_table.py (see CONTRIBUTING.md).
"""

import warnings

from ..registry import REGISTRY, Primitive
from . import (  # noqa: F401  (declares ops)
    arrange,
    calculus,
    comparisons,
    conv,
    conveniences,
    convolve,
    cross,
    decompositions,
    elementwise,
    explog,
    joining,
    linalg,
    losses,
    norms,
    products,
    reductions,
    rounding,
    scans,
    selection,
    shape,
    sorting,
    trig,
)

__all__ = ["REGISTRY", "Primitive"]

# The primitives this package exported by constant name before the op declarations (0.1.0):
# still found, with a DeprecationWarning, until the next release. REGISTRY["name"] is the way.
_DEPRECATED_CONSTANTS = {
    "ABS": "abs", "ADD": "add", "ASTYPE": "astype", "BROADCAST_TO": "broadcast_to",
    "CLIP": "clip", "CONCATENATE": "concatenate", "CROSS_ENTROPY": "cross_entropy",
    "DIV": "div", "ELU": "elu", "EXP": "exp", "GETITEM": "getitem", "LEAKY_RELU": "leaky_relu",
    "LINEAR": "linear", "LOG": "log", "LOGSUMEXP": "logsumexp", "LOG_SOFTMAX": "log_softmax",
    "MATMUL": "matmul", "MAX": "max", "MAXIMUM": "maximum", "MEAN": "mean", "MIN": "min",
    "MINIMUM": "minimum", "MUL": "mul", "NEG": "neg", "POW": "pow", "POWER_SCALAR": "power",
    "RELU": "relu", "RESHAPE": "reshape", "SCATTER_ADD": "scatter_add", "SIGMOID": "sigmoid",
    "SOFTMAX": "softmax", "SOFTPLUS": "softplus", "SQRT": "sqrt", "SUB": "sub", "SUM": "sum",
    "TANH": "tanh", "TRANSPOSE": "transpose", "WHERE": "where",
}


def __getattr__(name: str) -> Primitive:
    if name in _DEPRECATED_CONSTANTS:
        op = _DEPRECATED_CONSTANTS[name]
        warnings.warn(f"autograd_mini.ops.{name} is deprecated: use "
                      f"autograd_mini.ops.REGISTRY[{op!r}]", DeprecationWarning, stacklevel=2)
        return REGISTRY[op]
    raise AttributeError(f"module 'autograd_mini.ops' has no attribute {name!r}")
