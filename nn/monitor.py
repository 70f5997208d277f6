"""GradientMonitor: per-layer gradient health, measured after backward and before clipping.

    monitor = nn.GradientMonitor(model)       # also wraps ReLU/Sigmoid/Tanh/... modules
    loss = loss_fn(model(X), y); loss.backward()
    monitor.record()                          # before clipping and before the optimizer step
    optimizer.step(); monitor.record_update() # optional: ‖ΔW‖/‖W‖ of this step
    print(monitor.summary()); monitor.diagnose()

For each tracked weight (parameters with ndim >= 2, plus biases if asked) a record holds
‖∂C/∂W‖, ‖W‖, their ratio, the update-to-weight ratio ‖ΔW‖/‖W‖ (filled by `record_update()`
or by the next `record()`), and NaN/Inf flags (checked on every parameter's gradient). For each
watched activation it holds the fraction of dead units and of saturated entries:

- dead (ReLU): a unit (a column: every axis but the batch axis 0) whose output is 0 for every
  sample of the batch, so no gradient reaches its weights. LeakyReLU: negative for every sample.
- saturated (sigmoid, tanh, ELU): an output whose local derivative, computed from the output,
  is below `saturation_derivative` (10%) of the activation's maximum slope: σ' = a(1-a) < 0.025,
  i.e. a < 0.026 or a > 0.974; tanh' = 1 - a² < 0.1, i.e. |a| > 0.949; ELU' = a + α < 0.1.

`diagnose()` turns the latest record (and the history, for growth) into plain sentences using
the thresholds of `MonitorThresholds`, which can be changed on `monitor.thresholds`. Depth
comparisons take the parameters in the order given (input first, output last), which is the
order of `named_parameters()` for models built in forward order.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd_mini as am

from .activations import ACTIVATIONS, activation_name
from .module import Module, RemovableHandle
from .utils import _vector_norm

# The activations whose outputs say something about dead or saturated units (names from the one
# table, nn.activations.ACTIVATIONS); `_activation_stats` has a rule for each.
_KINDS = frozenset({"relu", "leaky_relu", "sigmoid", "tanh", "elu"})
assert _KINDS <= ACTIVATIONS.keys()


@dataclass
class MonitorThresholds:
    """When `diagnose()` speaks up; every ratio compares norms of the same record."""

    vanishing_ratio: float = 1e-2  # a layer's ‖∂C/∂W‖ below this × the largest of later layers
    exploding_ratio: float = 1e2  # ... above this × the smallest of later layers
    growth_factor: float = 1e2  # a layer's ‖∂C/∂W‖ grew this much within `growth_window` records
    growth_window: int = 10
    dead_fraction: float = 0.4  # fraction of dead ReLU units in one activation
    saturated_fraction: float = 0.4  # fraction of saturated sigmoid/tanh/ELU outputs
    saturation_derivative: float = 0.1  # "saturated": slope below this × the maximum slope
    update_ratio_high: float = 1e-1  # ‖ΔW‖/‖W‖ per update; around 1e-3 is the usual healthy
    update_ratio_low: float = 1e-6


class GradientMonitor:
    """Record gradient norms, update ratios, dead and saturated units; explain what they mean."""

    def __init__(
        self,
        model: Any,
        *,
        thresholds: MonitorThresholds | None = None,
        include_biases: bool = False,
        watch_activations: bool = True,
        track_updates: bool = True,
    ) -> None:
        self.parameters: list[tuple[str, am.Tensor]] = _named_parameters(model)
        tracked = [(n, p) for n, p in self.parameters if include_biases or p.ndim >= 2]
        self.tracked = tracked or list(self.parameters)
        self.thresholds = thresholds if thresholds is not None else MonitorThresholds()
        self.track_updates = track_updates
        self.history: list[dict[str, Any]] = []
        self._captured: dict[str, tuple[str, np.ndarray, float]] = {}
        self._snapshot: dict[str, np.ndarray] = {}
        self._hooks: list[tuple[str, RemovableHandle]] = []
        if watch_activations and isinstance(model, Module):
            for name, module in model.named_modules():
                kind = activation_name(module)
                if kind in _KINDS:
                    self._watch(name, module, kind)

    # ---- activations ---------------------------------------------------------------------
    def _watch(self, name: str, module: Module, kind: str) -> None:
        """Keep the module's latest output, through a forward hook."""
        captured = self._captured
        alpha = float(getattr(module, "alpha", 1.0))

        def keep_output(module: Module, inputs: tuple[Any, ...], output: Any) -> None:
            captured[name] = (kind, _array(output), alpha)

        self._hooks.append((name, module.register_forward_hook(keep_output)))

    def remove(self) -> None:
        """Detach the hooks from the watched activation modules."""
        for _, handle in self._hooks:
            handle.remove()
        self._hooks.clear()

    def __enter__(self) -> GradientMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    @property
    def watched(self) -> list[str]:
        """Names of the activation modules whose outputs are captured automatically."""
        return [name for name, _ in self._hooks]

    def watch_activation(
        self, name: str, output: Any, kind: str | None = None, alpha: float = 1.0
    ) -> None:
        """Hand over an activation output for the next `record()`; `kind` defaults to its op."""
        kind = kind or (output.op if isinstance(output, am.Tensor) else None)
        if kind not in _KINDS:
            raise ValueError(
                f"watch_activation: cannot tell the activation of {name!r} (got kind={kind!r}); "
                f"pass kind= one of {sorted(_KINDS)}"
            )
        self._captured[name] = (kind, _array(output), float(alpha))

    # ---- recording -----------------------------------------------------------------------
    def record(self, step: int | None = None) -> dict[str, Any]:
        """Measure gradients, weights and the activations seen since the last record."""
        self._fill_update_ratios()
        layers: dict[str, dict[str, Any]] = {}
        for name, p in self.tracked:
            layers[name] = _layer_stats(p)
        nonfinite: dict[str, str] = {}
        for name, p in self.parameters:
            what = _nonfinite(_grad(p), "gradient") or _nonfinite(p.data, "weight")
            if what:
                nonfinite[name] = what
        t = self.thresholds.saturation_derivative
        activations = {
            name: _activation_stats(kind, a, alpha, t)
            for name, (kind, a, alpha) in self._captured.items()
        }
        self._captured.clear()
        entry = {
            "step": len(self.history) if step is None else int(step),
            "layers": layers,
            "activations": activations,
            "nonfinite": nonfinite,
        }
        self.history.append(entry)
        if self.track_updates:
            self._snapshot = {name: p.data.copy() for name, p in self.tracked}
        return entry

    def record_update(self) -> None:
        """After the optimizer step: fill ‖ΔW‖/‖W‖ of the latest record."""
        self._fill_update_ratios()

    def _fill_update_ratios(self) -> None:
        if not self._snapshot or not self.history:
            return
        layers = self.history[-1]["layers"]
        for name, p in self.tracked:
            before = self._snapshot.get(name)
            if before is None or layers[name]["update_ratio"] is not None:
                continue
            size = _vector_norm(before, 2.0)
            change = _vector_norm(p.data - before, 2.0)
            layers[name]["update_ratio"] = change / size if size > 0 else math.inf
        self._snapshot = {}

    # ---- checkpointing -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The recorded history (nested dicts of floats): a training checkpoint keeps it, so
        the gradient-health plot of a resumed run covers the whole run."""
        return {"history": copy.deepcopy(self.history)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the history with a saved one (what was recorded since is dropped)."""
        history = state.get("history") if isinstance(state, Mapping) else None
        if not isinstance(history, list) or not all(
                isinstance(e, Mapping) and {"step", "layers"} <= e.keys() for e in history):
            raise ValueError("GradientMonitor.load_state_dict: expected {'history': [records "
                             "with 'step' and 'layers', ...]}")
        self.history = copy.deepcopy(history)
        self._snapshot = {}
        self._captured.clear()

    # ---- reading -------------------------------------------------------------------------
    def to_arrays(self) -> dict[str, Any]:
        """History as arrays for plotting: (records, layers) and (records, activations), NaN
        where a value is missing; names in `layer_names` and `activation_names`."""
        layer_names = [n for n, _ in self.tracked]
        activation_names = list(dict.fromkeys(n for e in self.history for n in e["activations"]))
        out: dict[str, Any] = {
            "step": np.array([e["step"] for e in self.history], dtype=np.int64),
            "layer_names": layer_names,
            "activation_names": activation_names,
        }
        for key in ("grad_norm", "weight_norm", "grad_weight_ratio", "update_ratio"):
            out[key] = np.array(
                [[_float(e["layers"][n][key]) for n in layer_names] for e in self.history],
                dtype=np.float64,
            ).reshape(len(self.history), len(layer_names))
        out["nonfinite"] = np.array(
            [[n in e["nonfinite"] for n in layer_names] for e in self.history], dtype=bool
        ).reshape(len(self.history), len(layer_names))
        for key in ("dead_fraction", "saturated_fraction"):
            out[key] = np.array(
                [[_float(e["activations"].get(n, {}).get(key)) for n in activation_names]
                 for e in self.history],
                dtype=np.float64,
            ).reshape(len(self.history), len(activation_names))
        return out

    def summary(self) -> str:
        """The latest record as a table, followed by the findings of `diagnose()`."""
        if not self.history:
            return "GradientMonitor: nothing recorded yet (call record() after backward)"
        entry = self.history[-1]
        rows = [("layer", "‖∂C/∂W‖", "‖W‖", "grad/W", "update/W", "flags")]
        for name, s in entry["layers"].items():
            rows.append((
                name, _fmt(s["grad_norm"]), _fmt(s["weight_norm"]),
                _fmt(s["grad_weight_ratio"]), _fmt(s["update_ratio"]),
                entry["nonfinite"].get(name, ""),
            ))
        lines = [f"step {entry['step']}", *_table(rows)]
        if entry["activations"]:
            rows = [("activation", "kind", "dead", "saturated", "mean", "std")]
            for name, s in entry["activations"].items():
                rows.append((
                    name, s["kind"], _pct(s["dead_fraction"]), _pct(s["saturated_fraction"]),
                    f"{s['mean']:.3g}", f"{s['std']:.3g}",
                ))
            lines += ["", *_table(rows)]
        findings = self.diagnose()
        lines += ["", *(f"- {f}" for f in findings)] if findings else ["", "no problems found"]
        return "\n".join(lines)

    def diagnose(self) -> list[str]:
        """Plain-language findings about the latest record; an empty list means healthy."""
        if not self.history:
            return []
        entry, th = self.history[-1], self.thresholds
        findings = [f"{what} in {name}" for name, what in entry["nonfinite"].items()]
        findings += self._depth_findings(entry["layers"])
        findings += self._growth_findings()
        for name, s in entry["activations"].items():
            dead, saturated = s["dead_fraction"], s["saturated_fraction"]
            if dead is not None and dead >= th.dead_fraction:
                if s["kind"] == "relu":
                    what = "are dead (zero for every sample in the batch)"
                else:
                    what = "are negative for every sample (only the leaky slope passes gradient)"
                findings.append(f"{dead:.0%} of {s['kind']} units in {name} {what}")
            if saturated is not None and saturated >= th.saturated_fraction:
                findings.append(
                    f"{saturated:.0%} of {s['kind']} outputs in {name} are saturated (slope "
                    f"below {th.saturation_derivative:.0%} of its maximum): their gradients vanish"
                )
        for name, s in entry["layers"].items():
            ratio = s["update_ratio"]
            if ratio is None or not math.isfinite(ratio):
                continue
            if ratio > th.update_ratio_high:
                findings.append(
                    f"{name}: update/weight ratio {ratio:.1e} — the learning rate may be too high"
                )
            elif ratio < th.update_ratio_low:
                findings.append(
                    f"{name}: update/weight ratio {ratio:.1e} — the layer barely moves "
                    "(learning rate too low, or vanishing gradients)"
                )
        return findings

    def _depth_findings(self, layers: Mapping[str, dict[str, Any]]) -> list[str]:
        """Compare each layer's gradient norm with the layers after it (closer to the loss)."""
        th = self.thresholds
        norms = [(n, s["grad_norm"]) for n, s in layers.items()
                 if s["grad_norm"] is not None and math.isfinite(s["grad_norm"])]
        if len(norms) >= 2 and all(g == 0 for _, g in norms):
            return ["every tracked gradient is exactly zero: no signal reaches the weights"]
        findings = []
        for i, (name, g) in enumerate(norms[:-1]):
            later = norms[i + 1:]
            big_name, big = max(later, key=lambda item: item[1])
            small_name, small = min(later, key=lambda item: item[1])
            if big > 0 and g < th.vanishing_ratio * big:
                findings.append(
                    f"{name}: gradient norm {g:.1e} is {g / big:.1e} of {big_name}'s ({big:.1e})"
                    " — vanishing gradients"
                )
            elif small > 0 and g > th.exploding_ratio * small:
                findings.append(
                    f"{name}: gradient norm {g:.1e} is {g / small:.1e}x {small_name}'s "
                    f"({small:.1e}) — exploding gradients"
                )
        return findings

    def _growth_findings(self) -> list[str]:
        th = self.thresholds
        window = self.history[-th.growth_window - 1:]
        if len(window) < 2:
            return []
        findings = []
        for name in window[-1]["layers"]:
            now = window[-1]["layers"][name]["grad_norm"]
            earlier = [e["layers"][name]["grad_norm"] for e in window[:-1]
                       if e["layers"].get(name, {}).get("grad_norm") is not None]
            earlier = [g for g in earlier if math.isfinite(g) and g > 0]
            if now is None or not earlier or not math.isfinite(now):
                continue
            low = min(earlier)
            if now > th.growth_factor * low:
                findings.append(
                    f"{name}: gradient norm grew {now / low:.0f}x in {len(window) - 1} records "
                    f"({low:.1e} -> {now:.1e}) — exploding gradients"
                )
        return findings


