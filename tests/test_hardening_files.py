"""Hardening catalogue, files: hostile and broken checkpoints, IDX files and downloads.

Beyond tests/test_nn_serialization.py, test_data_idx.py and test_data_mnist.py: bytes generated
by hypothesis into nn.load and read_idx (always the library's own error, in bounded time and
memory), files whose headers lie about sizes (refused before anything is allocated), zip
bombs, malformed header trees, and downloads that are cut off, interrupted or cannot be
written. Counts per kind are in tests/HARDENING.md.
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import struct
import time
import tracemalloc
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_data_mnist import assert_loaded, served_md5s, server, tiny_arrays, write_files

import nn
from nn import serialization
from nn.data import DataError, read_idx
from nn.data.mnist import FILES, load_mnist

assert server  # a fixture, used by name below
SECONDS = 2.0  # every refusal must come well within this (they take milliseconds)
MEGABYTE = 2**20


def _state() -> dict:
    return {"model": {"0.weight": np.arange(6.0).reshape(2, 3), "0.bias": np.zeros(3)},
            "step": 7, "lr": 0.1, "name": "run", "done": None, "shape": (2, 3)}


def _checkpoint_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "valid.npz"
    nn.save(_state(), path)
    return path.read_bytes()


def _load_bytes(tmp_path: Path, data: bytes):
    path = tmp_path / "candidate.npz"
    path.write_bytes(data)
    return nn.load(path)


def _refused_quickly(fn, error=nn.SerializationError, max_bytes: int = 4 * MEGABYTE) -> str:
    """Run fn, which must raise `error` within SECONDS and allocate under max_bytes."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(error) as info:
            fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < SECONDS
    assert peak < max_bytes, f"allocated {peak} bytes before refusing"
    return str(info.value)


def _assert_same(loaded, original) -> None:
    if isinstance(original, dict):
        assert list(loaded) == list(original)
        for key in original:
            _assert_same(loaded[key], original[key])
    elif isinstance(original, np.ndarray):
        assert loaded.dtype == original.dtype
        np.testing.assert_array_equal(loaded, original)
    else:
        assert loaded == original and type(loaded) is type(original)


# ---- nn.load: bytes from hypothesis ------------------------------------------------------------
FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_are_a_serialization_error(tmp_path, data):
    _refused_quickly(lambda: _load_bytes(tmp_path, data))


@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_behind_a_zip_signature_are_a_serialization_error(tmp_path, data):
    _refused_quickly(lambda: _load_bytes(tmp_path, b"PK\x03\x04" + data))


@FUZZ
@given(members=st.dictionaries(st.text("abcxyz019._-", min_size=1, max_size=12),
                               st.binary(max_size=256), max_size=4),
       header=st.one_of(st.none(), st.binary(max_size=256)))
def test_zips_of_random_members_are_a_serialization_error(tmp_path, members, header):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if header is not None:
            archive.writestr(serialization.HEADER_MEMBER + ".npy", header)
        for name, payload in members.items():
            archive.writestr(name, payload)
    _refused_quickly(lambda: _load_bytes(tmp_path, buffer.getvalue()))


EDITS = st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate"]),
                           st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                 min_size=1, max_size=4)


@FUZZ
@given(edits=EDITS)
def test_mutated_checkpoints_are_refused_or_load_exactly(tmp_path_factory, edits):
    """Random edits of a valid checkpoint: SerializationError, or (in bytes nobody reads,
    such as zip timestamps) exactly the saved state; never other data, never another error."""
    tmp_path = tmp_path_factory.mktemp("mutated")
    data = bytearray(_checkpoint_bytes(tmp_path))
    for kind, where, value in edits:
        i = int(where * len(data))
        if kind == "flip":
            data[i] ^= value or 1
        elif kind == "insert":
            data[i:i] = bytes([value])
        elif kind == "delete":
            del data[i]
        else:
            del data[i:]
        if not data:
            break
    start = time.perf_counter()
    try:
        loaded = _load_bytes(tmp_path, bytes(data))
    except nn.SerializationError:
        pass
    else:
        _assert_same(loaded, _state())
    assert time.perf_counter() - start < SECONDS


