"""read_idx on hostile input: headers whose dimensions lie, device files, directories, odd
buffers — always DataError (or the honest array), with bounded memory (tests/HARDENING.md).
The format's ordinary errors and fuzzers are in test_data_idx.py."""

from __future__ import annotations

import gzip
import os
import struct
import tracemalloc

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from refusal import MEGABYTE, refused_cheaply

from nn.data import DataError, read_idx


@pytest.mark.hardening("files/idx-lying-dims")
@given(code=st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]),
       dims=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=4),
       payload=st.binary(max_size=512), compress=st.booleans())
# A zero side between two huge ones: honest (no bytes), but no array can have that shape;
# read_idx raised numpy's bare "array is too big" ValueError instead of a DataError.
@example(code=0x0D, dims=[2**32 - 1, 0, 2**32 - 1], payload=b"", compress=False)
def test_idx_headers_with_random_dimensions_never_allocate_what_they_promise(
        code, dims, payload, compress):
    data = struct.pack(">HBB", 0, code, len(dims)) + struct.pack(f">{len(dims)}I", *dims) + payload
    data = gzip.compress(data) if compress else data
    itemsize = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}[code]
    honest = int(np.prod(dims, dtype=object)) * itemsize == len(payload)
    # numpy refuses a shape whose non-zero sides multiply past its size limit, even next to a
    # zero side: (2**32 - 1, 0, 2**32 - 1) is an honest header no array can have.
    holdable = int(np.prod([d for d in dims if d], dtype=object)) * itemsize < 2**63
    tracemalloc.start()
    try:
        array = read_idx(data)
    except DataError:
        assert not (honest and holdable)
    else:
        assert honest and holdable and array.shape == tuple(dims)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 4 * MEGABYTE  # reading goes in 1 MiB pieces; the promise may be 64 GiB


@pytest.mark.hardening("files/idx-memoryview")
def test_idx_from_a_non_contiguous_memoryview_reads_the_bytes_it_shows():
    raw = np.frombuffer(struct.pack(">HBBI", 0, 0x08, 1, 2) + b"\x07\x09", np.uint8)
    spread = np.zeros(2 * raw.size, np.uint8)
    spread[::2] = raw
    np.testing.assert_array_equal(read_idx(memoryview(spread[::2])), [7, 9])


@pytest.mark.hardening("files/idx-devices-dirs")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_idx_device_files_are_refused_at_once(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    refused_cheaply(lambda: read_idx(device), DataError)


@pytest.mark.hardening("files/idx-devices-dirs")
def test_idx_directory_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot open IDX file"):
        read_idx(tmp_path)
