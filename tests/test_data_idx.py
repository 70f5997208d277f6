"""read_idx: round trips, every malformation raises DataError, and no input can blow memory."""

from __future__ import annotations

import gzip
import os
import struct
import tracemalloc
import zlib
from unittest import mock

import numpy as np
import pytest
from fifo_guard import raises_without_blocking_on_fifo
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nn.data import idx
from nn.data.errors import DataError
from nn.data.idx import DEFAULT_MAX_BYTES, IDX_DTYPES, read_idx

CODE_OF_DTYPE = {np.dtype(big).newbyteorder("="): code for code, (big, _) in IDX_DTYPES.items()}


def idx_bytes(array: np.ndarray) -> bytes:
    """Serialise a native-order array to IDX (big-endian)."""
    code = CODE_OF_DTYPE[array.dtype]
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def header(code: int, shape: tuple[int, ...]) -> bytes:
    return struct.pack(">HBB", 0, code, len(shape)) + struct.pack(f">{len(shape)}I", *shape)


def peak_bytes(function) -> int:
    """Peak traced allocation while calling function()."""
    tracemalloc.start()
    try:
        function()
    except DataError:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


# --- valid files ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_every_dtype(dtype: str, compress: bool) -> None:
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    data = idx_bytes(array)
    result = read_idx(gzip.compress(data) if compress else data)
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    np.testing.assert_array_equal(result, array)


def test_reads_paths_raw_and_gzipped(tmp_path) -> None:
    array = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    (tmp_path / "a-idx3-ubyte").write_bytes(idx_bytes(array))
    (tmp_path / "a-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a-idx3-ubyte"), array)
    np.testing.assert_array_equal(read_idx(str(tmp_path / "a-idx3-ubyte.gz")), array)


def test_zero_length_dimension_gives_empty_array() -> None:
    result = read_idx(header(0x08, (0, 28, 28)))
    assert result.shape == (0, 28, 28)


# --- each malformation, with a message naming file, found and expected --------------------


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (b"", "truncated IDX header: found 0 bytes, expected 4"),
        (b"\x00\x00\x08", "truncated IDX header: found 3 bytes"),
        (b"\x01\x00\x08\x01" + b"\x00" * 4, "magic starts with 0x0100, expected 0x0000"),
        (b"\x00\x00\x07\x01" + b"\x00" * 4, "unknown IDX dtype code 0x07"),
        (b"\x00\x00\x08\x00", "0 dimensions, expected 1 to 4"),
        (b"\x00\x00\x08\x05" + b"\x00" * 20, "5 dimensions, expected 1 to 4"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "found 4 bytes of dimensions, expected 12"),
        (header(0x08, (2, 3)) + b"\x00" * 5, "truncated IDX payload: found 5 bytes.*= 6 bytes"),
        (header(0x0C, (2,)) + b"\x00" * 7, r"found 7 bytes, header promises shape \(2,\) = 8"),
        (header(0x08, (2, 3)) + b"\x00" * 7, "trailing data after the IDX payload"),
    ],
)
def test_malformed_raw_bytes(data: bytes, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        read_idx(data)
    with pytest.raises(DataError, match=pattern):  # the same check applies inside gzip
        read_idx(gzip.compress(data))


def test_message_names_the_file(tmp_path) -> None:
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(header(0x08, (10,)) + b"\x01" * 9)
    with pytest.raises(DataError, match=f"{path}: truncated IDX payload"):
        read_idx(path)


def test_missing_file_is_data_error(tmp_path) -> None:
    with pytest.raises(DataError, match="cannot open IDX file"):
        read_idx(tmp_path / "absent")


def test_expected_dtype_mismatch() -> None:
    data = idx_bytes(np.zeros(3, dtype="f4"))
    with pytest.raises(DataError, match=r"dtype is 0x0D \(float32\), expected 0x08"):
        read_idx(data, expected_magic_dtype=0x08)
    assert read_idx(data, expected_magic_dtype=0x0D).dtype == np.float32


def test_truncated_gzip_stream() -> None:
    compressed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    with pytest.raises(DataError, match="corrupt or truncated gzip"):
        read_idx(compressed[: len(compressed) // 2])


def test_gzip_crc_is_checked() -> None:
    compressed = bytearray(gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8))))
    compressed[-8] ^= 0xFF  # CRC32 field of the gzip trailer
    with pytest.raises(DataError, match="corrupt or truncated gzip"):
        read_idx(bytes(compressed))


def test_bad_arguments_are_value_errors() -> None:
    data = idx_bytes(np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match="expected_magic_dtype"):
        read_idx(data, expected_magic_dtype=0x42)
    with pytest.raises(ValueError, match="max_bytes"):
        read_idx(data, max_bytes=-1)


# --- hostile inputs: lying headers and gzip bombs ------------------------------------------


def test_header_beyond_global_cap_fails_before_reading() -> None:
    lying = header(0x0E, (100_000, 100_000, 100))  # promises 8 TB
    peak = peak_bytes(lambda: read_idx(gzip.compress(lying)))
    assert peak < 1 << 20  # refused from the header, before reading the payload
    with pytest.raises(DataError, match=f"more than the limit max_bytes={DEFAULT_MAX_BYTES}"):
        read_idx(lying)


@pytest.mark.parametrize("compress", [False, True])
def test_lying_header_under_cap_allocates_only_what_is_there(compress: bool) -> None:
    lying = header(0x08, (400, 1024, 1024)) + b"\x07" * 100  # promises 400 MiB, holds 100 bytes
    data = gzip.compress(lying) if compress else lying
    peak = peak_bytes(lambda: read_idx(data))
    assert peak < 4 << 20, f"peak {peak} bytes for a 100-byte payload"
    with pytest.raises(DataError, match="found 100 bytes, header promises"):
        read_idx(data)


