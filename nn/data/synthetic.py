"""Small seeded synthetic data sets: moons, spirals, a smooth regression target, Lorenz pairs.

Every generator takes a seed (an int or a np.random.Generator) and touches no global random
state, so the same seed always gives the same data. `make_moons` has scikit-learn's signature,
where `random_state=None` means the global default (`nn.manual_seed`, else fresh entropy).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import numpy.typing as npt

from ..generators import RNG, as_generator

Seed = int | np.random.Generator


def _rng(seed: RNG, name: str = "seed") -> np.random.Generator:
    if seed is None:
        raise ValueError(f"{name} must be a non-negative int or a np.random.Generator, got None")
    return as_generator(seed, name, ValueError)  # this module raises ValueError throughout


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _non_negative(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return number


def _float_dtype(dtype: npt.DTypeLike) -> np.dtype:
    resolved = np.dtype(dtype)
    if resolved.kind != "f":
        raise ValueError(f"dtype must be a floating dtype, got {resolved}")
    return resolved


def make_moons(
    n_samples: int | tuple[int, int] = 100,
    noise: float | None = None,
    random_state: RNG = None,
    *,
    shuffle: bool = True,
    dtype: npt.DTypeLike = np.float64,
    n: int | None = None,
    seed: RNG = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles: X (n_samples, 2), y (n_samples,) int64 in {0, 1}.

    scikit-learn's signature: `n_samples` is a total (the outer moon gets the odd point) or a
    pair (outer, inner); `noise=None` is 0; `random_state` is an int, a Generator, a
    RandomState or None (the global default, see `nn.manual_seed`). Rows are shuffled, as in
    scikit-learn (contiguous cross-validation folds of class-ordered rows would cut each moon
    into arcs); `shuffle=False` keeps them ordered by class, the points being the same. The
    older spellings `n=` and `seed=` still work.
    """
    if n is not None:
        if n_samples != 100:
            raise ValueError("make_moons: pass n_samples or its older name n, not both")
        n_samples = n
    if seed is not None:
        if random_state is not None:
            raise ValueError("make_moons: pass random_state or its older name seed, not both")
        random_state = seed
    name = "n" if n is not None else "n_samples"
    if isinstance(n_samples, tuple) and len(n_samples) == 2:
        n_outer, n_inner = (_positive_int(name, count) for count in n_samples)
    else:
        total = _positive_int(name, n_samples)
        n_outer, n_inner = total - total // 2, total // 2
    noise = 0.0 if noise is None else _non_negative("noise", noise)
    if not isinstance(shuffle, bool):
        raise ValueError(f"shuffle must be a bool, got {shuffle!r}")
    dtype = _float_dtype(dtype)
    rng = as_generator(random_state, "seed" if seed is not None else "random_state", ValueError)
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)  # (n_outer, 2) on the unit arc
    inner = np.stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1)  # shifted, flipped
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n_outer + n_inner, 2))
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n_inner, np.int64)])
    if shuffle:  # after the noise, so shuffle=False and True draw the same points
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X.astype(dtype), y


