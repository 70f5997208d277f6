"""The functional API (`am.exp`, `am.matmul`, ...): every function the op declarations in
autograd_mini/ops/ expose, by name. Nothing is written here; see ops/expose.py."""

from __future__ import annotations

from typing import Any

from . import ops  # noqa: F401  (declares the ops)
from .registry import PUBLIC, TENSOR_FUNCTIONS

globals().update({name: TENSOR_FUNCTIONS[name] for name in PUBLIC})
__all__ = list(PUBLIC)


def __getattr__(name: str) -> Any:  # names declared after this module was imported
    if name in TENSOR_FUNCTIONS:
        return TENSOR_FUNCTIONS[name]
    raise AttributeError(f"autograd_mini.functional has no function {name!r}")
