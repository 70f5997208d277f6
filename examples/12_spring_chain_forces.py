# %%
"""12 - Forces from an energy written in plain numpy: a hanging chain of springs.

A physicist writes the potential energy of a system in numpy and wants the forces F = −∇E.
Here the only change to plain numpy code is the import line, `import autograd_mini.numpy as
np`; `am.grad` then differentiates the energy exactly (no finite differences, no hand-derived
formula). The system: n free masses in the plane joined in a chain by springs, both ends
pinned to the ceiling. Spring j joins points p_j and p_{j+1}, with stiffness k and rest length
ℓ, and each mass m feels gravity g:

    E(p) = Σ_j ½ k (|p_{j+1} − p_j| − ℓ)²  +  Σ_i m g y_i

By hand, spring j pulls its two ends together with tension T_j = k (L_j − ℓ) along the unit
vector u_j = (p_{j+1} − p_j) / L_j, so

    F_i = T_i u_i − T_{i−1} u_{i−1} − m g ŷ.

The script checks the autograd forces against this formula at a random configuration, relaxes
the chain to rest by gradient descent on E (it sags into a catenary-like curve; the net force
falls to round-off), then lets it swing with velocity Verlet from a displaced start, driven by
the same autograd forces: total energy is conserved to O(dt²), the sign of correct forces.

Run:  python examples/12_spring_chain_forces.py [--quick] [--masses N] [--seed N]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy

import autograd_mini as am
import autograd_mini.numpy as np  # the only line that differs from plain numpy code

K, REST, MASS, G = 50.0, 0.25, 0.1, 9.81  # stiffness N/m, rest length m, mass kg, gravity m/s²



# %% [markdown]
# ## The physics, in plain numpy style
#
# Nothing below knows about autograd: these functions run on plain arrays (giving numpy's
# results) and on Tensors (recording the graph) alike.

# %%
def chain_points(positions, span):
    """The free masses (n, 2) with the two pinned ends (0, 0) and (span, 0) added."""
    left = np.array([[0.0, 0.0]])
    right = np.array([[span, 0.0]])
    return np.concatenate([left, positions, right], axis=0)  # (n + 2, 2)


def potential_energy(positions, span):
    """Spring energy plus gravity, E(p) = Σ ½k(L − ℓ)² + Σ m g y."""
    points = chain_points(positions, span)
    segments = points[1:] - points[:-1]  # (n + 1, 2)
    lengths = np.sqrt(np.sum(segments ** 2, axis=1))  # (n + 1,)
    springs = 0.5 * K * np.sum((lengths - REST) ** 2)
    gravity = MASS * G * np.sum(positions[:, 1])
    return springs + gravity


# %%
def analytic_forces(positions, span):
    """F_i = T_i u_i − T_{i−1} u_{i−1} − m g ŷ, derived by hand (plain numpy arrays)."""
    points = numpy.concatenate([[[0.0, 0.0]], positions, [[span, 0.0]]])
    segments = points[1:] - points[:-1]
    lengths = numpy.linalg.norm(segments, axis=1, keepdims=True)
    pull = K * (lengths - REST) * segments / lengths  # T_j u_j, (n + 1, 2)
    forces = pull[1:] - pull[:-1]
    forces[:, 1] -= MASS * G
    return forces



# %% [markdown]
# ## Autograd does the calculus
#
# F = −∇E is one `am.grad` call; relaxing to rest and integrating the motion only use it.

# %%
def autograd_forces(positions: numpy.ndarray, span: float) -> tuple[numpy.ndarray, float]:
    """F = −∇E by reverse mode, and E itself."""
    p = am.tensor(positions, requires_grad=True)
    energy = potential_energy(p, span)
    (grad,) = am.grad(energy, p)
    return -grad.data, energy.item()


def relax(positions: numpy.ndarray, span: float, steps: int, lr: float) -> numpy.ndarray:
    """Gradient descent on E: p ← p + lr·F (lr below 2/k keeps it stable)."""
    for _ in range(steps):
        forces, _ = autograd_forces(positions, span)
        positions = positions + lr * forces
    return positions


# %%
def swing(positions: numpy.ndarray, span: float, steps: int, dt: float) -> list[float]:
    """Velocity Verlet from rest; returns the total energy at each step."""
    velocity = numpy.zeros_like(positions)
    forces, energy = autograd_forces(positions, span)
    totals = [energy]
    for _ in range(steps):
        velocity = velocity + 0.5 * dt * forces / MASS
        positions = positions + dt * velocity
        forces, energy = autograd_forces(positions, span)
        velocity = velocity + 0.5 * dt * forces / MASS
        totals.append(energy + 0.5 * MASS * float(numpy.sum(velocity ** 2)))
    return totals


# %%
def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Check autograd forces against the hand-derived ones, relax the chain, let it swing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer masses and steps (CI)")
    parser.add_argument("--masses", type=int, default=12, help="free masses in the chain")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n = 6 if args.quick else args.masses
    relax_steps, swing_steps = (1500, 200) if args.quick else (6000, 2000)
    span = 0.8 * REST * (n + 1)  # the ends are closer than the chain's rest length
    rng = numpy.random.default_rng(args.seed)

    # 1. Forces at a random configuration: autograd against the formula.
    start = numpy.stack([numpy.linspace(0, span, n + 2)[1:-1], -0.1 * numpy.ones(n)], axis=1)
    random_positions = start + 0.05 * rng.normal(size=(n, 2))
    forces, energy = autograd_forces(random_positions, span)
    expected = analytic_forces(random_positions, span)
    force_error = float(numpy.max(numpy.abs(forces - expected)))
    plain_energy = potential_energy(random_positions, span)  # same code on arrays: numpy
    print(f"chain of {n} masses, span {span:.2f} m, k = {K} N/m, rest length {REST} m")
    print(f"  E at a random configuration: {energy:.6f} J (plain numpy: {plain_energy:.6f} J)")
    print(f"  max |F_autograd − F_by_hand| = {force_error:.2e} N "
          f"(forces up to {numpy.max(numpy.abs(expected)):.2f} N)")

    # 2. Rest: gradient descent until the net force on every mass vanishes.
    rest = relax(random_positions, span, relax_steps, lr=0.5 / K)
    residual = float(numpy.max(numpy.abs(analytic_forces(rest, span))))
    sag = float(-numpy.min(rest[:, 1]))
    symmetric = float(numpy.max(numpy.abs(rest[:, 1] - rest[::-1, 1])))
    print(f"  at rest after {relax_steps} steps: residual force {residual:.2e} N, "
          f"sag {sag:.3f} m, left-right asymmetry {symmetric:.1e} m")

    # 3. Swing: velocity Verlet with the autograd forces conserves the total energy.
    dt = 2e-3
    displaced = rest + numpy.array([0.05, 0.0])  # shifted sideways, released from rest
    totals = swing(displaced, span, swing_steps, dt)
    drift = float((max(totals) - min(totals)) / abs(totals[0] - potential_energy(rest, span)))
    print(f"  swinging {swing_steps} steps of {dt} s: total energy varies by {drift:.1e} of "
          f"the energy put in")
    return {"masses": n, "force_error": force_error, "force_scale":
            float(numpy.max(numpy.abs(expected))), "energy": energy,
            "plain_energy": float(plain_energy), "residual_force": residual, "sag": sag,
            "asymmetry": symmetric, "energy_drift": drift}


# %% [markdown]
# ## Run
#
# From a shell: `python examples/12_spring_chain_forces.py [--quick] [--masses N] [--seed N]`.
# In a notebook, put the same flags into `ARGS` below (for example `["--quick"]`) and run
# the cells; `result` holds what `main` returns.

# %% tags=["parameters"]
ARGS: list[str] = sys.argv[1:] if "ipykernel" not in sys.modules else []

# %%
if __name__ == "__main__":
    result = main(ARGS)
