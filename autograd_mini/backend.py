"""Deprecated (0.1.0): the two namespaces a VJP is evaluated with are now built from the op
declarations, as `engine.NUMPY_MODE` (arrays) and `engine.TENSOR_MODE` (Tensors). `NUMPY` and
`TENSOR` still name them here, with a DeprecationWarning, until the next release."""

from __future__ import annotations

import warnings
from typing import Any

_MOVED = {"NUMPY": "NUMPY_MODE", "TENSOR": "TENSOR_MODE"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from . import engine

        warnings.warn(f"autograd_mini.backend.{name} is deprecated: use "
                      f"autograd_mini.engine.{_MOVED[name]}", DeprecationWarning, stacklevel=2)
        return getattr(engine, _MOVED[name])
    raise AttributeError(f"module 'autograd_mini.backend' has no attribute {name!r}")
