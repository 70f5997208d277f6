"""Function transforms: `grad(f)` is a function, as in HIPS autograd, JAX and torch.func.

    from autograd_mini.func import grad, elementwise_grad, jacobian, hessian
    d2f = grad(grad(f))                # nests to any depth
    H = hessian(cost)(W)               # forward-over-reverse: jacfwd(jacrev(cost))

Arguments may be arrays, Python floats, Tensors, or lists/tuples/dicts of them; results have
the same structure, as arrays for array inputs (as HIPS returns) and as Tensors for Tensor
inputs or whenever the result must stay differentiable (inside another transform, or when the
function uses tensors that require grad, such as a network's parameters).

Reverse mode is `am.grad(..., create_graph=True)` on the engine's one backward walk; forward
mode carries tangents beside values (autograd_mini/forward.py) using each op's `jvp` rule.
There is no `vmap`: it needs a batching rule per primitive, and a Python loop would only
pretend. Batched input derivatives come from the structure instead: for a function applied
row by row, `elementwise_grad` is one reverse pass and `laplacian` costs d passes for d input
dimensions, whatever the number of rows.

An output that does not depend on a differentiated argument has derivative zero there: the
transforms return zeros of that argument's shape and kind, silently by default. HIPS autograd
warns "Output seems independent of input"; to be told, opt in to the warning's category:

    import warnings
    from autograd_mini.func import IndependentOutputWarning
    warnings.simplefilter("always", IndependentOutputWarning)   # or "error" to stop there
"""

from .hips_transforms import (
    checkpoint,
    deriv,
    grad_and_aux,
    grad_named,
    hessian_tensor_product,
    make_ggnvp,
    make_hvp,
    make_jvp,
    make_vjp,
    multigrad_dict,
    tensor_jacobian_product,
    vector_jacobian_product,
)
from .transforms import (
    IndependentOutputWarning,
    elementwise_grad,
    grad,
    hessian,
    hessian_vector_product,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    laplacian,
    value_and_grad,
    vjp,
)

__all__ = ["IndependentOutputWarning", "checkpoint", "deriv", "elementwise_grad", "grad",
           "grad_and_aux", "grad_named", "hessian", "hessian_tensor_product",
           "hessian_vector_product", "hvp", "jacfwd", "jacobian", "jacrev", "jvp", "laplacian",
           "make_ggnvp", "make_hvp", "make_jvp", "make_vjp", "multigrad_dict",
           "tensor_jacobian_product", "value_and_grad", "vector_jacobian_product", "vjp"]
