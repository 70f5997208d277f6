"""The gradient-checking kit: finite differences, gradcheck, gradgradcheck, Taylor test.

Every check runs in float64 on copies of the inputs, so float32 models can be checked too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .autograd import grad
from .functional import concatenate, reshape
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor

Fn = Callable[..., Any]


class GradcheckError(AssertionError):
    """Analytical and numerical gradients disagree; the message lists the worst entries."""


@dataclass
class Mismatch:
    """One Jacobian entry (or projection) where the two derivatives disagree."""

    input_index: int
    element: tuple[int, ...] | str
    output_element: int | str
    analytical: float
    numerical: float

    def __str__(self) -> str:
        where = list(self.element) if isinstance(self.element, tuple) else self.element
        return (f"input {self.input_index} at {where}, output {self.output_element}: "
                f"analytical {self.analytical:.6g}, numerical {self.numerical:.6g}, "
                f"diff {abs(self.analytical - self.numerical):.3g}")


@dataclass
class GradcheckResult:
    """Outcome of a check; truthy when it passed."""

    ok: bool
    mode: str
    max_abs_error: float
    max_rel_error: float
    worst: list[Mismatch] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = (f"gradcheck ({self.mode}) {'passed' if self.ok else 'FAILED'}: max abs error "
                f"{self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g}")
        if self.ok or not self.worst:
            return head
        return head + "\nworst entries:\n" + "\n".join(f"  {m}" for m in self.worst)


def _float64_inputs(inputs: Sequence[Any]) -> list[Any]:
    """Fresh float64 leaves for floating Tensors (keeping requires_grad); others unchanged."""
    converted = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            # C order: the finite differences perturb x through a flat view of its data
            data = np.array(x.data, dtype=np.float64, order="C")
            converted.append(Tensor(data, x.requires_grad))
        else:
            converted.append(x)
    return converted


def _flat_output(out: Any) -> Tensor:
    """One output Tensor, or several joined into one flat vector."""
    if isinstance(out, Tensor):
        return out
    parts = [reshape(o, -1) for o in out if o is not None]
    return concatenate(parts) if parts else Tensor(np.zeros(0))


def _evaluate(fn: Fn, xs: list[Any]) -> np.ndarray:
    with no_grad():
        return np.array(_flat_output(fn(*xs)).data, dtype=np.float64).reshape(-1)


def numerical_jacobian(fn: Fn, inputs: Sequence[Any], eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences (f(x + ε) − f(x − ε)) / 2ε: one (outputs, elements) matrix per
    input that requires grad."""
    xs = _float64_inputs(inputs)
    jacobians = []
    for x in xs:
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs x
        columns = []
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = _evaluate(fn, xs)
            flat[j] = original - eps
            minus = _evaluate(fn, xs)
            flat[j] = original
            columns.append((plus - minus) / (2 * eps))
        size_out = _evaluate(fn, xs).size
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((size_out, 0)))
    return jacobians


def analytical_jacobian(fn: Fn, inputs: Sequence[Any]) -> list[np.ndarray]:
    """Reverse-mode Jacobians, one backward per output element: (outputs, elements) each."""
    xs = _float64_inputs(inputs)
    wanted = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
    out = _flat_output(fn(*xs))
    rows: list[list[np.ndarray]] = [[] for _ in wanted]
    for k in range(out.size):
        seed = np.zeros(out.shape)
        seed.reshape(-1)[k] = 1.0
        grads = _grads_or_zeros(out, wanted, seed) if out.requires_grad else \
            [np.zeros(w.size) for w in wanted]
        for row, g in zip(rows, grads):
            row.append(g)
    return [np.stack(r) if r else np.zeros((0, w.size)) for r, w in zip(rows, wanted)]


def _grads_or_zeros(out: Tensor, wanted: list[Tensor], seed: np.ndarray) -> list[np.ndarray]:
    grads = grad(out, wanted, grad_outputs=seed, retain_graph=True, allow_unused=True)
    return [np.zeros(w.size) if g is None else g.data.reshape(-1) for g, w in zip(grads, wanted)]


def _worse(current: float, value: float) -> float:
    """The larger error, where NaN counts as the largest (Python's max(0.0, nan) is 0.0)."""
    return value if np.isnan(value) or value > current else current