# ---- nn.load: crafted lies -----------------------------------------------------------------------
def _archive(tree, members: dict[str, bytes], compression=zipfile.ZIP_STORED,
             header: dict | None = None) -> bytes:
    header = header or {"format": serialization.FORMAT_NAME,
                        "version": serialization.FORMAT_VERSION, "tree": tree}
    raw = io.BytesIO()
    np.lib.format.write_array(raw, np.frombuffer(json.dumps(header).encode(), np.uint8))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr(serialization.HEADER_MEMBER + ".npy", raw.getvalue())
        for name, payload in members.items():
            archive.writestr(name + ".npy", payload)
    return buffer.getvalue()


def _npy_header(shape, descr="<f8") -> bytes:
    raw = io.BytesIO()
    np.lib.format.write_array_header_1_0(raw, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return raw.getvalue()


ARRAY = {"type": "array", "member": "w"}


@pytest.mark.parametrize("shape", [(10**12,), (2**31, 2**31), (3,), (10**9, 0, 10**9)],
                         ids=["8 TB", "32 EB", "3 (of 2 present)", "zero-size"])
def test_array_header_promising_more_than_the_member_holds_is_refused_before_allocating(
        tmp_path, shape):
    payload = _npy_header(shape) + bytes(16)  # two float64 values are really there
    message = _refused_quickly(lambda: _load_bytes(tmp_path, _archive(ARRAY, {"w": payload})))
    assert f"member 'w' promises shape {shape}" in message and "but holds 16" in message


def test_zip_bomb_member_is_refused_without_inflating_it(tmp_path):
    zeros = np.zeros(64 * MEGABYTE // 8)  # 64 MB of zeros deflate to about 64 KB
    raw = io.BytesIO()
    np.lib.format.write_array(raw, zeros)
    bomb = _archive(ARRAY, {"w": raw.getvalue()}, compression=zipfile.ZIP_DEFLATED)
    assert len(bomb) < MEGABYTE
    message = _refused_quickly(lambda: _load_bytes(tmp_path, bomb))
    assert "is compressed" in message and "stored uncompressed" in message


def test_member_size_larger_than_the_file_is_refused(tmp_path):
    data = bytearray(_archive(ARRAY, {"w": _npy_header((2,)) + bytes(16)}))
    directory = data.rindex(b"PK\x01\x02")  # the last central-directory entry: member w
    for offset in (20, 24):  # its compressed and uncompressed sizes (uint32 each)
        struct.pack_into("<I", data, directory + offset, 2**31)
    message = _refused_quickly(lambda: _load_bytes(tmp_path, bytes(data)))
    assert "claims 2147483648 bytes, more than the file holds" in message


@pytest.mark.parametrize("descr", ["|O", "<U8", "|V16", "<M8[s]"],
                         ids=["object", "unicode", "void", "datetime"])
def test_members_of_dtypes_save_never_writes_load_only_if_no_pickle_is_needed(tmp_path, descr):
    payload = _npy_header((2,), descr) + bytes(2 * np.dtype(descr).itemsize)
    data = _archive(ARRAY, {"w": payload})
    if descr == "|O":
        with pytest.raises(nn.SerializationError, match="pickled objects"):
            _load_bytes(tmp_path, data)
    else:  # not pickle, so harmless: numpy reads them, and they come back as arrays
        loaded = _load_bytes(tmp_path, data)
        assert loaded.dtype == np.dtype(descr) and loaded.shape == (2,)


MALFORMED_TREES = {
    "not a dict": [1, 2],
    "no type": {"items": []},
    "unknown type": {"type": "pickle", "value": "cos\nsystem\n"},
    "type is a list": {"type": ["list"]},
    "items not a list": {"type": "list", "items": 5},
    "dict item not a pair": {"type": "dict", "items": [[1]]},
    "unhashable key": {"type": "dict", "items": [[[1], {"type": "value", "value": 1}]]},
    "float not a number": {"type": "float", "value": "abc"},
    "float without value": {"type": "float"},
    "array without member": {"type": "array"},
    "member not a string": {"type": "array", "member": 5},
    "member missing": {"type": "array", "member": "nowhere"},
}


@pytest.mark.parametrize("case", list(MALFORMED_TREES))
def test_malformed_header_trees_are_a_serialization_error(tmp_path, case):
    _refused_quickly(lambda: _load_bytes(tmp_path, _archive(MALFORMED_TREES[case], {})))


def test_deeply_nested_header_is_a_serialization_error_not_a_recursion_crash(tmp_path):
    depth = 100_000
    tree = '{"type":"list","items":[' * depth + '{"type":"value","value":1}' + "]}" * depth
    header = (f'{{"format":"{serialization.FORMAT_NAME}",'
              f'"version":{serialization.FORMAT_VERSION},"tree":{tree}}}').encode()
    raw = io.BytesIO()
    np.lib.format.write_array(raw, np.frombuffer(header, np.uint8))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(serialization.HEADER_MEMBER + ".npy", raw.getvalue())
    _refused_quickly(lambda: _load_bytes(tmp_path, buffer.getvalue()), max_bytes=64 * MEGABYTE)


@pytest.mark.parametrize("version", [True, -1, 1.0, None, [1]], ids=repr)
def test_format_versions_of_the_wrong_type_are_refused(tmp_path, version):
    header = {"format": serialization.FORMAT_NAME, "version": version,
              "tree": {"type": "value", "value": 1}}
    with pytest.raises(nn.SerializationError, match="version"):
        _load_bytes(tmp_path, _archive(None, {}, header=header))


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_device_files_are_refused_at_once(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    _refused_quickly(lambda: nn.load(device))


def test_checkpoint_of_another_model_is_refused_naming_every_key_and_changing_nothing(tmp_path):
    nn.save({"model": nn.Linear(3, 4, rng=0).state_dict()}, tmp_path / "a.npz")
    other = nn.Linear(3, 5, rng=1)
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"'weight': checkpoint \(3, 4\), model \(3, 5\); "
                                         r"'bias': checkpoint \(4,\), model \(5,\)"):
        other.load_state_dict(nn.load(tmp_path / "a.npz")["model"])
    _assert_same(other.state_dict(), before)


# ---- read_idx: hypothesis headers that lie ------------------------------------------------------
@given(code=st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]),
       dims=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=4),
       payload=st.binary(max_size=512), compress=st.booleans())
