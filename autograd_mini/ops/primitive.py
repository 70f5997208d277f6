"""Deprecated (0.1.0): `Primitive` and `REGISTRY` live in autograd_mini.registry (also exported
by autograd_mini.ops). Importing them from here still works, with a DeprecationWarning, until
the next release."""

from __future__ import annotations

import warnings
from typing import Any

_MOVED = ("Primitive", "REGISTRY")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from .. import registry

        warnings.warn(f"autograd_mini.ops.primitive.{name} is deprecated: import it from "
                      "autograd_mini.ops", DeprecationWarning, stacklevel=2)
        return getattr(registry, name)
    raise AttributeError(f"module 'autograd_mini.ops.primitive' has no attribute {name!r}")
