"""Synthetic data sets: shapes, exact geometry at zero noise, seeding, RK4 order, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data import make_lorenz, make_moons, make_smooth_function, make_spirals, smooth_target
from nn.data.synthetic import lorenz_derivative


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.floats(0, 1), st.integers(0, 2**32))
def test_moons_shapes_and_reproducibility(n: int, noise: float, seed: int) -> None:
    X, y = make_moons(n, noise, seed)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.dtype == np.int64 and np.bincount(y, minlength=2).tolist() == [n - n // 2, n // 2]
    X2, y2 = make_moons(n, noise, seed)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_moons_lie_on_their_arcs_without_noise() -> None:
    X, y = make_moons(101, 0.0, 0)
    outer, inner = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0)
    assert (outer[:, 1] >= -1e-12).all() and (inner[:, 1] <= 0.5 + 1e-12).all()


def test_noise_scales_the_deviation_from_the_arcs() -> None:
    X_clean, _ = make_moons(4000, 0.0, 0)
    X_noisy, _ = make_moons(4000, 0.2, 0)
    assert np.std(X_noisy - X_clean) == pytest.approx(0.2, rel=0.05)


def test_seed_and_generator() -> None:
    assert not np.array_equal(make_moons(50, 0.1, 1)[0], make_moons(50, 0.1, 2)[0])
    rng = np.random.default_rng(7)
    first, second = make_moons(50, 0.1, rng)[0], make_moons(50, 0.1, rng)[0]
    assert not np.array_equal(first, second)  # a Generator is advanced, not reset
    np.testing.assert_array_equal(first, make_moons(50, 0.1, np.random.default_rng(7))[0])


def test_dtype_argument() -> None:
    assert make_moons(10, 0.1, 0, dtype=np.float32)[0].dtype == np.float32
    assert make_spirals(5, 3, 0.1, 0, dtype=np.float32)[0].dtype == np.float32
    X, y = make_smooth_function(10, 3, 0, dtype=np.float32)
    assert X.dtype == y.dtype == np.float32
    assert make_lorenz(10, seed=0, burn_in=0, dtype=np.float32)[1].dtype == np.float32


def test_spirals_geometry() -> None:
    X, y = make_spirals(50, 3, 0.0, 0)
    assert X.shape == (150, 2) and np.bincount(y).tolist() == [50, 50, 50]
    radius = np.linspace(0.0, 1.0, 50)
    for k in range(3):
        np.testing.assert_allclose(np.hypot(*X[y == k].T), radius, atol=1e-12)
    # Without noise, arm k is arm 0 rotated by 4k radians (clockwise in this (sin, cos) layout).
    c, s = np.cos(4.0), np.sin(4.0)
    rotate = np.array([[c, -s], [s, c]])
    np.testing.assert_allclose(X[y == 1], X[y == 0] @ rotate, atol=1e-12)


def test_spirals_noise_moves_angles_not_radii() -> None:
    X, y = make_spirals(40, 2, 0.3, 0)
    clean, _ = make_spirals(40, 2, 0.0, 0)
    np.testing.assert_allclose(np.hypot(*X.T), np.hypot(*clean.T), atol=1e-12)
    assert not np.allclose(X, clean)


def test_smooth_function_matches_documented_formula() -> None:
    X, y = make_smooth_function(500, 4, 0)
    assert X.shape == (500, 4) and y.shape == (500, 1)
    assert X.min() >= 0.0 and X.max() <= 1.0
    mean, dist2 = X.mean(axis=1), ((X - 0.5) ** 2).sum(axis=1)
    np.testing.assert_allclose(y[:, 0], np.sin(2 * np.pi * mean) + np.exp(-dist2))
    corners = np.array([[0.5, 0.5, 0.5], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(smooth_target(corners)[:, 0], [1.0, np.exp(-1.0)], atol=1e-12)


def test_smooth_function_noise() -> None:
    X, y = make_smooth_function(5000, 2, 0, noise=0.1)
    assert np.std(y - smooth_target(X)) == pytest.approx(0.1, rel=0.05)


def test_lorenz_pairs_and_attractor() -> None:
    X, Y = make_lorenz(2000, seed=0)
    assert X.shape == Y.shape == (2000, 3)
    np.testing.assert_array_equal(X[1:], Y[:-1])
    assert np.abs(X[:, :2]).max() < 30 and 0 < X[:, 2].min() and X[:, 2].max() < 60
    Y[0] = np.nan
    assert not np.isnan(X).any()  # X and Y do not share memory


def test_lorenz_fixed_point_is_stationary() -> None:
    beta, rho = 8.0 / 3.0, 28.0
    centre = np.array([np.sqrt(beta * (rho - 1)), np.sqrt(beta * (rho - 1)), rho - 1])
    np.testing.assert_allclose(
        lorenz_derivative(np.stack([centre, -centre * [1, 1, -1]])), 0.0, atol=1e-12
    )


def test_lorenz_rk4_converges_at_fourth_order() -> None:
    # Integrate to t = 0.5 with dt, dt/2, dt/4: successive differences shrink by 2**4 = 16.
    ends = [make_lorenz(50 * 2**k, dt=0.01 / 2**k, seed=3, burn_in=0)[1][-1] for k in range(3)]
    ratio = np.linalg.norm(ends[0] - ends[1]) / np.linalg.norm(ends[1] - ends[2])
    assert 14 < ratio < 18


def test_lorenz_normalised() -> None:
    X, Y = make_lorenz(3000, seed=1, normalize=True)
    whole = np.concatenate([X, Y[-1:]])
    np.testing.assert_allclose(whole.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(whole.std(axis=0), 1.0)
    np.testing.assert_array_equal(X[1:], Y[:-1])


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: make_moons(0, 0.1, 0), "n_samples"),
        (lambda: make_moons(n=0, noise=0.1, seed=0), "n"),
        (lambda: make_moons((5, 0), 0.1, 0), "n_samples"),
        (lambda: make_moons(10, -0.1, 0), "noise"),
        (lambda: make_moons(10, float("nan"), 0), "noise"),
        (lambda: make_moons(10, 0.1, 1.5), "random_state"),
        (lambda: make_moons(10, 0.1, seed=-1), "seed"),
        (lambda: make_moons(10, 0.1, 0, shuffle=1), "shuffle"),
        (lambda: make_moons(10, 0.1, 0, dtype=np.int64), "dtype"),
        (lambda: make_spirals(10, 0, 0.1, 0), "n_classes"),
        (lambda: make_spirals(2.5, 2, 0.1, 0), "n_per_class"),
        (lambda: make_smooth_function(10, 0, 0), "dim"),
        (lambda: make_lorenz(10, dt=0.0, seed=0), "dt"),
        (lambda: make_lorenz(10, rho=-1.0, seed=0), "rho"),
        (lambda: make_lorenz(10, seed=0, burn_in=-1), "burn_in"),
        (lambda: make_lorenz(True, seed=0), "n_steps"),
        (lambda: smooth_target(np.zeros(3)), "X"),
    ],
)
def test_bad_arguments_name_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


# ---- scikit-learn's signature (issue 16.11) ----------------------------------------------------
def test_make_moons_takes_scikit_learns_signature_and_the_old_spelling() -> None:
    X, y = make_moons(n_samples=100, noise=0.1, random_state=0)
    np.testing.assert_array_equal(X, make_moons(100, 0.1, 0)[0])
    np.testing.assert_array_equal(X, make_moons(n=100, noise=0.1, seed=0)[0])
    X_default, y_default = make_moons()  # 100 points, no noise
    assert X_default.shape == (100, 2) and np.bincount(y_default).tolist() == [50, 50]
    outer = X_default[y_default == 0]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)  # noise=None is exact
    X_pair, y_pair = make_moons((3, 5), random_state=0)
    assert np.bincount(y_pair).tolist() == [3, 5]
    # Rows are shuffled by default, as in scikit-learn: contiguous cross-validation folds of
    # class-ordered rows would cut each moon into arcs. shuffle=False keeps the class order.
    X_ordered, y_ordered = make_moons(100, 0.1, 0, shuffle=False)
    assert np.all(np.diff(y_ordered) >= 0) and not np.all(np.diff(y) >= 0)
    order = np.lexsort(X.T)
    np.testing.assert_array_equal(X[order], X_ordered[np.lexsort(X_ordered.T)])  # same points
    legacy = make_moons(20, 0.1, np.random.RandomState(3))[0]
    np.testing.assert_array_equal(legacy, make_moons(20, 0.1, np.random.RandomState(3))[0])
    with pytest.raises(ValueError, match="not both"):
        make_moons(10, n=20)
    with pytest.raises(ValueError, match="not both"):
        make_moons(10, random_state=1, seed=2)


def test_make_moons_draws_the_same_curves_as_scikit_learn() -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    theirs, their_y = datasets.make_moons(n_samples=(40, 40), shuffle=False)
    ours, our_y = make_moons((40, 40), shuffle=False)
    np.testing.assert_allclose(ours, theirs, atol=1e-15)
    np.testing.assert_array_equal(our_y, their_y)
