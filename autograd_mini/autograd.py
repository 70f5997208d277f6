"""Public entry points to the engine: `Tensor.backward` and `am.grad`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np

from .engine import run_backward
from .errors import AutogradError, ShapeError
from .tensor import ArrayLike, Tensor


def seed_gradient(output: Tensor, grad_output: ArrayLike, create_graph: bool, where: str) -> Any:
    """The gradient fed into `output`: ones for a scalar, else the caller's grad_output."""
    if not isinstance(output, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(output).__name__}")
    if not output.requires_grad:
        raise AutogradError(
            f"{where}: this tensor does not require grad, so there is no graph to differentiate. "
            "Create an input with requires_grad=True, and do not compute it inside am.no_grad(). "
            "If it is (or is computed from) a gradient, compute that gradient with "
            "create_graph=True: without it a gradient is a constant."
        )
    if grad_output is None:
        if output.size != 1:
            raise AutogradError(
                f"{where}: output has shape {output.shape}; gradients can be implicitly created "
                "only for a single value. Reduce it first (e.g. .sum()) or pass grad_output of "
                f"shape {output.shape}."
            )
        g = np.ones(output.shape, dtype=output.dtype)
    else:
        g = grad_output.data if isinstance(grad_output, Tensor) else np.asarray(grad_output)
        if g.dtype.kind not in "fiub" or isinstance(grad_output, (str, bytes)):
            raise TypeError(
                f"{where}: grad_output must hold real numbers, got {type(grad_output).__name__} "
                f"of dtype {g.dtype}"
            )
        if g.shape != output.shape:
            raise ShapeError(
                f"{where}: grad_output has shape {g.shape} but the output has shape "
                f"{output.shape}; they must match"
            )
        g = g.astype(output.dtype, copy=False)
    if create_graph:
        if isinstance(grad_output, Tensor):
            return grad_output
        return Tensor._make(g, False)
    return g


def backward(
    output: Tensor, grad_output: ArrayLike = None, *, retain_graph: bool = False,
    create_graph: bool = False,
) -> None:
    """Accumulate d(output)/d(leaf) · grad_output into every leaf's `.grad`."""
    g = seed_gradient(output, grad_output, create_graph, "backward")
    run_backward([output], [g], retain_graph=retain_graph or create_graph,
                 create_graph=create_graph)


def _tensor_list(values: Any, what: str) -> list[Tensor]:
    """A list of Tensors from a sequence of them, or a TypeError saying what was given."""
    if isinstance(values, (list, tuple)) and all(isinstance(v, Tensor) for v in values):
        return list(values)
    given = type(values).__name__
    if isinstance(values, (list, tuple)):
        given = "a sequence holding " + ", ".join(sorted({type(v).__name__ for v in values}))
    raise TypeError(f"grad: {what} must be a Tensor or a sequence of Tensors, got {given}")


@overload
def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: ArrayLike | Sequence[ArrayLike] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: Literal[False] = False,
) -> tuple[Tensor, ...]: ...


@overload
def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: ArrayLike | Sequence[ArrayLike] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]: ...


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: ArrayLike | Sequence[ArrayLike] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of `outputs` with respect to `inputs`, returned as Tensors; `.grad` untouched.

    With create_graph=True the returned gradients are themselves differentiable (grad of grad,
    Hessian-vector products). An input the outputs do not depend on raises, unless
    allow_unused=True, which returns None for it.
    """
    single = isinstance(outputs, Tensor)
    outs = [outputs] if single else _tensor_list(outputs, "outputs")
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        gos: list[Any] = [None] * len(outs)
    elif single:  # one output: grad_outputs is its gradient (a Tensor, array, list or number)
        gos = [grad_outputs]
    else:
        gos = list(grad_outputs)
    if len(gos) != len(outs):
        raise ValueError(f"grad: {len(outs)} outputs but {len(gos)} grad_outputs")
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise AutogradError(f"grad: input {i} does not require grad")
    seeds = [seed_gradient(o, go, create_graph, "grad") for o, go in zip(outs, gos)]
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(outs, seeds, retain_graph=retain_graph, create_graph=create_graph,
                           inputs=ins)
    assert results is not None
    final: list[Tensor | None] = []
    for i, (t, g) in enumerate(zip(ins, results)):
        if g is None:
            if not allow_unused:
                raise AutogradError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            final.append(None)
        elif isinstance(g, Tensor):
            final.append(g)
        else:
            final.append(Tensor._make(np.array(g, dtype=t.dtype, copy=True), False))
    return tuple(final)
