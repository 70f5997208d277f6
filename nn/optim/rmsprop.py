"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroup, Params, flush_tiny_, lerp_, subtract_


class RMSprop(Optimizer):
    """v ← αv + (1-α)g²;  d ← √(v - ḡ²) (centered) or √v, + ε;  θ ← θ - lr·g/d (or via momentum)."""

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        super()._check_group(group)
        for name in ("alpha", "eps", "weight_decay", "momentum"):
            self._check_min(group, name, 0.0)
        if group["alpha"] > 1:
            raise ValueError(f"RMSprop: invalid alpha={group['alpha']!r}; expected 0 <= alpha <= 1")

    def _init_state(self, param: np.ndarray, group: ParamGroup) -> dict[str, Any]:
        return {"step": 0, "square_avg": np.zeros_like(param)}

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        state["step"] += 1
        alpha, weight_decay = float(group["alpha"]), float(group["weight_decay"])
        momentum = float(group["momentum"])
        if weight_decay != 0:
            grad = grad + weight_decay * param
        square_avg = state["square_avg"]
        square_avg *= alpha
        avg = np.multiply(grad, grad, out=self._scratch_like(param))  # no allocation per step
        avg *= 1.0 - alpha
        square_avg += avg
        if group["centered"]:
            grad_avg = state.setdefault("grad_avg", np.zeros_like(param))
            lerp_(grad_avg, grad, 1.0 - alpha, avg)  # avg is free until the next line
            flush_tiny_(grad_avg, state["step"])
            np.multiply(grad_avg, grad_avg, out=avg)
            np.subtract(square_avg, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(square_avg, out=avg)
        avg += float(group["eps"])
        update = np.divide(grad, avg, out=avg)
        if momentum > 0:
            buffer = state.setdefault("momentum_buffer", np.zeros_like(param))
            buffer *= momentum
            buffer += update
            flush_tiny_(buffer, state["step"])
            np.multiply(buffer, float(group["lr"]), out=update)
        else:
            update *= float(group["lr"])
        subtract_(param, update)
