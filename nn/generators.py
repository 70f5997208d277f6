"""Random generators: an explicit `rng=` / `seed=` wherever nn draws, and one global default.

`rng=None` (the default of layers, Dropout, DataLoader, the data sets) means a fresh,
unpredictable generator — unless `nn.manual_seed(s)` was called: from then on each `rng=None`
gets the next child of one stream seeded by s, so a script that starts with `nn.manual_seed(0)`
builds the same weights, dropout masks and shuffles on every run (PyTorch's `torch.manual_seed`).
An explicit `rng=` (an int or a Generator) is used as given and never draws from that stream.
numpy only, so `nn.data` can use it too.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["RNG", "as_generator", "manual_seed"]

RNG = np.random.Generator | np.random.RandomState | int | None

# Children are spawned from a SeedSequence, not drawn from a shared Generator: each layer or
# loader owns its stream, so checkpointing one (DataLoader, Dropout) cannot disturb another.
_stream: np.random.SeedSequence | None = None


def _seed(name: str, value: object, type_error: type[Exception] = TypeError) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise type_error(f"{name} must be None, a non-negative int seed or a "
                         f"np.random.Generator, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative int seed, got {value!r}")
    return int(value)


def manual_seed(seed: int) -> None:
    """Make every later `rng=None` reproducible: children of one stream seeded by `seed`.

    Also resets the stream: calling it again with the same seed replays the same generators.
    Explicit `rng=` arguments are unaffected; numpy's own global state is not touched."""
    global _stream
    _stream = np.random.SeedSequence(_seed("manual_seed: seed", seed))


def as_generator(
    rng: RNG, name: str = "rng", type_error: type[Exception] = TypeError
) -> np.random.Generator:
    """A Generator unchanged, a non-negative int as a seed, None as the global default (fresh
    entropy, or the next child of `manual_seed`'s stream), a legacy RandomState (scikit-learn's
    `random_state`) as a seed drawn from it. `type_error` is raised for other types."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        if _stream is None:
            return np.random.default_rng()
        return np.random.default_rng(_stream.spawn(1)[0])
    if isinstance(rng, np.random.RandomState):
        return np.random.default_rng(rng.randint(2**31 - 1))
    return np.random.default_rng(_seed(name, rng, type_error))
