"""Reading a table of numbers for a trained model: a CSV (optionally gzipped, optionally with
one header line) or a .npy array, one sample per row."""

from __future__ import annotations

import gzip
import io
import os
import warnings

import numpy as np

from .errors import DataError
from .regular_file import NotARegularFileError, open_regular_file

MAX_TABLE_BYTES = 1 << 30  # a CSV is read whole; 1 GiB of text is far beyond these models


def read_table(path: str | os.PathLike[str]) -> np.ndarray:
    """A 2-D float64 array (samples, columns) from a .npy file or a comma-separated text file
    (.csv, .txt, either gzipped); DataError naming the file and what is wrong otherwise."""
    name = os.fspath(path)
    try:
        with open_regular_file(name) as file:
            raw = file.read(MAX_TABLE_BYTES + 1)
    except NotARegularFileError as error:
        raise DataError(str(error)) from None
    except OSError as error:
        raise DataError(f"{name}: cannot read: {error.strerror or error}") from None
    if len(raw) > MAX_TABLE_BYTES:
        raise DataError(f"{name}: larger than {MAX_TABLE_BYTES} bytes; split it into parts")
    if raw[:6] == b"\x93NUMPY":
        table = _npy(raw, name)
    else:
        if raw[:2] == b"\x1f\x8b":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as error:
                raise DataError(f"{name}: corrupt gzip data: {error}") from None
        table = _csv(raw, name)
    if table.ndim == 1:
        table = table[:, None]  # one column
    if table.ndim != 2 or table.shape[0] == 0:
        raise DataError(f"{name}: holds an array of shape {table.shape}; expected a table of "
                        "one sample per row (at least one row)")
    if not np.all(np.isfinite(table)):
        row = int(np.argwhere(~np.isfinite(table))[0][0])
        raise DataError(f"{name}: row {row} holds a NaN or infinite value")
    return table


def _npy(raw: bytes, name: str) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as error:
        raise DataError(f"{name}: not a readable .npy array ({error})") from None
    if array.dtype.kind not in "biuf":
        raise DataError(f"{name}: holds {array.dtype} data; expected numbers")
    return array.astype(np.float64)


def _csv(raw: bytes, name: str) -> np.ndarray:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{name}: neither a .npy array nor UTF-8 text (CSV)") from None
    lines = [line for line in text.splitlines() if line.strip()]
    skip = 0
    if lines:
        try:
            _parse(lines[:1])
        except ValueError:
            skip = 1  # a first line that is not numbers is a header of column names
    try:
        return _parse(lines[skip:])
    except ValueError as error:
        raise DataError(f"{name}: not a table of comma-separated numbers ({error})") from None


def _parse(lines: list[str]) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
        return np.loadtxt(lines, delimiter=",", dtype=np.float64, ndmin=2)
