"""The primitives, one declaration block each, grouped by family.

Importing this package declares every op: the primitives land in `registry.REGISTRY`, their
functions in `registry.TENSOR_FUNCTIONS` (re-exported by `autograd_mini.functional`), their
methods and operators on `Tensor`. To add an op, add its block to the family file and a row
to tests/op_table.py (see CONTRIBUTING.md).
"""

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
