"""The workloads of issue 6, one module each, registered by name.

A workload module defines `TITLE`, `UNIT`, `cases(quick) -> list[Case]`,
`measure(framework, params, budget_s) -> dict` (run inside a worker process; returns at least
`seconds`, the median time of one unit of work) and `display(seconds, params) -> float` (the
number shown in the table, in `UNIT`). Ratios to PyTorch always compare `seconds`.
"""

from __future__ import annotations

from types import ModuleType

from . import deep_chain, jacobian, lenet, lstm, mlp, mnist, mnist_cnn, moons, ops, pde, perop
from .case import Case

WORKLOADS: dict[str, ModuleType] = {
    "mlp": mlp,
    "perop": perop,
    "moons": moons,
    "deep": deep_chain,
    "mnist": mnist,
    "mnist_cnn": mnist_cnn,
    "lenet": lenet,
    "lstm": lstm,
    "pde": pde,
    "jacobian": jacobian,
    "ops": ops,
}
DEFAULT = ("mlp", "perop", "moons", "deep")  # mnist(_cnn) take minutes: only when named

__all__ = ["Case", "DEFAULT", "WORKLOADS"]