# ---- helpers -----------------------------------------------------------------------------
def _named_parameters(model: Any) -> list[tuple[str, am.Tensor]]:
    if hasattr(model, "named_parameters"):
        pairs = list(model.named_parameters())
    elif isinstance(model, Mapping):
        pairs = list(model.items())
    elif isinstance(model, Iterable):
        pairs = list(model)
    else:
        raise TypeError(
            "GradientMonitor: expected a model with named_parameters(), a dict or a list of "
            f"(name, Tensor) pairs, got {type(model).__name__}"
        )
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], am.Tensor)):
            raise TypeError(f"GradientMonitor: expected (name, Tensor) pairs, got {pair!r}")
    if not pairs:
        raise ValueError("GradientMonitor: the model has no parameters")
    return pairs


def _array(value: Any) -> np.ndarray:
    return value.data if isinstance(value, am.Tensor) else np.asarray(value)


def _grad(p: am.Tensor) -> np.ndarray | None:
    return None if p.grad is None else p.grad.data  # `.grad` is a Tensor in every mode


def _nonfinite(a: np.ndarray | None, what: str) -> str:
    """'NaN in gradient' / 'Inf in weight' / '' — one cheap sum unless something is off."""
    if a is None:
        return ""
    with np.errstate(all="ignore"):
        if math.isfinite(float(a.sum())):
            return ""
    kinds = [k for k, test in (("NaN", np.isnan), ("Inf", np.isinf)) if test(a).any()]
    return f"{' and '.join(kinds)} in {what}" if kinds else ""