def _compare(analytical, numerical, atol, rtol, mode, labels) -> GradcheckResult:
    mismatches: list[tuple[float, Mismatch]] = []
    max_abs = max_rel = 0.0
    for (input_index, shape), a, n in zip(labels, analytical, numerical):
        with np.errstate(invalid="ignore"):  # inf − inf is NaN: judged below, not warned about
            diff = np.abs(a - n)
        if diff.size == 0:
            continue
        max_abs = _worse(max_abs, float(diff.max()))
        max_rel = _worse(max_rel, float((diff / np.maximum(np.abs(n), 1e-12)).max()))
        # Written so that NaN fails: a NaN or infinite derivative agrees with the other one
        # only when both are the same infinity (`diff > tol` is False for NaN).
        agree = (diff <= atol + rtol * np.abs(n)) | ((a == n) & np.isinf(a))
        bad = ~agree
        for out_k, elem in zip(*np.nonzero(bad)):
            where: tuple[int, ...] | str = (
                tuple(int(i) for i in np.unravel_index(elem, shape)) if shape is not None
                else f"projection {elem}"
            )
            mismatches.append((float(diff[out_k, elem]), Mismatch(
                input_index, where, int(out_k) if shape is not None else "u·f",
                float(a[out_k, elem]), float(n[out_k, elem]))))
    # NaN first: a NaN key leaves list.sort's order undefined, and a NaN entry could drop
    # out of the five shown behind finite ones (the check failed, but not saying where).
    mismatches.sort(key=lambda pair: -math.inf if math.isnan(pair[0]) else -pair[0])
    worst = [m for _, m in mismatches[:5]]
    return GradcheckResult(not mismatches, mode, max_abs, max_rel, worst)


def gradcheck(
    fn: Fn, inputs: Sequence[Any], *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
    raise_exception: bool = True, mode: str = "auto", n_projections: int = 4, seed: int = 0,
    max_full_elements: int = 2_000,
) -> GradcheckResult:
    """Compare reverse-mode gradients of `fn(*inputs)` with central differences in float64.

    mode "full" compares whole Jacobians; "projection" compares directional derivatives
    uᵀJv for random u, v (cheap for large inputs); "auto" picks full when
    inputs × outputs ≤ max_full_elements. Returns a truthy result; on failure raises
    GradcheckError naming the worst entries (or returns a falsy result if raise_exception=False).
    """
    xs = _float64_inputs(inputs)
    wanted_idx = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not wanted_idx:
        raise ValueError("gradcheck: no input requires grad; nothing to check")
    out_size = _evaluate(fn, xs).size
    in_size = sum(xs[i].size for i in wanted_idx)
    if mode == "auto":
        mode = "full" if out_size * in_size <= max_full_elements else "projection"
    if mode == "full":
        result = _compare(
            analytical_jacobian(fn, xs), numerical_jacobian(fn, xs, eps), atol, rtol, mode,
            [(i, xs[i].shape) for i in wanted_idx],
        )
    elif mode == "projection":
        result = _projection_check(fn, xs, wanted_idx, eps, atol, rtol, n_projections, seed)
    else:
        raise ValueError(f"gradcheck: mode must be 'auto', 'full' or 'projection', got {mode!r}")
    if not result.ok and raise_exception:
        raise GradcheckError(str(result))
    return result


def _projection_check(fn, xs, wanted_idx, eps, atol, rtol, n_projections, seed):
    rng = np.random.default_rng(seed)
    analytical, numerical = [], []
    wanted = [xs[i] for i in wanted_idx]
    for _ in range(n_projections):
        out = _flat_output(fn(*xs))
        u = rng.standard_normal(out.shape)
        directions = [rng.standard_normal(w.shape) for w in wanted]
        if out.requires_grad:
            grads = _grads_or_zeros(out, wanted, u)
        else:
            grads = [np.zeros(w.size) for w in wanted]
        analytical.append(sum(float(g @ d.reshape(-1)) for g, d in zip(grads, directions)))
        originals = [w.data.copy() for w in wanted]
        values = []
        for sign in (1.0, -1.0):
            for w, o, d in zip(wanted, originals, directions):
                w.data[...] = o + sign * eps * d
            values.append(float(u.reshape(-1) @ _evaluate(fn, xs)))
        for w, o in zip(wanted, originals):
            w.data[...] = o
        numerical.append((values[0] - values[1]) / (2 * eps))
    a = np.array(analytical).reshape(1, -1)
    n = np.array(numerical).reshape(1, -1)
    return _compare([a], [n], atol, rtol, "projection", [(-1, None)])


