"""nn.manual_seed: one global default behind every rng=None, and how it meets explicit rng=."""

from __future__ import annotations

import numpy as np
import pytest

import nn
import nn.generators


@pytest.fixture(autouse=True)
def _unseeded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nn.generators, "_stream", None)  # restored after each test


def _build() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    layer = nn.Linear(3, 4)
    mask = nn.Dropout(0.5)(np.ones((2, 8))).data
    order = np.concatenate([xb[:, 0] for xb, _ in nn.data.DataLoader(
        np.arange(10.0)[:, None], np.zeros(10), batch_size=3, shuffle=True)])
    X, _ = nn.data.make_moons(20, 0.1)
    return layer.weight.data, mask, order, X


def test_manual_seed_makes_every_rng_none_reproducible() -> None:
    nn.manual_seed(0)
    first = _build()
    nn.manual_seed(0)
    again = _build()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    nn.manual_seed(1)
    assert not np.array_equal(_build()[0], first[0])


def test_without_manual_seed_rng_none_is_fresh_entropy() -> None:
    assert not np.array_equal(nn.Linear(3, 4).weight.data, nn.Linear(3, 4).weight.data)


def test_an_explicit_rng_ignores_and_does_not_advance_the_global_stream() -> None:
    alone = nn.Linear(3, 4, rng=5).weight.data
    nn.manual_seed(0)
    seeded = nn.Linear(3, 4, rng=5).weight.data
    np.testing.assert_array_equal(alone, seeded)
    after_explicit = nn.Linear(3, 4).weight.data
    nn.manual_seed(0)
    np.testing.assert_array_equal(nn.Linear(3, 4).weight.data, after_explicit)


@pytest.mark.parametrize(("seed", "error"), [(-1, ValueError), (1.5, TypeError),
                                             ("0", TypeError), (True, TypeError)])
def test_manual_seed_refuses_what_is_not_a_seed(seed: object, error: type) -> None:
    with pytest.raises(error, match="manual_seed: seed must be"):
        nn.manual_seed(seed)  # type: ignore[arg-type]
