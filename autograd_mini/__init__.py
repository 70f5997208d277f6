"""autograd_mini: a small, fast, exact reverse-mode automatic differentiation engine.

    import autograd_mini as am
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad  # array([2., 4.])
"""

from .autograd import backward, grad
from .engine import sum_to_shape, topological_order
from .errors import AnomalyError, AutogradError, ShapeError
from .functional import (
    abs,
    add,
    astype,
    broadcast_to,
    clip,
    concatenate,
    cross_entropy,
    div,
    elu,
    exp,
    expand_dims,
    getitem,
    leaky_relu,
    linear,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pow,
    relu,
    reshape,
    sigmoid,
    softmax,
    softplus,
    sqrt,
    stack,
    sub,
    sum,
    swapaxes,
    tanh,
    transpose,
    var,
    where,
)
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
from .tensor import Tensor, as_tensor, tensor
from .viz import draw_graph, print_graph, replay_backward, save_graph  # graphviz loads lazily

__version__ = "0.1.0"

__all__ = [
    "draw_graph", "print_graph", "replay_backward", "save_graph",
    "abs", "add", "AnomalyError", "as_tensor", "astype", "AutogradError", "backward",
    "broadcast_to", "clip", "concatenate", "cross_entropy", "detect_anomaly", "div", "elu",
    "enable_grad", "exp", "expand_dims", "getitem", "grad", "gradcheck", "GradcheckError",
    "gradgradcheck", "is_anomaly_enabled", "is_grad_enabled", "leaky_relu", "linear", "log",
    "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "mul", "neg",
    "no_grad", "numerical_jacobian", "pow", "relu", "reshape", "set_grad_enabled", "ShapeError",
    "sigmoid", "softmax", "softplus", "sqrt", "stack", "sub", "sum", "sum_to_shape", "swapaxes",
    "tanh", "taylor_test", "Tensor", "tensor", "topological_order", "transpose", "var", "where",
]