def gradgradcheck(
    fn: Fn, inputs: Sequence[Any], grad_outputs: Any = None, *, eps: float = 1e-6,
    atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True, mode: str = "auto",
    seed: int = 0,
) -> GradcheckResult:
    """Check second derivatives: gradcheck of x ↦ ∂(uᵀ fn(x))/∂x built with create_graph=True,
    for a fixed random (or given) u."""
    xs = _float64_inputs(inputs)
    wanted_idx = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    with no_grad():
        out_shape = _flat_output(fn(*xs)).shape
    if grad_outputs is None:
        u = np.random.default_rng(seed).standard_normal(out_shape)
    else:
        u = np.asarray(grad_outputs.data if isinstance(grad_outputs, Tensor) else grad_outputs,
                       dtype=np.float64)

    def first_derivative(*args: Any) -> Any:
        with enable_grad():  # the numerical side evaluates under no_grad; we need the graph
            return _first_derivative(*args)

    def _first_derivative(*args: Any) -> Any:
        out = _flat_output(fn(*args))
        wanted = [args[i] for i in wanted_idx]
        if not out.requires_grad:
            return Tensor(np.zeros(sum(w.size for w in wanted)))
        grads = grad(out, wanted, grad_outputs=u, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(np.zeros(w.shape))
                     for g, w in zip(grads, wanted))

    return gradcheck(first_derivative, xs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, mode=mode, seed=seed)


@dataclass
class TaylorResult:
    """Remainders |f(x + hv) − f(x) − h∇f·v| for halving h, and their successive ratios."""

    steps: list[float]
    remainders: list[float]
    ratios: list[float]
    ok: bool

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        rows = ", ".join(f"{r:.2f}" for r in self.ratios)
        return f"Taylor test {'passed' if self.ok else 'FAILED'}: remainder ratios {rows} " \
               "(≈ 4 for a correct gradient)"


def taylor_test(
    fn: Fn, inputs: Sequence[Any], *, h0: float = 1e-2, halvings: int = 5, seed: int = 0,
) -> TaylorResult:
    """Tolerance-free check for scalar `fn`: with a correct gradient the first-order Taylor
    remainder is O(h²), so halving h divides it by about 4 (a wrong gradient gives about 2).
    Remainders already at round-off level (fn linear in the direction) count as passing."""
    xs = _float64_inputs(inputs)
    wanted = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
    out = fn(*xs)
    if not isinstance(out, Tensor) or out.size != 1:
        raise ValueError("taylor_test: fn must return a single-value Tensor")
    grads = grad(out, wanted, allow_unused=True)
    rng = np.random.default_rng(seed)
    directions = [rng.standard_normal(w.shape) for w in wanted]
    slope = sum(float(np.sum(g.data * d)) for g, d in zip(grads, directions) if g is not None)
    f0 = float(out.data)
    originals = [w.data.copy() for w in wanted]
    steps, remainders = [], []
    h = h0
    for _ in range(halvings + 1):
        for w, o, d in zip(wanted, originals, directions):
            w.data[...] = o + h * d
        with no_grad():
            fh = float(fn(*xs).data)
        steps.append(h)
        remainders.append(abs(fh - f0 - h * slope))
        h /= 2
    for w, o in zip(wanted, originals):
        w.data[...] = o
    floor = 1e-11 * max(1.0, abs(f0))
    ratios = [a / b if b > floor else float("inf") for a, b in zip(remainders, remainders[1:])]
    informative = [r for r, b in zip(ratios, remainders[1:]) if b > floor]
    ok = all(3.0 <= r <= 5.5 for r in informative[-3:]) if informative else True
    # A NaN or infinite gradient (or value) never passes: NaN remainders would otherwise
    # fall out of `informative` and leave nothing to judge.
    ok = ok and bool(np.isfinite([slope, f0, *remainders]).all())
    return TaylorResult(steps, remainders, ratios, ok)
