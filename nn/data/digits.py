"""The 8x8 handwritten digits shipped inside the package (see files/README.md)."""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np
import numpy.typing as npt

from .errors import DataError

N_SAMPLES = 1797
N_PIXELS = 64  # 8 x 8, row-major
MAX_PIXEL = 16  # each pixel counts set bits in a 4x4 block of the original 32x32 bitmap


def load_digits(dtype: npt.DTypeLike = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Return X (1797, 64) with pixels scaled to [0, 1] and labels y (1797,) int64."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating dtype, got {dtype}")
    source = resources.files(__package__) / "files" / "digits.csv.gz"
    name = str(source)
    try:
        with source.open("rb") as raw, gzip.open(raw, "rt", encoding="ascii") as text:
            table = np.loadtxt(text, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as error:
        raise DataError(f"{name}: cannot read the packaged digits file: {error}") from error
    if table.shape != (N_SAMPLES, N_PIXELS + 1):
        raise DataError(
            f"{name}: table has shape {table.shape}, expected ({N_SAMPLES}, {N_PIXELS + 1})"
        )
    pixels, labels = table[:, :N_PIXELS], table[:, N_PIXELS]
    if pixels.min() < 0 or pixels.max() > MAX_PIXEL:
        raise DataError(
            f"{name}: pixels span [{pixels.min()}, {pixels.max()}], expected [0, {MAX_PIXEL}]"
        )
    if labels.min() < 0 or labels.max() > 9:
        raise DataError(f"{name}: labels span [{labels.min()}, {labels.max()}], expected [0, 9]")
    X = pixels.astype(dtype) / dtype.type(MAX_PIXEL)  # (1797, 64)
    return X, np.ascontiguousarray(labels)
