"""The LeNet benchmark workload runs, and autograd_mini and PyTorch train the same network:
equal losses over a few SGD steps from the same weights and data."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.workloads import WORKLOADS, lenet


def test_lenet_workload_measures_in_process():
    assert WORKLOADS["lenet"] is lenet
    result = lenet.measure("autograd_mini", {"batch": 4}, budget_s=0.01)
    assert result["seconds"] > 0 and np.isfinite(result["final_loss"])
    floor = lenet.measure("numpy", {"batch": 4, "floor": True}, budget_s=0.01)
    assert floor["seconds"] > 0


def test_lenet_steps_match_torch():
    pytest.importorskip("torch")
    ours, theirs = lenet._am_step(lenet._weights()), lenet._torch_step(lenet._weights())
    for x, y in lenet._data(8)[:3]:
        np.testing.assert_allclose(ours(x, y), theirs(x, y), rtol=1e-4)
