"""Metrics against hand-computed values, and running (batched) metrics against whole-set ones."""

from __future__ import annotations

import numpy as np
import pytest

from nn.training.metrics import (
    RunningAccuracy,
    RunningR2,
    accuracy,
    confusion_matrix,
    format_confusion_matrix,
    make_running_metric,
    mean_squared_error,
    r2_score,
)


def test_accuracy_from_labels_and_from_scores():
    y = np.array([0, 1, 2, 2])
    assert accuracy(y, np.array([0, 1, 1, 2])) == 0.75
    scores = np.array([[5.0, 1, 0], [0, 2, 1], [0, 3, 1], [1, 0, 9]])  # argmax 0, 1, 1, 2
    assert accuracy(y, scores) == 0.75


def test_accuracy_rejects_mismatched_lengths_and_fractional_labels():
    with pytest.raises(ValueError, match="2 samples but y_pred has 3"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="non-integer"):
        accuracy([0, 1], [0.5, 1.0])


def test_confusion_matrix_by_hand():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    expected = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    cm = confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64
    assert np.trace(cm) / cm.sum() == accuracy(y_true, y_pred)
    # num_classes widens the matrix for classes absent from both arrays
    assert confusion_matrix(y_true, y_pred, num_classes=5).shape == (5, 5)
    text = format_confusion_matrix(cm)
    assert text.splitlines()[3].split()[-3:] == ["1", "0", "2"]


def test_r2_by_hand_and_conventions():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([1.5, 2.0, 2.5, 4.0])
    # SS_res = 0.25 + 0 + 0.25 + 0 = 0.5; SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5
    assert r2_score(y, pred) == pytest.approx(1 - 0.5 / 5)
    assert r2_score(y, y) == 1.0
    assert r2_score(y, np.full(4, y.mean())) == pytest.approx(0.0)
    # two outputs are averaged; a constant column scores 1 if fit exactly, else 0
    Y = np.stack([y, np.ones(4)], axis=1)
    P = np.stack([pred, np.ones(4)], axis=1)
    assert r2_score(Y, P) == pytest.approx((0.9 + 1.0) / 2)
    P[0, 1] = 2.0
    assert r2_score(Y, P) == pytest.approx((0.9 + 0.0) / 2)
    assert mean_squared_error(y, pred) == pytest.approx(0.5 / 4)


def test_running_metrics_equal_whole_set_metrics():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 50)
    scores = rng.standard_normal((50, 4))
    running = RunningAccuracy()
    for i in range(0, 50, 7):
        running.update(y[i:i + 7], scores[i:i + 7])
    assert running.value() == accuracy(y, scores)

    Y = rng.standard_normal((50, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -2.0]
    P = Y + 0.3 * rng.standard_normal((50, 3))
    r2 = RunningR2()
    for i in range(0, 50, 8):
        r2.update(Y[i:i + 8], P[i:i + 8])
    assert r2.value() == pytest.approx(r2_score(Y, P), rel=1e-12)

    restored = make_running_metric("r2")
    restored.load_state_dict(r2.state_dict())
    assert restored.value() == r2.value()
    assert make_running_metric(None) is None
    with pytest.raises(ValueError, match="unknown metric"):
        make_running_metric("f1")


@pytest.mark.hardening("training/running-r2")
def test_running_r2_is_exact_for_targets_far_from_zero():
    """Σy² − (Σy)²/n lost the variance to rounding: a 0.989 fit of targets near 1e8 read 0."""
    rng = np.random.default_rng(0)
    y = 1e8 + rng.normal(size=(1000, 2))
    pred = y + 0.105 * rng.normal(size=(1000, 2))
    running = RunningR2()
    for start in range(0, 1000, 37):
        running.update(y[start:start + 37], pred[start:start + 37])
    assert r2_score(y, pred) == pytest.approx(0.989, abs=2e-3)
    assert running.value() == pytest.approx(r2_score(y, pred), abs=1e-9)


def test_running_r2_reads_the_sums_of_older_checkpoints():
    y, pred = np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0])
    old = {"count": 3, "sum_y": [7.0], "sum_y2": [21.0], "ss_res": [1.25]}
    running = RunningR2()
    running.load_state_dict(old)
    assert running.value() == pytest.approx(r2_score(y, pred))
    running.update(y, pred)  # and goes on from there
    assert running.value() == pytest.approx(r2_score(np.r_[y, y], np.r_[pred, pred]))
