"""Reader for the IDX format of MNIST, raw or gzipped, that fails cleanly on any bad input.

An IDX file is a 4-byte magic (0x00 0x00, a dtype code, the number of dimensions), one
big-endian uint32 per dimension, then the array in C order, big-endian. The reader checks the
header against the payload it actually finds before it builds the result, and it reads at most
one byte more than the header promises, so neither a lying header nor a gzip bomb can make it
allocate more than the real (capped) data.
"""

from __future__ import annotations

import gzip
import io
import math
import os
import struct
import zlib
from typing import BinaryIO

import numpy as np

from .errors import DataError
from .regular_file import NotARegularFileError, open_regular_file

# dtype code -> (big-endian numpy dtype, readable name)
IDX_DTYPES: dict[int, tuple[str, str]] = {
    0x08: (">u1", "unsigned byte"),
    0x09: (">i1", "signed byte"),
    0x0B: (">i2", "int16"),
    0x0C: (">i4", "int32"),
    0x0D: (">f4", "float32"),
    0x0E: (">f8", "float64"),
}
MAX_NDIM = 4
DEFAULT_MAX_BYTES = 512 * 2**20  # the largest payload read_idx accepts unless told otherwise
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # read in 1 MiB pieces so the buffer grows with the data actually present


def _describe_code(code: int) -> str:
    name = IDX_DTYPES.get(code, (None, "unknown"))[1]
    return f"0x{code:02X} ({name})"


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    """Read up to n bytes, looping over short reads; fewer only at end of stream."""
    parts = []
    remaining = n
    while remaining > 0:
        part = stream.read(min(remaining, _CHUNK))
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _read_capped(stream: BinaryIO, cap: int) -> bytearray:
    """Read at most cap bytes into a buffer that grows only as data arrives."""
    buffer = bytearray()
    while len(buffer) < cap:
        part = stream.read(min(_CHUNK, cap - len(buffer)))
        if not part:
            break
        buffer += part
    return buffer


def _parse(stream: BinaryIO, name: str, expected_dtype: int | None, max_bytes: int) -> np.ndarray:
    magic = _read_exact(stream, 4)
    if len(magic) < 4:
        raise DataError(f"{name}: truncated IDX header: found {len(magic)} bytes, expected 4")
    zero, code, ndim = struct.unpack(">HBB", magic)
    if zero != 0:
        raise DataError(
            f"{name}: not an IDX file: magic starts with 0x{magic[:2].hex()}, expected 0x0000"
        )
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise DataError(f"{name}: unknown IDX dtype code 0x{code:02X}, expected one of {known}")
    if expected_dtype is not None and code != expected_dtype:
        found, expected = _describe_code(code), _describe_code(expected_dtype)
        raise DataError(f"{name}: IDX dtype is {found}, expected {expected}")
    if not 1 <= ndim <= MAX_NDIM:
        raise DataError(f"{name}: IDX header says {ndim} dimensions, expected 1 to {MAX_NDIM}")

    raw_dims = _read_exact(stream, 4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise DataError(
            f"{name}: truncated IDX header: found {len(raw_dims)} bytes of dimensions, "
            f"expected {4 * ndim} for {ndim} dimensions"
        )
    shape = struct.unpack(f">{ndim}I", raw_dims)
    big_endian_dtype = np.dtype(IDX_DTYPES[code][0])
    n_bytes = math.prod(shape) * big_endian_dtype.itemsize  # Python int: no overflow
    if n_bytes > max_bytes:
        raise DataError(
            f"{name}: IDX header promises shape {shape} = {n_bytes} bytes, more than the "
            f"limit max_bytes={max_bytes}"
        )
    if n_bytes == 0:
        # An empty array is fine, but numpy refuses (with a bare "array is too big") a shape
        # whose other dimensions multiply past its index range, even when one of them is 0.
        span = math.prod(d for d in shape if d) * big_endian_dtype.itemsize
        if span > np.iinfo(np.intp).max:
            raise DataError(
                f"{name}: IDX header promises shape {shape}: empty, but its non-zero "
                f"dimensions multiply to {span} bytes, more than numpy can index; expected "
                "dimensions whose product fits"
            )

    payload = _read_capped(stream, n_bytes + 1)  # one extra byte reveals trailing data
    if len(payload) < n_bytes:
        raise DataError(
            f"{name}: truncated IDX payload: found {len(payload)} bytes, header promises "
            f"shape {shape} = {n_bytes} bytes"
        )
    if len(payload) > n_bytes:
        raise DataError(
            f"{name}: trailing data after the IDX payload: header promises shape {shape} = "
            f"{n_bytes} bytes, the file holds more"
        )
    array = np.frombuffer(payload, dtype=big_endian_dtype).reshape(shape)
    return array.astype(big_endian_dtype.newbyteorder("="), copy=big_endian_dtype.itemsize > 1)


def read_idx(
    path_or_bytes: str | os.PathLike[str] | bytes | bytearray | memoryview,
    expected_magic_dtype: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> np.ndarray:
    """Read an IDX array (gzipped or raw) from a path or bytes; raise DataError if malformed."""
    if expected_magic_dtype is not None and expected_magic_dtype not in IDX_DTYPES:
        raise ValueError(
            f"expected_magic_dtype must be one of {sorted(IDX_DTYPES)} or None, "
            f"got {expected_magic_dtype!r}"
        )
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(f"max_bytes must be a non-negative int, got {max_bytes!r}")

    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        name = "<bytes>"
        data = path_or_bytes
        if isinstance(data, memoryview) and not data.c_contiguous:
            data = data.tobytes()  # BytesIO needs one contiguous buffer
        opened: BinaryIO = io.BytesIO(data)
    else:
        name = os.fspath(path_or_bytes)
        try:
            opened = open_regular_file(path_or_bytes)  # closed by the with-block below
        except NotARegularFileError as error:
            raise DataError(f"cannot open IDX file {error}") from error
        except OSError as error:
            raise DataError(f"{name}: cannot open IDX file: {error.strerror or error}") from error

    with opened:
        gzipped = opened.read(2) == _GZIP_MAGIC
        opened.seek(0)
        try:
            if gzipped:
                with gzip.GzipFile(fileobj=opened, mode="rb") as stream:
                    return _parse(stream, name, expected_magic_dtype, max_bytes)
            return _parse(opened, name, expected_magic_dtype, max_bytes)
        except DataError:
            raise
        except (OSError, EOFError, zlib.error) as error:
            kind = "corrupt or truncated gzip stream" if gzipped else "read error"
            raise DataError(f"{name}: {kind}: {error}") from error