def _layer_stats(p: am.Tensor) -> dict[str, Any]:
    g = _grad(p)
    weight_norm = _vector_norm(p.data, 2.0)
    grad_norm = None if g is None else _vector_norm(g, 2.0)
    if grad_norm is None:
        ratio = None
    else:
        ratio = grad_norm / weight_norm if weight_norm > 0 else math.inf
    return {
        "grad_norm": grad_norm, "weight_norm": weight_norm, "grad_weight_ratio": ratio,
        "update_ratio": None,
    }


def _activation_stats(kind: str, a: np.ndarray, alpha: float, threshold: float) -> dict[str, Any]:
    """Dead-unit and saturated-output fractions of one activation output."""
    units = a.reshape(a.shape[0], -1) if a.ndim >= 2 else a.reshape(1, -1)  # (batch, units)
    dead = saturated = None
    if kind == "relu":
        dead = float((units <= 0).all(axis=0).mean())
    elif kind == "leaky_relu":
        dead = float((units < 0).all(axis=0).mean())
    elif kind == "sigmoid":
        saturated = float((units * (1 - units) < 0.25 * threshold).mean())
    elif kind == "tanh":
        saturated = float((1 - units * units < threshold).mean())
    elif kind == "elu":
        saturated = float(((units < 0) & (units + alpha < threshold)).mean())
    return {
        "kind": kind, "dead_fraction": dead, "saturated_fraction": saturated,
        "mean": float(units.mean()), "std": float(units.std()),
    }


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2e}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