def gzip_bomb(header_bytes: bytes, zeros: int) -> bytes:
    """A gzip member whose payload is `zeros` zero bytes, compressed about 1000:1."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    chunk = bytes(1 << 20)
    parts = [compressor.compress(header_bytes)]
    parts += [compressor.compress(chunk) for _ in range(zeros >> 20)]
    return b"".join(parts) + compressor.flush()


def test_gzip_bomb_is_capped_at_the_promised_size() -> None:
    bomb = gzip_bomb(header(0x08, (10,)), 64 << 20)  # 64 MiB of zeros behind a 10-byte header
    assert len(bomb) < 1 << 20
    peak = peak_bytes(lambda: read_idx(bomb))
    assert peak < 4 << 20
    with pytest.raises(DataError, match="trailing data"):
        read_idx(bomb)


def test_max_bytes_caps_an_honest_but_large_file() -> None:
    bomb = gzip_bomb(header(0x08, (2 << 20,)), 2 << 20)  # a valid file of 2 MiB of zeros
    assert read_idx(bomb).shape == (2 << 20,)
    with pytest.raises(DataError, match="more than the limit max_bytes=1048576"):
        read_idx(bomb, max_bytes=1 << 20)


# --- fuzzing: anything but a valid file is a DataError, and fast ---------------------------


def decompressed_prefix(data: bytes) -> bytes:
    """What a gzip reader can decode from data before it finds an error (data itself if raw)."""
    if data[:2] != b"\x1f\x8b":
        return data
    decoder, out = zlib.decompressobj(wbits=31), []
    for i in range(len(data)):  # byte by byte, so the output before a corrupt byte is kept
        try:
            out.append(decoder.decompress(data[i: i + 1]))
        except zlib.error:
            break
    return b"".join(out)


def header_bound(plain: bytes) -> int:
    """Most bytes a reader may take from the stream: the header it finds, what that header
    promises, and the one extra byte that reveals trailing data."""
    if len(plain) < 4 or plain[:2] != b"\0\0" or plain[2] not in IDX_DTYPES:
        return 4
    ndim = plain[3]
    if not 1 <= ndim <= 4 or len(plain) < 4 + 4 * ndim:
        return 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", plain[4: 4 + 4 * ndim])
    itemsize = np.dtype(IDX_DTYPES[plain[2]][0]).itemsize
    return 4 + 4 * ndim + int(np.prod(dims, dtype=object)) * itemsize + 1


def check_total(data: bytes) -> None:
    """read_idx either returns an array that matches its own header or raises DataError, and
    it never reads more than the header promises (plus one byte): a deterministic bound on its
    work, where a wall-clock limit would depend on the machine."""
    taken = [0]

    def counting(read):
        def wrapper(stream, n):
            part = read(stream, n)
            taken[0] += len(part)
            return part
        return wrapper

    with mock.patch.object(idx, "_read_exact", counting(idx._read_exact)), \
            mock.patch.object(idx, "_read_capped", counting(idx._read_capped)):
        try:
            result = read_idx(data)
        except DataError as error:
            assert "<bytes>:" in str(error)
        else:
            assert isinstance(result, np.ndarray) and 1 <= result.ndim <= 4
    assert taken[0] <= header_bound(decompressed_prefix(data))


@pytest.mark.hardening("files/idx-fuzzers")
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    check_total(data)
    check_total(gzip.compress(data))


@pytest.mark.hardening("files/idx-fuzzers")
@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=8).map(lambda b: b"\x00\x00" + b) | st.binary(min_size=2, max_size=40))
def test_fuzz_bytes_after_plausible_magic(data: bytes) -> None:
    check_total(data)
    check_total(b"\x1f\x8b" + data)  # gzip magic followed by garbage


small_arrays = st.sampled_from(["u1", "i1", "i2", "i4", "f4", "f8"]).flatmap(
    lambda dtype: st.lists(st.integers(0, 4), min_size=1, max_size=4).map(
        lambda shape: (np.arange(int(np.prod(shape))) % 100).astype(dtype).reshape(shape)
    )
)
mutations = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.just(0)),
)


def mutate(data: bytes, mutation: tuple[str, int, int]) -> bytes:
    kind, position, value = mutation
    position %= len(data) + 1
    if kind == "flip" and position < len(data):
        return data[:position] + bytes([data[position] ^ value]) + data[position + 1 :]
    if kind == "truncate":
        return data[:position]
    if kind == "insert":
        return data[:position] + bytes([value]) + data[position:]
    return data[:position] + data[position + 1 :]


@pytest.mark.hardening("files/idx-fuzzers")
@pytest.mark.hardening("files/idx-zero-dimension")  # the @example below
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_arrays, st.lists(mutations, min_size=1, max_size=3), st.booleans())
# A zero dimension next to two that flips made huge: numpy's reshape said "array is too big".
@example(np.zeros((0, 4, 4), "u1"), [("flip", 8, 255), ("flip", 12, 255)], False)
def test_fuzz_mutated_valid_files(array: np.ndarray, edits, mutate_compressed: bool) -> None:
    data = idx_bytes(array)
    if mutate_compressed:
        data = gzip.compress(data)
    for edit in edits:
        data = mutate(data, edit)
    check_total(data)
    if not mutate_compressed:
        check_total(gzip.compress(data))


@pytest.mark.hardening("files/fifo")
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer(tmp_path) -> None:
    fifo = tmp_path / "train-images-idx3-ubyte"
    os.mkfifo(fifo)
    error = raises_without_blocking_on_fifo(read_idx, fifo)
    assert isinstance(error, DataError)
    assert "is a FIFO (named pipe), not a regular file" in str(error)
