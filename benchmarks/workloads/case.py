"""One row of a workload's table: its parameters and the frameworks that run it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """A workload configuration, measured once per (framework, repetition) in a subprocess."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    frameworks: tuple[str, ...] = ()
    budget_s: float = 1.0  # timed seconds per worker (at least `min_samples` calls are made)
    timeout_s: float = 300.0  # a worker still running then is recorded as a timeout
    max_reps: int | None = None  # cap repetitions for cases that take long per run
