"""Adagrad: per-coordinate step sizes that shrink with the sum of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroup, Params, subtract_


class Adagrad(Optimizer):
    """g ← ∇ + λθ;  s ← s + g²;  θ ← θ - lr/(1 + (t-1)·decay) · g/(√s + ε)."""

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = dict(
            lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, eps=eps,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        super()._check_group(group)
        for name in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            self._check_min(group, name, 0.0)

    def _init_state(self, param: np.ndarray, group: ParamGroup) -> dict[str, Any]:
        init = float(group["initial_accumulator_value"])
        return {"step": 0, "sum": np.full_like(param, init)}

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        state["step"] += 1
        weight_decay = float(group["weight_decay"])
        if weight_decay != 0:
            grad = grad + weight_decay * param
        clr = float(group["lr"]) / (1.0 + (state["step"] - 1) * float(group["lr_decay"]))
        square = np.multiply(grad, grad, out=self._scratch_like(param))  # no allocation
        state["sum"] += square
        std = np.sqrt(state["sum"], out=square)
        std += float(group["eps"])
        update = np.divide(grad, std, out=std)
        update *= clr
        subtract_(param, update)
