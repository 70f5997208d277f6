"""Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroup, Params, flush_tiny_, subtract_


class SGD(Optimizer):
    """g ← ∇ + λθ;  b ← μb + (1-τ)g (b₁ = g);  g ← g + μb (Nesterov) or b;  θ ← θ - lr·g."""

    def __init__(
        self,
        params: Params,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
            weight_decay=weight_decay,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        super()._check_group(group)
        self._check_min(group, "momentum", 0.0)
        self._check_min(group, "weight_decay", 0.0)
        self._check_min(group, "dampening", 0.0)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        lr, momentum = float(group["lr"]), float(group["momentum"])
        weight_decay = float(group["weight_decay"])
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if momentum != 0:
            state["step"] = state.get("step", 0) + 1  # schedules flush_tiny_ (checkpointed)
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = np.array(grad, dtype=param.dtype)
            else:
                buffer *= momentum
                buffer += (1.0 - float(group["dampening"])) * grad
                flush_tiny_(buffer, state["step"])
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        step = np.multiply(grad, lr, out=self._scratch_like(param))
        subtract_(param, step)