def make_spirals(
    n_per_class: int,
    n_classes: int,
    noise: float,
    seed: Seed,
    *,
    dtype: npt.DTypeLike = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms (CS231n style): X (n_per_class·n_classes, 2), y int64 by class."""
    n_per_class = _positive_int("n_per_class", n_per_class)
    n_classes = _positive_int("n_classes", n_classes)
    noise = _non_negative("noise", noise)
    dtype = _float_dtype(dtype)
    rng = _rng(seed)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)  # (n,)
    labels = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)  # (n,)
    # Each arm sweeps 4 radians; arm k starts where arm k-1 ends, so arms interleave evenly.
    sweep = np.tile(np.linspace(0.0, 4.0, n_per_class), n_classes)
    angle = 4.0 * labels + sweep + noise * rng.standard_normal(radius.shape)
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return X.astype(dtype), labels


def smooth_target(X: np.ndarray) -> np.ndarray:
    """f(x) = sin(2π·mean(x)) + exp(−4·‖x − ½‖² / d) for x in [0, 1]^d; returns shape (n, 1)."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] < 1:
        raise ValueError(f"X must have shape (n, dim) with dim >= 1, got {X.shape}")
    d = X.shape[1]
    wave = np.sin(2.0 * np.pi * X.mean(axis=1))  # varies along the diagonal
    bump = np.exp(-4.0 * np.sum((X - 0.5) ** 2, axis=1) / d)  # peaks at the cube's centre
    target: np.ndarray = (wave + bump)[:, None]
    return target


def make_smooth_function(
    n: int,
    dim: int,
    seed: Seed,
    *,
    noise: float = 0.0,
    dtype: npt.DTypeLike = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """X uniform on [0, 1]^dim (n, dim) and y = smooth_target(X) + noise·N(0, 1), shape (n, 1)."""
    n = _positive_int("n", n)
    dim = _positive_int("dim", dim)
    noise = _non_negative("noise", noise)
    dtype = _float_dtype(dtype)
    rng = _rng(seed)
    X = rng.uniform(0.0, 1.0, size=(n, dim))
    y = smooth_target(X) + noise * rng.standard_normal((n, 1))
    return X.astype(dtype), y.astype(dtype)


def lorenz_derivative(
    state: np.ndarray, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0
) -> np.ndarray:
    """d(x, y, z)/dt = (σ(y − x), x(ρ − z) − y, xy − βz) for states of shape (..., 3)."""
    x, y, z = state[..., 0], state[..., 1], state[..., 2]
    return np.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z], axis=-1)


def rk4_step(
    state: np.ndarray, dt: float, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0
) -> np.ndarray:
    """One classical Runge-Kutta step of the Lorenz system for states of shape (..., 3)."""
    k1 = lorenz_derivative(state, sigma, rho, beta)
    k2 = lorenz_derivative(state + 0.5 * dt * k1, sigma, rho, beta)
    k3 = lorenz_derivative(state + 0.5 * dt * k2, sigma, rho, beta)
    k4 = lorenz_derivative(state + dt * k3, sigma, rho, beta)
    new_state: np.ndarray = state + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return new_state


def make_lorenz(
    n_steps: int,
    dt: float = 0.01,
    sigma: float = 10.0,
    rho: float = 28.0,
    beta: float = 8.0 / 3.0,
    *,
    seed: Seed,
    burn_in: int = 1000,
    normalize: bool = False,
    dtype: npt.DTypeLike = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """RK4 trajectory of the Lorenz system as pairs (X_t, X_{t+1}), each (n_steps, 3)."""
    n_steps = _positive_int("n_steps", n_steps)
    if isinstance(burn_in, bool) or not isinstance(burn_in, numbers.Integral) or burn_in < 0:
        raise ValueError(f"burn_in must be a non-negative int, got {burn_in!r}")
    if _non_negative("dt", dt) == 0.0:
        raise ValueError("dt must be positive, got 0")
    for name, value in (("sigma", sigma), ("rho", rho), ("beta", beta)):
        _non_negative(name, value)
    if not isinstance(normalize, bool):
        raise ValueError(f"normalize must be a bool, got {normalize!r}")
    dtype = _float_dtype(dtype)
    rng = _rng(seed)
    state = np.array([1.0, 1.0, 1.0]) + rng.standard_normal(3)
    for _ in range(burn_in):  # let the transient die out so the samples lie on the attractor
        state = rk4_step(state, dt, sigma, rho, beta)
    trajectory = np.empty((n_steps + 1, 3))
    trajectory[0] = state
    for t in range(n_steps):
        trajectory[t + 1] = rk4_step(trajectory[t], dt, sigma, rho, beta)
    if normalize:
        # One mean and std for the whole trajectory, so X_{t+1} stays the same map of X_t.
        std = trajectory.std(axis=0)
        trajectory = (trajectory - trajectory.mean(axis=0)) / np.where(std > 0, std, 1.0)
    trajectory = trajectory.astype(dtype)
    return trajectory[:-1].copy(), trajectory[1:].copy()  # independent arrays, not views
