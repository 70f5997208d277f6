"""Grad mode is per thread, as in PyTorch: one thread's no_grad (or backward) never stops
another thread's forward from recording its graph."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.grad_mode import ANOMALY_USERS


def _run_in_thread(fn):
    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result.get("value")


def test_no_grad_in_another_thread_does_not_stop_recording_here():
    inside, release = threading.Event(), threading.Event()

    def hold_no_grad() -> None:
        with am.no_grad():
            inside.set()
            release.wait(timeout=30)

    other = threading.Thread(target=hold_no_grad)
    other.start()
    try:
        assert inside.wait(timeout=30)
        w = am.tensor(np.array([1.0, 2.0]), requires_grad=True)
        y = (w * w).sum()  # recorded although the other thread is inside no_grad
        assert am.is_grad_enabled() and y.requires_grad
        y.backward()
        np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    finally:
        release.set()
        other.join(timeout=30)


def test_a_new_thread_starts_with_recording_on_and_anomaly_off():
    with am.no_grad(), am.detect_anomaly():
        modes = _run_in_thread(lambda: (am.is_grad_enabled(), am.is_anomaly_enabled()))
        assert not am.is_grad_enabled() and am.is_anomaly_enabled()
    assert modes == (True, False)


def test_no_grad_inside_a_thread_applies_there():
    def work() -> bool:
        w = am.tensor(np.ones(3), requires_grad=True)
        with am.no_grad():
            return (w * 2).requires_grad

    assert _run_in_thread(work) is False


def test_concurrent_training_in_two_threads_gets_exact_gradients():
    """Each thread runs forward/backward repeatedly while the other does the same; with a
    process-wide flag one thread's backward (which records nothing) would blank the other's
    graph now and then."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 8))
    w0 = rng.standard_normal((8, 1))
    expected = 2 * x.T @ (x @ w0) / len(x)  # ∂/∂w mean((xw)²)

    def train() -> int:
        bad = 0
        for _ in range(300):
            w = am.tensor(w0, requires_grad=True)
            loss = ((am.tensor(x) @ w) ** 2).mean()
            loss.backward()
            bad += not np.allclose(w.grad, expected)
        return bad

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(train())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == [0, 0]


def test_anomaly_users_count_returns_to_zero_even_after_an_error():
    assert ANOMALY_USERS.count == 0
    with pytest.raises(ValueError), am.detect_anomaly():
        assert ANOMALY_USERS.count == 1
        raise ValueError("boom")
    assert ANOMALY_USERS.count == 0 and not am.is_anomaly_enabled()


def test_anomaly_mode_still_catches_nan_in_forward():
    w = am.tensor(np.array([-1.0]), requires_grad=True)
    with am.detect_anomaly(), np.errstate(invalid="ignore"), \
            pytest.raises(am.AnomalyError, match="log"):
        am.log(w)