def test_idx_headers_with_random_dimensions_never_allocate_what_they_promise(
        code, dims, payload, compress):
    data = struct.pack(">HBB", 0, code, len(dims)) + struct.pack(f">{len(dims)}I", *dims) + payload
    data = gzip.compress(data) if compress else data
    itemsize = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}[code]
    honest = int(np.prod(dims, dtype=object)) * itemsize == len(payload)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        array = read_idx(data)
    except DataError:
        assert not honest
    else:
        assert honest and array.shape == tuple(dims)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - start < SECONDS
    assert peak < 4 * MEGABYTE  # reading goes in 1 MiB pieces; the promise may be 64 GiB


def test_idx_from_a_non_contiguous_memoryview_reads_the_bytes_it_shows():
    raw = np.frombuffer(struct.pack(">HBBI", 0, 0x08, 1, 2) + b"\x07\x09", np.uint8)
    spread = np.zeros(2 * raw.size, np.uint8)
    spread[::2] = raw
    np.testing.assert_array_equal(read_idx(memoryview(spread[::2])), [7, 9])


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_idx_device_files_are_refused_at_once(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    _refused_quickly(lambda: read_idx(device), error=DataError)


def test_idx_directory_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot open IDX file"):
        read_idx(tmp_path)


# ---- downloads: cut off, interrupted, nowhere to write -------------------------------------------
def _partial_files(directory: Path) -> list[str]:
    return [p.name for p in directory.rglob("*") if p.is_file() and p.suffix == ".part"]


class _CutOff(io.BytesIO):
    """A response that delivers some bytes and then fails the way the caller chooses."""

    def __init__(self, payload: bytes, failure: BaseException) -> None:
        super().__init__(payload)
        self.failure = failure

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(min(size, 64) if size > 0 else 64)
        if not chunk:
            raise self.failure
        return chunk


def _patched_urlopen(monkeypatch, failure: BaseException, fall_back_to=None):
    """urlopen that cuts off every response from port 9 with `failure`."""
    real = urllib.request.urlopen
    opened = []

    def urlopen(url, timeout=None):
        opened.append(url)
        if url.startswith("http://127.0.0.1:9/"):
            return _CutOff(b"\x1f\x8b" + bytes(300), failure)
        return real(url, timeout=timeout)

    monkeypatch.setattr("nn.data.mnist.urllib.request.urlopen", urlopen)
    return opened


def test_connection_dropped_mid_body_falls_through_and_leaves_no_partial_file(
        tmp_path, server, monkeypatch):
    import http.client

    base, served = server
    arrays = tiny_arrays()
    write_files(served, arrays)
    _patched_urlopen(monkeypatch, http.client.IncompleteRead(b"", 1000))
    result = load_mnist(tmp_path, download=True, mirrors=["http://127.0.0.1:9/", base],
                        md5s=served_md5s(served))
    assert_loaded(result, arrays)
    assert _partial_files(tmp_path) == []


def test_ctrl_c_during_a_download_propagates_and_leaves_no_partial_file(tmp_path, monkeypatch):
    opened = _patched_urlopen(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        load_mnist(tmp_path, download=True, mirrors=["http://127.0.0.1:9/", "http://x/"],
                   md5s=dict.fromkeys((s + ".gz" for s in FILES.values()), "0" * 32))
    assert len(opened) == 1  # no other mirror was tried after the interrupt
    assert _partial_files(tmp_path) == [] and list((tmp_path / "mnist").iterdir()) == []


def test_full_disk_during_a_download_is_one_clear_error_not_every_mirrors_fault(
        tmp_path, server, monkeypatch):
    base, served = server
    write_files(served, tiny_arrays())
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, file):
            self.file = file

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.file, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    monkeypatch.setattr("nn.data.mnist.os.fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k)))
    with pytest.raises(DataError, match=r"cannot write .*train-images-idx3-ubyte.gz: the disk is "
                                        r"full; nothing was left behind") as info:
        load_mnist(tmp_path, download=True, mirrors=[base, base + "again/"],
                   md5s=served_md5s(served))
    assert "every mirror failed" not in str(info.value)
    assert list((tmp_path / "mnist").iterdir()) == []


def test_download_into_a_path_blocked_by_a_file_is_a_data_error(tmp_path):
    (tmp_path / "mnist").write_text("not a directory")
    with pytest.raises(DataError, match="cannot create the data directory"):
        load_mnist(tmp_path, download=True, mirrors=["http://127.0.0.1:9/"],
                   md5s=dict.fromkeys((s + ".gz" for s in FILES.values()), "0" * 32))


def test_a_stale_partial_file_from_a_killed_download_is_never_taken_for_data(tmp_path, server):
    base, served = server
    arrays = tiny_arrays()
    write_files(served, arrays)
    stale = tmp_path / "mnist" / ".train-images-idx3-ubyte.gz.abc123.part"
    stale.parent.mkdir()
    stale.write_bytes(b"\x1f\x8b half a file")
    result = load_mnist(tmp_path, download=True, mirrors=[base], md5s=served_md5s(served))
    assert_loaded(result, arrays)
