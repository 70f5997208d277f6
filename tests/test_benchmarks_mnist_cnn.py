"""The CNN time-to-99% workload runs on MNIST-format files, and autograd_mini and PyTorch train
the same network: equal logits after the same Adam steps from the same weights and data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mnist_files import write_mnist

from benchmarks.workloads import WORKLOADS, mnist, mnist_cnn


@pytest.fixture
def tiny_mnist(tmp_path: Path) -> Path:
    write_mnist(tmp_path, n_train=64, n_test=40, gzipped=True)
    assert not mnist.missing_files(str(tmp_path))
    return tmp_path


def test_mnist_cnn_workload_trains_and_reports_its_curve(tiny_mnist: Path) -> None:
    assert WORKLOADS["mnist_cnn"] is mnist_cnn
    params = {"data_dir": str(tiny_mnist), "max_epochs": 2, "batch": 32, "lr": 1e-3}
    result = mnist_cnn.measure("autograd_mini", params, budget_s=0.0)
    assert result["seconds"] > 0 and result["epochs"] == 2  # random labels: 99% is out of reach
    assert result["reached"] is False
    assert [h["epoch"] for h in result["history"]] == [1, 2]
    assert all(0.0 <= h["test_accuracy"] <= 1.0 for h in result["history"])


def test_mnist_cnn_steps_match_torch(tiny_mnist: Path) -> None:
    pytest.importorskip("torch")
    data = mnist.load(str(tiny_mnist))
    x = data["train_images"].reshape(-1, 1, 28, 28)
    y = data["train_labels"]
    ours = mnist_cnn._autograd_mini(mnist_cnn._weights(), 1e-3)
    theirs = mnist_cnn._torch(mnist_cnn._weights(), 1e-3)
    for start in range(0, 64, 16):  # four Adam steps on the same batches
        ours[0](x[start:start + 16], y[start:start + 16])
        theirs[0](x[start:start + 16], y[start:start + 16])
    np.testing.assert_allclose(ours[1](x[:8]), theirs[1](x[:8]), rtol=1e-3, atol=1e-4)
