"""autograd_mini: a small, fast, exact reverse-mode automatic differentiation engine.

    import autograd_mini as am
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad  # Tensor([2., 4.])
"""

from .allocator import retain_freed_memory
from .autograd import backward, grad
from .engine import sum_to_shape, topological_order
from .errors import AnomalyError, AutogradError, ShapeError
from .functional import *  # noqa: F403  (every declared op function: am.exp, am.matmul, ...)
from .functional import __all__ as _op_functions
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import (
    GradcheckError,
    gradcheck,
    gradgradcheck,
    numerical_jacobian,
    taylor_test,
)
from .ops.args import as_tensor
from .tensor import Tensor, tensor
from .viz import draw_graph, print_graph, replay_backward, save_graph  # graphviz loads lazily

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """`am.func` (grad, jacobian, hessian, ...) is imported on first use; so is the deprecated
    `am.backend` (0.1.0's VJP namespaces, now engine.NUMPY_MODE / TENSOR_MODE)."""
    if name in ("func", "backend"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'autograd_mini' has no attribute {name!r}")


__all__ = [
    "draw_graph", "print_graph", "replay_backward", "save_graph",
    "AnomalyError", "as_tensor", "AutogradError", "backward", "detect_anomaly", "enable_grad",
    "grad", "gradcheck", "GradcheckError", "gradgradcheck", "is_anomaly_enabled",
    "is_grad_enabled", "no_grad", "numerical_jacobian", "retain_freed_memory",
    "set_grad_enabled", "ShapeError",
    "sum_to_shape", "taylor_test", "Tensor", "tensor", "topological_order", *_op_functions,
]
