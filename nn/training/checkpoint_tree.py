"""The tree of a training checkpoint, checked in one place before anything is restored.

A checkpoint that reads as a file can still hold the wrong tree: a key missing, a list where a
number belongs, another version's layout, a random generator's state that numpy refuses. Each
of these used to surface as its own traceback from deep inside a restore (a KeyError in the
Trainer, an OverflowError in numpy's PCG64, a TypeError in History). `check_training_state`
walks the whole tree first and raises one `CheckpointError` naming the entry and what was
expected, so a resume either succeeds or changes nothing and says why.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .checkpoint import GLOBAL_NUMPY, CheckpointError
from .history import COLUMNS

__all__ = ["CHECKPOINT_KIND", "CHECKPOINT_VERSION", "check_training_state"]

CHECKPOINT_KIND = "autograd_mini.training.checkpoint"
CHECKPOINT_VERSION = 1


class _Wrong(Exception):
    """One entry of the tree is wrong: (path, what was expected, what was found)."""


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (None)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"{type(value).__name__} {value!r:.40}"


def _fail(path: str, expected: str, value: Any) -> None:
    raise _Wrong(f"{path} should be {expected}, found {_kind(value)}")


def _entry(tree: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in tree:
        raise _Wrong(f"{path}/{key} is missing" if path else f"{key!r} is missing")
    return tree[key]


def _dict(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(path, "a dict", value)
    return value


def _int(value: Any, path: str, low: int = 0, none: bool = False) -> None:
    if none and value is None:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < low:
        _fail(path, f"an integer >= {low}" + (" or None" if none else ""), value)


def _real(value: Any, path: str, none: bool = False) -> None:
    if none and value is None:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        _fail(path, "a number" + (" or None" if none else ""), value)


def _arrays(value: Any, path: str) -> None:
    for name, array in _dict(value, path).items():
        if not isinstance(array, np.ndarray):
            _fail(f"{path}/{name}", "an array", array)


def _generator_state(value: Any, path: str, legacy: bool = False) -> None:
    """A state numpy accepts: tried on a fresh generator, never on the live ones."""
    state = _dict(value, path)
    name = state.get("bit_generator")
    bit_generator = getattr(np.random, name, None) if isinstance(name, str) else None
    if not (isinstance(bit_generator, type) and issubclass(bit_generator, np.random.BitGenerator)):
        _fail(f"{path}/bit_generator", "the name of a numpy bit generator", name)
    try:
        if legacy:  # numpy's global RandomState (with its cached Gaussian)
            np.random.RandomState().set_state(copy.deepcopy(dict(state)))
        else:
            bit_generator().state = copy.deepcopy(dict(state))
    except (TypeError, ValueError, KeyError, IndexError, OverflowError, AttributeError) as error:
        raise _Wrong(f"{path} is not a state numpy's {name} accepts ({type(error).__name__}: "
                     f"{error})") from None


def _same_layout(saved: Any, live: Any, path: str) -> None:
    """`saved` has the keys, lengths and kinds of value of `live` (a fresh object's state)."""
    if live is None:
        return  # unset in a fresh object: any value may have been saved
    if isinstance(live, (bool, np.bool_)):
        if not isinstance(saved, (bool, np.bool_)):
            _fail(path, "true or false", saved)
    elif isinstance(live, numbers.Real):
        _real(saved, path)
    elif isinstance(live, str):
        if not isinstance(saved, str):
            _fail(path, "a string", saved)
    elif isinstance(live, np.ndarray):
        if not isinstance(saved, np.ndarray) or saved.shape != live.shape:
            _fail(path, f"an array of shape {live.shape}", saved)
    elif isinstance(live, (list, tuple)):
        if not isinstance(saved, (list, tuple)) or len(saved) != len(live):
            _fail(path, f"a list of {len(live)}", saved)
        for i, (a, b) in enumerate(zip(saved, live)):
            _same_layout(a, b, f"{path}/{i}")
    elif isinstance(live, Mapping):
        saved = _dict(saved, path)
        for key, value in live.items():
            _same_layout(_entry(saved, key, path), value, f"{path}/{key}")


def _optimizer(value: Any, path: str) -> None:
    state = _dict(value, path)
    for key, entry in _dict(_entry(state, "state", path), f"{path}/state").items():
        _int(int(key) if isinstance(key, str) and key.isdigit() else key, f"{path}/state/{key}")
        _dict(entry, f"{path}/state/{key}")
    groups = _entry(state, "param_groups", path)
    if not isinstance(groups, (list, tuple)):
        _fail(f"{path}/param_groups", "a list", groups)
    for i, group in enumerate(groups):
        params = _entry(_dict(group, f"{path}/param_groups/{i}"), "params",
                        f"{path}/param_groups/{i}")
        if not isinstance(params, (list, tuple)):
            _fail(f"{path}/param_groups/{i}/params", "a list", params)


def _loader(value: Any, path: str) -> None:
    state = _dict(value, path)
    for key in ("epoch", "batch", "num_samples"):
        _int(_entry(state, key, path), f"{path}/{key}")
    _generator_state(_entry(state, "bit_generator", path), f"{path}/bit_generator")


def _history(value: Any, path: str) -> None:
    history = _dict(value, path)
    metric = history.get("metric")
    if metric is not None and not isinstance(metric, str):
        _fail(f"{path}/metric", "a metric name or None", metric)
    lengths = set()
    for column in COLUMNS:
        values = history.get(column)
        if values is None:
            continue
        if not isinstance(values, (list, tuple)):
            _fail(f"{path}/{column}", "a list of numbers", values)
        for i, item in enumerate(values):
            (_int if column == "epoch" else _real)(item, f"{path}/{column}/{i}", none=True)
        if values:
            lengths.add(len(values))
    if len(lengths) > 1:
        raise _Wrong(f"{path}: the columns have different lengths {sorted(lengths)}")


def _running_epoch(value: Any, path: str) -> None:
    if value is None:
        return
    running = _dict(value, path)
    for key in ("samples", "batches"):
        _int(_entry(running, key, path), f"{path}/{key}")
    for key in ("loss_sum", "seconds"):
        _real(_entry(running, key, path), f"{path}/{key}")
    metric = running.get("metric")
    if metric is not None:
        for key, item in _dict(metric, f"{path}/metric").items():
            _real(item, f"{path}/metric/{key}")


def _best(value: Any, path: str) -> None:
    best = _dict(value, path)
    if not isinstance(_entry(best, "monitor", path), str):
        _fail(f"{path}/monitor", "a column name", best["monitor"])
    _real(_entry(best, "value", path), f"{path}/value", none=True)
    _int(_entry(best, "epoch", path), f"{path}/epoch", none=True)
    _int(_entry(best, "wait", path), f"{path}/wait")


def _check(state: Any, like: Mapping[str, Any] | None) -> None:
    state = _dict(state, "the checkpoint")
    if state.get("kind") != CHECKPOINT_KIND:
        raise _Wrong(f"not a training checkpoint (kind {state.get('kind')!r:.40}, expected "
                     f"{CHECKPOINT_KIND!r}; written by something else?)")
    version = state.get("version")
    if version != CHECKPOINT_VERSION or isinstance(version, bool):
        raise _Wrong(f"training checkpoint version {version!r:.40} is not supported (this "
                     f"version reads {CHECKPOINT_VERSION})")
    _dict(_entry(state, "config", ""), "config")
    for key in ("epochs", "epoch", "step"):
        _int(_entry(state, key, ""), key)
    if not isinstance(_entry(state, "stop_training", ""), (bool, np.bool_)):
        _fail("stop_training", "true or false", state["stop_training"])
    _arrays(_entry(state, "model", ""), "model")
    _optimizer(_entry(state, "optimizer", ""), "optimizer")
    scheduler = _entry(state, "scheduler", "")
    if scheduler is not None:
        _dict(scheduler, "scheduler")
    _loader(_entry(state, "loader", ""), "loader")
    for name, generator in _dict(_entry(state, "generators", ""), "generators").items():
        _generator_state(generator, f"generators/{name}", legacy=name == GLOBAL_NUMPY)
    _history(_entry(state, "history", ""), "history")
    _running_epoch(_entry(state, "running_epoch", ""), "running_epoch")
    _best(_entry(state, "best", ""), "best")
    if _entry(state, "best_model", "") is not None:
        _arrays(state["best_model"], "best_model")
    monitor = state.get("gradient_monitor")  # absent in older checkpoints
    if monitor is not None:
        _dict(monitor, "gradient_monitor")
    if like is not None:  # the parts whose layout only the live objects know
        if scheduler is not None and like.get("scheduler") is not None:
            _same_layout(scheduler, like["scheduler"], "scheduler")
        if state["best_model"] is not None and like.get("model") is not None:
            _same_layout(state["best_model"], like["model"], "best_model")


def check_training_state(state: Any, like: Mapping[str, Any] | None = None) -> None:
    """Raise CheckpointError naming the first entry of a training checkpoint's tree that is
    missing or of the wrong kind. `like` (a live Trainer's `state_dict()`) adds the checks
    that depend on the objects being restored, such as the scheduler's fields."""
    try:
        _check(state, like)
    except _Wrong as wrong:
        raise CheckpointError(str(wrong)) from None
