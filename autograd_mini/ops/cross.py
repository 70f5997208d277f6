"""The cross product of 3-vectors with numpy's signature (axisa, axisb, axisc, axis): a
composite of slicing, products and stack, so its gradient and JVP come from those ops."""

from __future__ import annotations

from ..errors import ShapeError
from ..registry import TENSOR_FUNCTIONS
from ..tensor import ArrayLike, Tensor
from .args import single_axis, tensor_pair
from .expose import composite


def _last(t: Tensor, axis: int, name: str) -> Tensor:
    """t with its vector axis moved last; a vector of length 3 required."""
    if t.ndim == 0:
        raise ShapeError(f"cross: {name} must have at least 1 dim, got a 0-d tensor")
    axis = single_axis(axis, t.ndim, "cross")
    if t.shape[axis] != 3:
        raise ShapeError(f"cross: {name} of shape {t.shape} has {t.shape[axis]} components "
                         f"along axis {axis}; expected 3 (2-vectors are not supported)")
    return TENSOR_FUNCTIONS["moveaxis"](t, axis, -1)


@composite("cross")
def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Tensor:
    """cross(a, b) = a × b over 3-vectors (broadcast over the other axes);
    ∂/∂a = b × g,  ∂/∂b = g × a."""
    ta, tb = tensor_pair(a, b, "cross")
    if axis is not None:
        axisa = axisb = axisc = axis
    u, v = _last(ta, axisa, "a"), _last(tb, axisb, "b")  # (..., 3)
    components = [u[..., 1] * v[..., 2] - u[..., 2] * v[..., 1],
                  u[..., 2] * v[..., 0] - u[..., 0] * v[..., 2],
                  u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]]
    out = TENSOR_FUNCTIONS["stack"](components, axis=-1)  # (..., 3)
    axisc = single_axis(axisc, out.ndim, "cross")
    return TENSOR_FUNCTIONS["moveaxis"](out, -1, axisc)


__all__ = ["cross"]
