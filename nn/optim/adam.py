"""Adam (bias-corrected moment estimates, optional AMSGrad) and AdamW (decoupled decay)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroup, Params, flush_tiny_, lerp_, subtract_


class Adam(Optimizer):
    """m ← β₁m + (1-β₁)g;  v ← β₂v + (1-β₂)g²;  θ ← θ - lr/(1-β₁ᵗ) · m/(√v/√(1-β₂ᵗ) + ε)."""

    _decoupled = False  # AdamW: shrink θ by (1 - lr·λ) instead of adding λθ to the gradient

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        super()._check_group(group)
        self._check_min(group, "eps", 0.0)
        self._check_min(group, "weight_decay", 0.0)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list, np.ndarray)) or len(betas) != 2:
            raise ValueError(f"{self._name}: invalid betas={betas!r}; expected a pair (β₁, β₂)")
        self._check_interval(group, "betas[0]", betas[0])
        self._check_interval(group, "betas[1]", betas[1])
        group["betas"] = (float(betas[0]), float(betas[1]))

    def _init_state(self, param: np.ndarray, group: ParamGroup) -> dict[str, Any]:
        state = {"step": 0, "exp_avg": np.zeros_like(param), "exp_avg_sq": np.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(param)
        return state

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        step = state["step"] = state["step"] + 1
        lr, weight_decay = float(group["lr"]), float(group["weight_decay"])
        beta1, beta2 = group["betas"]
        if weight_decay != 0:
            if self._decoupled:
                param *= 1.0 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        scratch = self._scratch_like(param)  # no parameter-sized allocation per step
        lerp_(exp_avg, grad, 1.0 - beta1, scratch)
        flush_tiny_(exp_avg, step)
        exp_avg_sq *= beta2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - beta2
        exp_avg_sq += scratch
        step_size = lr / (1.0 - beta1**step)
        bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
        if group["amsgrad"]:
            second = state.setdefault("max_exp_avg_sq", np.zeros_like(param))
            np.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq
        denom = np.sqrt(second, out=scratch)
        denom /= bias_correction2_sqrt
        denom += float(group["eps"])
        update = np.divide(exp_avg, denom, out=denom)
        update *= step_size
        subtract_(param, update)


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ(1 - lr·λ) before the Adam step."""

    _decoupled = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
