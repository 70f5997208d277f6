"""Small, well-formed MNIST-style IDX files for the tests."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np


def write_mnist(directory: Path, n_train: int, n_test: int, seed: int = 0,
                first_labels: tuple[int, ...] = (), gzipped: bool = False) -> Path:
    """Four well-formed IDX files of random 28x28 images and labels 0..9 (the training labels
    starting with `first_labels`); `gzipped` writes them as MNIST is distributed (`*.gz`)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        if prefix == "train":
            labels[:len(first_labels)] = first_labels
        files = {f"{prefix}-images-idx3-ubyte": struct.pack(">HBB3I", 0, 0x08, 3, n, 28, 28)
                 + images.tobytes(),
                 f"{prefix}-labels-idx1-ubyte": struct.pack(">HBBI", 0, 0x08, 1, n)
                 + labels.tobytes()}
        for name, content in files.items():
            if gzipped:
                (directory / f"{name}.gz").write_bytes(gzip.compress(content))
            else:
                (directory / name).write_bytes(content)
    return directory
