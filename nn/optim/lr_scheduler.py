"""Learning-rate schedules in closed form: lr(t) = f(base_lr, t), t = number of `step()` calls.

Each scheduler writes `group["lr"]` for every param group of its optimizer; the base rate is the
group's `initial_lr` (set from `lr` the first time a scheduler is attached). Closed forms make
`state_dict()` resumption exact and match PyTorch's schedulers of the same name. Combine
schedules with `SequentialLR` (for example `with_warmup`), not by stacking two on one optimizer.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from ..arguments import check_int, check_real
from .optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses define `lr_at(t, base_lr)`; `step()` advances t and sets lrs."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        last_epoch = check_int(type(self).__name__, "last_epoch", last_epoch, -1)
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise ValueError(
                    f"{type(self).__name__}: last_epoch={last_epoch} resumes a schedule, but "
                    f"param group {i} has no 'initial_lr'"
                )
        self.base_lrs: list[float] = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        self.step()

    def lr_at(self, t: int, base_lr: float) -> float:
        """The learning rate after `t` steps for a group whose base rate is `base_lr`."""
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The learning rates for the current `last_epoch`, one per param group."""
        return [self.lr_at(self.last_epoch, base) for base in self.base_lrs]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the latest `step()`."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one step (usually one epoch or one batch) and write the new lrs."""
        self.last_epoch += 1
        self._set(self.get_lr())

    def _set(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (and callables): plain Python values."""
        return {
            k: v for k, v in self.__dict__.items() if k != "optimizer" and not callable(v)
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict()`; the optimizer's lrs are restored by its own state_dict."""
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr})"


def _check_positive_int(owner: str, name: str, value: Any) -> None:
    check_int(owner, name, value, 1)


class LambdaLR(LRScheduler):
    """lr(t) = base_lr · factor(t)."""

    def __init__(
        self, optimizer: Optimizer, lr_lambda: Callable[[int], float], last_epoch: int = -1
    ) -> None:
        self.lr_lambda = lr_lambda
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.lr_lambda(t)


class StepLR(LRScheduler):
    """lr(t) = base_lr · γ^⌊t / step_size⌋."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        _check_positive_int("StepLR", "step_size", step_size)
        self.step_size, self.gamma = step_size, check_real("StepLR", "gamma", gamma, low=0.0)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """lr(t) = base_lr · γ^(number of milestones <= t)."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Sequence[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        try:
            steps = [check_int("MultiStepLR", "each milestone", m, 0) for m in milestones]
        except TypeError as error:
            raise ValueError(f"MultiStepLR: milestones must be a sequence of ints >= 0, got "
                             f"{milestones!r}") from error
        self.milestones = sorted(steps)
        self.gamma = check_real("MultiStepLR", "gamma", gamma, low=0.0)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma ** bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """lr(t) = base_lr · γ^t."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = check_real("ExponentialLR", "gamma", gamma, low=0.0)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma**t


class CosineAnnealingLR(LRScheduler):
    """lr(t) = η_min + (base_lr - η_min)·(1 + cos(π t / T_max)) / 2."""

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1  # noqa: N803
    ) -> None:
        _check_positive_int("CosineAnnealingLR", "T_max", T_max)
        self.T_max = T_max
        self.eta_min = check_real("CosineAnnealingLR", "eta_min", eta_min, low=0.0, finite=True)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        cosine = (1 + math.cos(math.pi * t / self.T_max)) / 2
        return self.eta_min + (base_lr - self.eta_min) * cosine


class LinearLR(LRScheduler):
    """lr(t) = base_lr · (s + (e - s)·min(t, total_iters)/total_iters): linear warm-up or decay."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        check_real("LinearLR", "start_factor", start_factor)
        check_real("LinearLR", "end_factor", end_factor)
        if not 0 < start_factor <= 1:
            raise ValueError(
                f"LinearLR: invalid start_factor={start_factor!r}; expected 0 < start_factor <= 1"
            )
        if not 0 <= end_factor <= 1:
            raise ValueError(
                f"LinearLR: invalid end_factor={end_factor!r}; expected 0 <= end_factor <= 1"
            )
        _check_positive_int("LinearLR", "total_iters", total_iters)
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        fraction = min(t, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * fraction)


class SequentialLR(LRScheduler):
    """Run `schedulers[i]` from `milestones[i-1]` on, each counting its own steps from 0."""

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        if len(schedulers) != len(milestones) + 1:
            raise ValueError(
                f"SequentialLR: expected one more scheduler than milestones, got "
                f"{len(schedulers)} schedulers and {len(milestones)} milestones"
            )
        if list(milestones) != sorted(milestones):
            raise ValueError(f"SequentialLR: milestones={list(milestones)} must be increasing")
        for i, scheduler in enumerate(schedulers):
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR: scheduler {i} ({type(scheduler).__name__}) drives a "
                    "different optimizer"
                )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        index = bisect_right(self._milestones, t)
        local = t - (self._milestones[index - 1] if index > 0 else 0)
        scheduler = self._schedulers[index]
        scheduler.last_epoch = local
        return [scheduler.lr_at(local, base) for base in self.base_lrs]

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in super().state_dict().items() if k != "_schedulers"}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state.pop("_schedulers")):
            scheduler.load_state_dict(saved)
        super().load_state_dict(state)


def with_warmup(
    scheduler: LRScheduler, warmup_steps: int, start_factor: float = 0.1
) -> SequentialLR:
    """Linear warm-up from `start_factor`·base_lr over `warmup_steps` steps, then `scheduler`."""
    optimizer = scheduler.optimizer
    warmup = LinearLR(optimizer, start_factor, 1.0, warmup_steps)
    return SequentialLR(optimizer, [warmup, scheduler], [warmup_steps])


__all__ = [
    "CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
    "SequentialLR", "StepLR", "with_warmup",
]
