"""The train command on data that the Trainer refuses: said before training, exit 1."""

from __future__ import annotations

import struct

import pytest

from nn import cli
from nn.data.mnist import FILES


def _idx(shape: tuple[int, ...], payload: bytes) -> bytes:
    return struct.pack(">HBB", 0, 0x08, len(shape)) + struct.pack(f">{len(shape)}I", *shape) \
        + payload


@pytest.mark.hardening("training/empty-validation")
def test_mnist_files_too_small_for_a_validation_split_exit_1(tmp_path, capsys):
    """An empty validation split scored val_loss = 0.0, which won best-model selection."""
    data = tmp_path / "data"
    data.mkdir()
    images, labels = _idx((3, 28, 28), bytes(3 * 784)), _idx((3,), bytes(3))
    for key, stem in FILES.items():
        (data / stem).write_bytes(images if key.endswith("images") else labels)
    code = cli.main(["train", "--data", "mnist", "--data-dir", str(data), "--epochs", "1",
                     "--hidden", "4", "--quiet", "--no-plots", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert code == 1 and "leave no validation samples" in captured.err
    assert "val_loss 0.0000" not in captured.out
