"""DataLoader batching and exact checkpoint/resume; train/val/test split; KFold."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn.data import DataLoader, KFold, train_val_test_split


def data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """X row i is (i, i, i) and y[i] = i, so batches reveal which samples they hold."""
    X = np.repeat(np.arange(n, dtype=np.float64)[:, None], 3, axis=1)
    return X, np.arange(n)


def epoch_labels(loader: DataLoader) -> list[np.ndarray]:
    return [yb for _, yb in loader]


# --- DataLoader ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 120), st.integers(1, 50), st.booleans(), st.booleans())
def test_epoch_covers_each_sample_once(n, batch_size, shuffle, drop_last) -> None:
    X, y = data(n)
    loader = DataLoader(X, y, batch_size, shuffle=shuffle, drop_last=drop_last, seed=0)
    batches = list(loader)
    assert len(batches) == len(loader)
    sizes = [len(yb) for _, yb in batches]
    assert all(size == batch_size for size in sizes[:-1])
    if drop_last:
        assert len(loader) == n // batch_size and all(s == batch_size for s in sizes)
    else:
        assert len(loader) == -(-n // batch_size) and sum(sizes) == n
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], int)
    assert len(np.unique(seen)) == len(seen)  # no sample twice
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)  # X and y stay aligned
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(len(seen)))


def test_shuffle_changes_between_epochs_and_is_reproducible() -> None:
    X, y = data(100)
    loader = DataLoader(X, y, batch_size=100, seed=3)
    first, second = epoch_labels(loader)[0], epoch_labels(loader)[0]
    assert not np.array_equal(first, second) and not np.array_equal(first, np.arange(100))
    again = DataLoader(X, y, batch_size=100, seed=3)
    np.testing.assert_array_equal(epoch_labels(again)[0], first)
    assert loader.epoch == 2


def test_without_y_yields_none() -> None:
    X, _ = data(10)
    batches = list(DataLoader(X, batch_size=4, shuffle=False))
    assert [xb.shape for xb, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert all(yb is None for _, yb in batches)


def test_resume_at_epoch_boundary_matches_uninterrupted_run() -> None:
    X, y = data(37)
    reference = DataLoader(X, y, batch_size=5, seed=11)
    expected = [epoch_labels(reference) for _ in range(4)]
    original = DataLoader(X, y, batch_size=5, seed=11)
    epoch_labels(original), epoch_labels(original)
    state = json.loads(json.dumps(original.state_dict()))  # survives a JSON checkpoint
    restored = DataLoader(X, y, batch_size=5, seed=999)
    restored.load_state_dict(state)
    assert restored.epoch == 2
    for want in expected[2:]:
        for got, w in zip(epoch_labels(restored), want, strict=True):
            np.testing.assert_array_equal(got, w)


def test_resume_mid_epoch_matches_uninterrupted_run() -> None:
    X, y = data(50)
    reference = DataLoader(X, y, batch_size=8, seed=5)
    expected = np.concatenate(epoch_labels(reference) + epoch_labels(reference))
    original = DataLoader(X, y, batch_size=8, seed=5)
    consumed = []
    for i, (_, yb) in enumerate(original):
        consumed.append(yb)
        if i == 2:
            state = original.state_dict()
            break
    assert state["epoch"] == 0 and state["batch"] == 3
    restored = DataLoader(X, y, batch_size=8, seed=0)
    restored.load_state_dict(state)
    consumed += epoch_labels(restored) + epoch_labels(restored)
    np.testing.assert_array_equal(np.concatenate(consumed), expected)
    assert restored.epoch == 2


def test_load_state_dict_validates() -> None:
    X, y = data(20)
    state = DataLoader(X, y, seed=0).state_dict()
    with pytest.raises(ValueError, match="saved for 20 samples, this loader has 19"):
        DataLoader(X[:19], y[:19]).load_state_dict(state)
    with pytest.raises(ValueError, match="missing keys"):
        DataLoader(X, y).load_state_dict({"epoch": 0})
    with pytest.raises(ValueError, match="bit_generator"):
        DataLoader(X, y).load_state_dict({**state, "bit_generator": {"bit_generator": "MT19937"}})


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.0}, "batch_size"),
        ({"shuffle": "yes"}, "shuffle"),
        ({"drop_last": 1}, "drop_last"),
        ({"seed": -1}, "seed"),
        ({"seed": "abc"}, "seed"),
    ],
)
def test_loader_arguments_are_validated(kwargs, name: str) -> None:
    X, y = data(10)
    with pytest.raises(ValueError, match=rf"^{name} must"):
        DataLoader(X, y, **kwargs)


def test_loader_length_mismatch_and_scalar() -> None:
    X, y = data(10)
    with pytest.raises(ValueError, match="y has 9 samples but X has 10"):
        DataLoader(X, y[:9])
    with pytest.raises(ValueError, match="X must have at least one dimension"):
        DataLoader(np.float64(1.0))


# --- train_val_test_split --------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(5, 200), st.floats(0, 0.4), st.floats(0, 0.4), st.integers(0, 100))
def test_split_partitions_the_samples(n, val, test, seed) -> None:
    X, y = data(n)
    X_tr, y_tr, X_va, y_va, X_te, y_te = train_val_test_split(X, y, val, test, seed=seed)
    assert (len(y_va), len(y_te)) == (round(val * n), round(test * n))
    everything = np.concatenate([y_tr, y_va, y_te])
    np.testing.assert_array_equal(np.sort(everything), np.arange(n))
    for Xs, ys in ((X_tr, y_tr), (X_va, y_va), (X_te, y_te)):
        np.testing.assert_array_equal(Xs[:, 0], ys)


def test_split_is_reproducible_and_shuffled() -> None:
    X, y = data(100)
    first = train_val_test_split(X, y, seed=1)
    second = train_val_test_split(X, y, seed=1)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], np.sort(first[1]))


def test_stratified_split_keeps_class_proportions() -> None:
    y = np.repeat(np.arange(3), [100, 60, 40])
    X = np.arange(len(y))[:, None]
    _, y_tr, _, y_va, _, y_te = train_val_test_split(X, y, 0.2, 0.1, stratify=True, seed=0)
    assert np.bincount(y_va).tolist() == [20, 12, 8]
    assert np.bincount(y_te).tolist() == [10, 6, 4]
    assert np.bincount(y_tr).tolist() == [70, 42, 28]
    assert not np.array_equal(y_tr, np.sort(y_tr))  # classes are mixed, not in blocks


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"val": 1.0}, "^val must be a fraction"),
        ({"test": -0.1}, "^test must be a fraction"),
        ({"val": 0.5, "test": 0.5}, "^val \\+ test must be below 1"),
        ({"stratify": "yes"}, "^stratify must be a bool"),
        ({"seed": 1.5}, "^seed must"),
    ],
)
def test_split_arguments_are_validated(kwargs, pattern: str) -> None:
    X, y = data(20)
    with pytest.raises(ValueError, match=pattern):
        train_val_test_split(X, y, **kwargs)


def test_split_needs_training_samples_and_matching_lengths() -> None:
    X, y = data(2)
    with pytest.raises(ValueError, match="leave no training samples"):
        train_val_test_split(X, y, val=0.45, test=0.45)
    with pytest.raises(ValueError, match="y has 1 samples but X has 2"):
        train_val_test_split(X, y[:1])


# --- KFold -------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 10).flatmap(lambda k: st.tuples(st.just(k), st.integers(k, 100))), st.booleans()
)
def test_kfold_validates_each_sample_once(k_and_n, shuffle) -> None:
    k, n = k_and_n
    folds = list(KFold(k, shuffle=shuffle, seed=0 if shuffle else None).split(np.zeros((n, 2))))
    assert len(folds) == k
    val_all = np.concatenate([val for _, val in folds])
    np.testing.assert_array_equal(np.sort(val_all), np.arange(n))
    sizes = [len(val) for _, val in folds]
    assert max(sizes) - min(sizes) <= 1
    for train, val in folds:
        assert train.dtype == val.dtype == np.int64
        np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(n))


def test_kfold_shuffle_is_reproducible() -> None:
    folds_a = [val for _, val in KFold(4, shuffle=True, seed=2).split(np.zeros(20))]
    folds_b = [val for _, val in KFold(4, shuffle=True, seed=2).split(np.zeros(20))]
    plain = [val for _, val in KFold(4).split(np.zeros(20))]
    for a, b in zip(folds_a, folds_b, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(plain[0], np.arange(5))
    assert not np.array_equal(folds_a[0], plain[0])


def test_kfold_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="^n_splits must"):
        KFold(1)
    with pytest.raises(ValueError, match="^seed has no effect unless shuffle=True"):
        KFold(3, seed=0)
    with pytest.raises(ValueError, match="n_splits=5 is more than the 3 samples"):
        list(KFold(5).split(np.zeros(3)))
