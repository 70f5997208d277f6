"""Optimizer base class: parameter groups, per-parameter state, zero_grad and state_dict.

Subclasses supply `_check_group` (hyperparameter validation), `_init_state` (buffers created at
a parameter's first step) and `_update` (the in-place rule on numpy arrays). The base walks the
groups, skips parameters without a gradient and bumps each updated parameter's version, so a
graph recorded before the step fails loudly at backward instead of using stale values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autograd_mini as am

from ..module import zero_grads

ParamGroup = dict[str, Any]
Params = Iterable[am.Tensor] | Iterable[ParamGroup]

# Group keys every optimizer accepts besides its own hyperparameters: `name` (a label) and
# `initial_lr` (written by learning-rate schedulers).
_EXTRA_GROUP_KEYS = frozenset({"params", "name", "initial_lr"})


class Optimizer:
    """Base class: `param_groups` (list of dicts), `state` (per-parameter dicts), `step()`."""

    def __init__(self, params: Params, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[ParamGroup] = []
        self.state: dict[am.Tensor, dict[str, Any]] = {}
        self._scratch: dict[tuple[tuple[int, ...], np.dtype], np.ndarray] = {}
        if hasattr(params, "named_parameters"):  # PyTorch's habit: SGD(model, lr=...)
            raise TypeError(f"{self._name}: got the model ({type(params).__name__}) itself; "
                            "pass its parameters: model.parameters()")
        if callable(params):
            raise TypeError(f"{self._name}: params is a method or function, not its result; "
                            "call it: model.parameters()")
        if isinstance(params, am.Tensor):
            raise TypeError(
                f"{self._name}: params must be an iterable of Tensors or of param-group dicts, "
                "got a single Tensor; wrap it in a list"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _scratch_like(self, array: np.ndarray) -> np.ndarray:
        """A reusable work array of `array`'s shape and dtype (not state: never saved).

        Updates written as `param -= lr * grad` allocate a parameter-sized temporary every
        step, and large fresh allocations come back from the OS as page faults. One buffer
        serves every parameter of that shape: an update must finish with it before the next."""
        key = (array.shape, array.dtype)
        buffer = self._scratch.get(key)
        if buffer is None:
            buffer = self._scratch[key] = np.empty_like(array)
        return buffer

    @property
    def _name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            options = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} params, {options}")
        return "\n".join(lines) + "\n)"

    # ---- groups ------------------------------------------------------------------------
    def add_param_group(self, group: ParamGroup) -> None:
        """Add a dict with 'params' and optional per-group hyperparameters (defaults fill in)."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{self._name}: a param group must be a dict with a 'params' key")
        params = group["params"]
        params = [params] if isinstance(params, am.Tensor) else list(params)
        for p in params:
            if not isinstance(p, am.Tensor):
                raise TypeError(
                    f"{self._name}: can only optimize Tensors, got {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{self._name}: cannot optimize a non-leaf tensor (produced by '{p.op}')"
                )
            if p.dtype.kind != "f":
                raise TypeError(f"{self._name}: parameters must be floating point, got {p.dtype}")
        unknown = set(group) - set(self.defaults) - _EXTRA_GROUP_KEYS
        if unknown:
            raise ValueError(
                f"{self._name}: unknown param-group option(s) {sorted(unknown)}; expected some "
                f"of {sorted(self.defaults)}"
            )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{self._name}: a parameter appears more than once in param groups")
        full = {**self.defaults, **group, "params": params}
        self._check_group(full)
        self.param_groups.append(full)

    def _check_group(self, group: ParamGroup) -> None:
        """Raise ValueError naming the argument when a hyperparameter is out of range."""
        self._check_min(group, "lr", 0.0)

    def _check_min(self, group: ParamGroup, name: str, low: float) -> None:
        value = group[name]
        if not _is_real(value) or not value >= low:
            raise ValueError(f"{self._name}: invalid {name}={value!r}; expected a number >= {low}")

    def _check_interval(self, group: ParamGroup, name: str, value: Any) -> None:
        """`value` must lie in [0, 1)."""
        if not _is_real(value) or not 0.0 <= value < 1.0:
            raise ValueError(f"{self._name}: invalid {name}={value!r}; expected 0 <= {name} < 1")

    # ---- the step ----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (or fill it with zeros in place)."""
        zero_grads(self._indexed_params(), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns `closure()` if one is given."""
        loss = None
        if closure is not None:
            with am.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                grad = grad.data  # `.grad` is a Tensor in every mode
                if grad.shape != p.shape:
                    raise am.ShapeError(
                        f"{self._name}.step: gradient of shape {grad.shape} does not match its "
                        f"parameter of shape {p.shape}"
                    )
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = self._init_state(p.data, group)
                self._update(p.data, grad, state, group)
                p.bump_version()
        return loss

    def _init_state(self, param: np.ndarray, group: ParamGroup) -> dict[str, Any]:
        """Buffers for one parameter, created at its first step."""
        return {}

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        """Apply the update rule to `param` in place (grad must not be modified)."""
        raise NotImplementedError

    # ---- checkpointing -----------------------------------------------------------------
    def _indexed_params(self) -> list[am.Tensor]:
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict[str, Any]:
        """Copies of the state keyed by parameter index, and the group options (no tensors)."""
        index = {id(p): i for i, p in enumerate(self._indexed_params())}
        state = {
            index[id(p)]: {k: _copy(v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        groups, start = [], 0
        for group in self.param_groups:
            n = len(group["params"])
            groups.append({**group, "params": list(range(start, start + n))})
            start += n
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state and group options saved by `state_dict()` (parameters keep identity)."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{self._name}.load_state_dict: the saved state has {len(saved_groups)} param "
                f"groups, this optimizer has {len(self.param_groups)}"
            )
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{self._name}.load_state_dict: param group {i} has {len(saved['params'])} "
                    f"parameters in the saved state and {len(group['params'])} here"
                )
        params = self._indexed_params()
        group_of = [group for group in self.param_groups for _ in group["params"]]
        new_state: dict[am.Tensor, dict[str, Any]] = {}
        for key, saved in state_dict["state"].items():
            index = int(key)
            if not 0 <= index < len(params):
                raise ValueError(
                    f"{self._name}.load_state_dict: state for parameter {index}, but there are "
                    f"only {len(params)}"
                )
            p = params[index]
            _check_like(saved, self._init_state(p.data, group_of[index]), index, self._name)
            new_state[p] = {k: _restore(v, p, k, self._name) for k, v in saved.items()}
        for saved, group in zip(saved_groups, self.param_groups):
            merged = {**group, **{k: v for k, v in saved.items() if k != "params"}}
            self._check_group(merged)  # validates, and normalises (e.g. betas to floats)
            group.update(merged)
        self.state = new_state


# x86 CPUs compute on subnormal floats in microcode, many times slower. A first-moment or
# momentum entry whose gradient stays 0 (a dead ReLU unit) decays geometrically into the
# subnormal range and stays there, because β·m rounds back to m: on MNIST 0.3-7% of each
# layer's Adam exp_avg entries were stuck subnormals after two epochs, and with 2% of them
# subnormal the update of a 784×256 weight takes 801 µs instead of 443 µs. So every
# FLUSH_EVERY steps such buffers are cleared below FLUSH_BELOW × the smallest normal float
# (2e-31 in float32): an entry that small moves a parameter by less than lr·2e-31/ε, far
# below its rounding, and at β = 0.9 an entry needs 150 steps to fall from there into the
# subnormal range.
FLUSH_EVERY = 64
FLUSH_BELOW = 2.0**24


def flush_tiny_(buffer: np.ndarray, step: int) -> None:
    """On every FLUSH_EVERY-th step, set entries of a decaying numerator buffer (a first
    moment or momentum) with |x| < FLUSH_BELOW · tiny to 0, in place; NaN and ±inf stay.
    float16 is left alone: its tiny (6e-5) is not negligible, and numpy computes it in float32
    anyway, where its subnormals are normal numbers."""
    if step % FLUSH_EVERY or buffer.dtype.kind != "f" or buffer.dtype.itemsize < 4:
        return
    buffer *= np.abs(buffer) >= np.finfo(buffer.dtype).tiny * FLUSH_BELOW


def lerp_(buffer: np.ndarray, target: np.ndarray, weight: float,
          work: np.ndarray | None = None) -> None:
    """buffer += weight·(target - buffer), in place (PyTorch's `lerp_` for weight < 0.5);
    `work`, an array of buffer's shape and dtype, holds the difference (else one is allocated)."""
    step = np.subtract(target, buffer, out=work)
    if weight < 0.5:
        step *= weight
        buffer += step
    else:  # the form PyTorch uses for large weights: exact at weight = 1
        step *= weight - 1.0
        np.add(target, step, out=buffer)


def subtract_(param: np.ndarray, update: np.ndarray) -> None:
    """θ ← θ − update in place; `update` is a work array of the optimizer and is overwritten.

    Written as `update ← θ − update` followed by a plain copy into θ, not as `θ -= update`:
    right after a multi-threaded matrix product has read θ on another core, a read-modify-write
    of θ pays one cache-line ownership upgrade per line, and the fused form measured 208 µs for
    a 784×256 float32 weight against 110 µs for subtract-then-copy (2-core machine, OpenBLAS
    2 threads; 0.78 → 0.70 ms per 784-256-128-10 SGD step at batch 32).
    """
    if update.dtype != param.dtype or update.shape != param.shape:
        param -= update  # keep θ's precision and broadcasting rules in the unusual cases
        return
    np.subtract(param, update, out=update)
    np.copyto(param, update)


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool
    ) and not math.isnan(value)


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _check_like(saved: Any, fresh: dict[str, Any], index: int, owner: str) -> None:
    """A saved per-parameter state has the buffers and counters a fresh one would: a missing
    buffer or a None in its place would otherwise fail only at the next step."""
    where = f"{owner}.load_state_dict: state of parameter {index}"
    if not isinstance(saved, dict):
        raise TypeError(f"{where} is a {type(saved).__name__}, expected a dict")
    missing = sorted(set(fresh) - set(saved))
    if missing:
        raise ValueError(f"{where} lacks {missing}")
    for key, value in saved.items():  # buffers made lazily (e.g. SGD's momentum) included
        if not (isinstance(value, np.ndarray) and value.dtype.kind in "biuf") and (
                isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))):
            raise TypeError(f"{where}: '{key}' is {type(value).__name__} {value!r:.40}, "
                            "expected an array or an integer counter")
    for key, template in fresh.items():
        value = saved[key]
        if isinstance(template, np.ndarray):
            if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
                raise TypeError(f"{where}: '{key}' is {type(value).__name__} {value!r:.40}, "
                                "expected an array")
        elif isinstance(template, int):
            number = value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
            if isinstance(number, (bool, np.bool_)) or not isinstance(number, (int, np.integer)) \
                    or number < 0:
                raise TypeError(f"{where}: '{key}' is {number!r:.40}, expected an integer >= 0")


def _restore(value: Any, param: am.Tensor, key: str, owner: str) -> Any:
    """Saved buffers come back as fresh arrays in the parameter's dtype; integer counters (such
    as `step`, which a file format may have turned into a 0-d array) as Python ints."""
    if not isinstance(value, np.ndarray):
        return value
    if value.dtype.kind in "biu":
        return value.item()
    if value.shape != param.shape:
        raise ValueError(
            f"{owner}.load_state_dict: state '{key}' has shape {value.shape}, its parameter "
            f"has shape {param.shape}"
        )
    return np.array(value, dtype=param.dtype, copy=True)
