"""Shared helpers for the nn tests (no tests here): gradient checks of functions and modules,
and copying weights between nn and PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am
import nn
from autograd_mini import Tensor


def check_gradients(fn: Callable[..., Tensor], *inputs: np.ndarray) -> None:
    """Finite differences (float64) of fn(*inputs) against autograd, for every input."""
    tensors = [Tensor(np.asarray(x, dtype=np.float64), requires_grad=True) for x in inputs]
    result = am.gradcheck(fn, tensors, eps=1e-6, atol=1e-6, rtol=1e-4)
    assert result, str(result)


def check_module_gradients(module: nn.Module, x: np.ndarray) -> None:
    """Gradcheck a module's output w.r.t. its input and every parameter (float64).

    gradcheck passes fresh leaves, so each parameter attribute is pointed at its leaf while the
    check runs and restored afterwards.
    """
    slots = []
    for path, p in module.named_parameters():
        owner: Any = module
        *parents, attribute = path.split(".")
        for part in parents:
            owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
        slots.append((owner, attribute, p))

    def fn(x_in: Tensor, *params: Tensor) -> Tensor:
        for (owner, attribute, _), value in zip(slots, params):
            setattr(owner, attribute, value)
        return module(x_in)

    inputs = [Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)]
    inputs += [Tensor(np.array(p.data, dtype=np.float64), requires_grad=True) for *_, p in slots]
    try:
        result = am.gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4)
    finally:
        for owner, attribute, p in slots:
            setattr(owner, attribute, p)
    assert result, str(result)


def torch_linear_from(layer: nn.Linear, torch: Any) -> Any:
    """A torch.nn.Linear (float64) holding the same weights; torch stores W as (out, in)."""
    t = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                        dtype=torch.float64)
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(np.array(layer.weight.data, dtype=np.float64).T))
        if layer.bias is not None:
            t.bias.copy_(torch.from_numpy(np.array(layer.bias.data, dtype=np.float64)))
    return t
