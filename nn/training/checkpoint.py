"""Training checkpoints: atomic writes through nn.save, clear errors, and every RNG's state.

A checkpoint is a nested dict written with `nn.serialization.save` (a no-pickle .npz, written
to a temporary file and renamed), so a crash or a full disk leaves the previous checkpoint in
place. `generator_states` finds every `np.random.Generator` held by a module (e.g. Dropout's)
so that a resumed run draws exactly the random numbers the uninterrupted run would have.
"""

from __future__ import annotations

import copy
import errno
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..module import Module
from ..serialization import SerializationError, load, save

__all__ = [
    "CheckpointError", "check_writable", "find_generators", "generator_states",
    "load_checkpoint", "restore_generator_states", "save_checkpoint",
]

GLOBAL_NUMPY = "numpy.random (global)"


class CheckpointError(RuntimeError):
    """A checkpoint or output file could not be written or read (the message says why)."""


def _reason(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only or not writable)"
    return error.strerror or str(error)


def check_writable(directory: str | os.PathLike[str]) -> Path:
    """Create `directory` if needed and prove a file can be written there, or raise."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{secrets.token_hex(4)}"
        with open(probe, "wb") as file:
            file.write(b"ok")
        probe.unlink()
    except OSError as error:
        reason, detail = _reason(error), error.strerror or str(error)
        extra = f" ({detail})" if detail != reason else ""
        raise CheckpointError(f"cannot write to output directory {path}: {reason}{extra}") \
            from error
    return path


def save_checkpoint(state: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write `state` atomically to `path` (parents created); the old file survives a failure."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        save(dict(state), target)
    except OSError as error:
        reason, detail = _reason(error), error.strerror or str(error)
        extra = f" [{detail}]" if detail != reason else ""
        kept = "; the previous checkpoint is kept" if target.exists() else ""
        raise CheckpointError(f"could not write checkpoint {target}: {reason}{extra}{kept}") \
            from error
    return target


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint written by `save_checkpoint`, or raise CheckpointError."""
    target = Path(path)
    try:
        state = load(target)
    except FileNotFoundError as error:
        raise CheckpointError(f"no checkpoint at {target}") from error
    except (OSError, SerializationError) as error:
        raise CheckpointError(f"cannot read checkpoint {target}: {error}") from error
    if not isinstance(state, dict):
        raise CheckpointError(f"{target} holds a {type(state).__name__}, not a checkpoint dict")
    return state


def find_generators(model: Module) -> dict[str, np.random.Generator]:
    """Every np.random.Generator attribute of `model` and its submodules, by dotted name."""
    found: dict[str, np.random.Generator] = {}
    for path, module in model.named_modules():
        for attribute, value in vars(module).items():
            if isinstance(value, np.random.Generator):
                found[f"{path}.{attribute}" if path else attribute] = value
    return found


def generator_states(
    model: Module | None, extra: Mapping[str, np.random.Generator] | None = None
) -> dict[str, Any]:
    """Bit-generator states of the model's generators, of `extra`, and of numpy's global RNG."""
    generators = dict(find_generators(model)) if model is not None else {}
    generators.update(extra or {})
    states = {name: copy.deepcopy(g.bit_generator.state) for name, g in generators.items()}
    states[GLOBAL_NUMPY] = np.random.get_state(legacy=False)
    return states


def restore_generator_states(
    model: Module | None,
    states: Mapping[str, Any],
    extra: Mapping[str, np.random.Generator] | None = None,
) -> None:
    """Put back states saved by `generator_states`; a generator missing from either raises."""
    generators = dict(find_generators(model)) if model is not None else {}
    generators.update(extra or {})
    saved = {name: state for name, state in states.items() if name != GLOBAL_NUMPY}
    if set(saved) != set(generators):
        raise CheckpointError(
            f"the checkpoint holds random generators {sorted(saved)} but the model has "
            f"{sorted(generators)}; was it written for a different model?"
        )
    for name, generator in generators.items():
        try:
            generator.bit_generator.state = copy.deepcopy(saved[name])
        except (TypeError, ValueError, KeyError) as error:
            raise CheckpointError(f"cannot restore generator {name!r}: {error}") from error
    if GLOBAL_NUMPY in states:
        np.random.set_state(states[GLOBAL_NUMPY])
