"""nn.save / nn.load: round trips, no pickle, atomic writes, and every broken file refused."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fifo_guard import raises_without_blocking_on_fifo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from refusal import MEGABYTE, refused_cheaply

import autograd_mini as am
import nn
from nn import serialization


def _model() -> nn.Sequential:
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4), nn.ReLU(),
                          nn.Linear(4, 2, rng=1))
    model(np.random.default_rng(0).normal(size=(5, 3)))  # move BatchNorm's running stats
    return model


def _state() -> dict:
    return {
        "model": _model().state_dict(),
        "optimizer": {"state": {0: {"step": 3, "exp_avg": np.arange(4.0)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1]}]},
        "epoch": 7, "best": float("inf"), "loss": np.float32(0.25), "name": "run/α",
        "done": False, "note": None, "tensor": am.tensor([1.5, 2.5]),
        "a/b": np.ones(1), "a": {"b": np.zeros(1)},  # flattened names collide: still separate
    }


def _assert_same(loaded, original):
    if isinstance(original, dict):
        assert list(loaded) == list(original)
        for key in original:
            _assert_same(loaded[key], original[key])
    elif isinstance(original, (list, tuple)):
        assert type(loaded) is type(original) and len(loaded) == len(original)
        for a, b in zip(loaded, original):
            _assert_same(a, b)
    elif isinstance(original, (np.ndarray, np.generic, am.Tensor)):
        expected = original.data if isinstance(original, am.Tensor) else original
        assert isinstance(loaded, type(expected)) or isinstance(original, am.Tensor)
        assert loaded.dtype == expected.dtype and loaded.shape == np.shape(expected)
        np.testing.assert_array_equal(loaded, expected)
    else:
        assert type(loaded) is type(original) and loaded == original


def test_round_trip_of_nested_state(tmp_path):
    path = tmp_path / "checkpoint.npz"
    state = _state()
    nn.save(state, path)
    loaded = nn.load(path)
    _assert_same(loaded, state)
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert 0 in loaded["optimizer"]["state"]  # int keys stay ints
    assert loaded["best"] == float("inf")
    assert loaded["model"]["1.num_batches_tracked"].dtype == np.int64


def test_model_resumes_exactly_from_a_checkpoint(tmp_path):
    model = _model()
    nn.save({"model": model.state_dict()}, tmp_path / "m.npz")
    fresh = nn.Sequential(nn.Linear(3, 4, rng=5), nn.BatchNorm1d(4), nn.ReLU(),
                          nn.Linear(4, 2, rng=6))
    fresh.load_state_dict(nn.load(tmp_path / "m.npz")["model"])
    x = np.random.default_rng(1).normal(size=(4, 3))
    np.testing.assert_array_equal(fresh.eval()(x).data, model.eval()(x).data)


def test_file_is_a_plain_npz_readable_without_pickle(tmp_path):
    path = tmp_path / "plain.npz"
    nn.save({"model": {"0.weight": np.eye(2)}, "step": 1}, path)
    with np.load(path, allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["model/0.weight"], np.eye(2))
        header = json.loads(archive[serialization.HEADER_MEMBER].tobytes())
    assert header["format"] == serialization.FORMAT_NAME
    assert header["version"] == serialization.FORMAT_VERSION


def test_save_refuses_what_would_need_pickle(tmp_path):
    with pytest.raises(TypeError, match="dtype object"):
        nn.save({"bad": np.array([{}], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="set"):
        nn.save({"bad": {1, 2}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="key"):
        nn.save({(1, 2): 3}, tmp_path / "x.npz")
    assert not list(tmp_path.iterdir())


# ---- broken files ----------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "good.npz"
    nn.save(_state(), path)
    return path


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.25, 0.5, 0.9, 0.999])
def test_truncated_file_is_refused(saved, fraction):
    data = saved.read_bytes()
    saved.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(nn.SerializationError):
        nn.load(saved)


def test_last_byte_missing_is_refused(saved):
    saved.write_bytes(saved.read_bytes()[:-1])
    with pytest.raises(nn.SerializationError):
        nn.load(saved)


def test_random_byte_corruption_is_refused_or_harmless(saved):
    """Flipping any byte either raises SerializationError or (in fields such as timestamps
    that carry no data) loads exactly the original state; never wrong data, never another
    exception."""
    original = saved.read_bytes()
    rng = np.random.default_rng(0)
    refused = 0
    for position in rng.choice(len(original), size=300, replace=False):
        corrupted = bytearray(original)
        corrupted[position] ^= 1 << int(rng.integers(8))
        saved.write_bytes(bytes(corrupted))
        try:
            loaded = nn.load(saved)
        except nn.SerializationError:
            refused += 1
            continue
        _assert_same(loaded, _state())
    # Most bytes are data under a CRC or structure that is checked; the rest are zip fields
    # nobody reads (timestamps, "version made by", file attributes, zip64 extras).
    assert refused > 200


def test_pickled_object_array_is_refused_without_running_it(tmp_path):
    path = tmp_path / "evil.npz"
    header = {"format": serialization.FORMAT_NAME, "version": serialization.FORMAT_VERSION,
              "tree": {"type": "dict", "items": [["x", {"type": "array", "member": "x"}]]}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        with archive.open(serialization.HEADER_MEMBER + ".npy", "w") as member:
            np.lib.format.write_array(
                member, np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
        with archive.open("x.npy", "w") as member:
            np.lib.format.write_array(member, np.array([Exploding()], dtype=object),
                                      allow_pickle=True)
    path.write_bytes(buffer.getvalue())
    Exploding.ran = False
    with pytest.raises(nn.SerializationError, match="pickled"):
        nn.load(path)
    assert not Exploding.ran


class Exploding:
    """Unpickling this would set a flag: proof that load never unpickles."""

    ran = False

    def __reduce__(self):
        return (_mark_ran, ())


def _mark_ran():
    Exploding.ran = True


def test_plain_npz_without_header_is_foreign(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones(3))
    with pytest.raises(nn.SerializationError, match="not an autograd_mini checkpoint"):
        nn.load(path)


@pytest.mark.parametrize("content", [b"hello, not a zip", b"\x93NUMPY\x01\x00", b"PK\x03\x04"])
def test_non_zip_file_is_refused(tmp_path, content):
    path = tmp_path / "file.npz"
    path.write_bytes(content)
    with pytest.raises(nn.SerializationError):
        nn.load(path)


def test_empty_file_says_so(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    with pytest.raises(nn.SerializationError, match="empty"):
        nn.load(path)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.npz")


@pytest.mark.parametrize(("version", "message"), [(0, "no longer supported"), (2, "newer"),
                                                  ("1", "no valid format version")])
def test_other_format_versions_are_refused(tmp_path, monkeypatch, version, message):
    path = tmp_path / "v.npz"
    monkeypatch.setattr(serialization, "FORMAT_VERSION", version)
    nn.save({"x": np.ones(2)}, path)
    monkeypatch.undo()
    with pytest.raises(nn.SerializationError, match=message):
        nn.load(path)


def test_members_not_in_header_are_refused(saved):
    with zipfile.ZipFile(saved, "a") as archive:
        with archive.open("smuggled.npy", "w") as member:
            np.lib.format.write_array(member, np.ones(1))
    with pytest.raises(nn.SerializationError, match="smuggled"):
        nn.load(saved)


# ---- atomic writes ---------------------------------------------------------------------------
def test_crash_during_write_keeps_the_previous_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    nn.save({"step": 1, "w": np.ones(3)}, path)
    before = path.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def failing_write(file, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # after the header, halfway through the arrays
            file.write(b"partial")
            raise OSError("disk full")
        return real_write(file, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"step": 2, "w": np.zeros(3), "v": np.zeros(2)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]
    assert nn.load(path)["step"] == 1


def test_interrupt_before_rename_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    nn.save({"step": 1}, path)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        nn.save({"step": 2}, path)
    monkeypatch.undo()
    assert nn.load(path) == {"step": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]


def test_save_overwrites_and_respects_umask(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"step": 1}, path)
    nn.save({"step": 2}, str(path))
    assert nn.load(str(path)) == {"step": 2}
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("when", ["after creating the file", "after renaming it"])
def test_interrupt_right_after_a_step_of_the_write_leaves_no_temporary_file(
        tmp_path, monkeypatch, when):
    """A Ctrl-C that reached Python just before nn.save masked signals runs its handler at the
    next bytecode: right after the temporary file is created, or after the rename. Either way
    no `.tmp` may remain, and the target holds a complete old or new checkpoint."""
    path = tmp_path / "last.npz"
    nn.save({"step": 1}, path)
    real_open, real_replace = os.open, os.replace

    def open_then_interrupt(name, *args, **kwargs):
        fd = real_open(name, *args, **kwargs)
        if str(name).endswith(".tmp") and when == "after creating the file":
            os.close(fd)
            raise KeyboardInterrupt
        return fd

    def replace_then_interrupt(src, dst):
        real_replace(src, dst)
        if when == "after renaming it":
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "open", open_then_interrupt)
    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        nn.save({"step": 2}, path)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.npz"]
    assert nn.load(path)["step"] == (1 if when == "after creating the file" else 2)


# ---- hostile files: bytes from hypothesis, headers that lie, bombs (tests/HARDENING.md) -----
def _small_state() -> dict:
    return {"model": {"0.weight": np.arange(6.0).reshape(2, 3), "0.bias": np.zeros(3)},
            "step": 7, "lr": 0.1, "name": "run", "done": None, "shape": (2, 3)}


def _checkpoint_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "valid.npz"
    nn.save(_small_state(), path)
    return path.read_bytes()


def _load_bytes(tmp_path: Path, data: bytes):
    path = tmp_path / "candidate.npz"
    path.write_bytes(data)
    return nn.load(path)


def _refused_quickly(fn, max_bytes: int = 4 * MEGABYTE) -> str:
    """fn raises SerializationError having allocated under max_bytes."""
    return refused_cheaply(fn, nn.SerializationError, max_bytes)


# ---- nn.load: bytes from hypothesis ------------------------------------------------------------
FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@pytest.mark.hardening("files/load-bytes")
@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_are_a_serialization_error(tmp_path, data):
    _refused_quickly(lambda: _load_bytes(tmp_path, data))


@pytest.mark.hardening("files/load-zip-signature")
@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_behind_a_zip_signature_are_a_serialization_error(tmp_path, data):
    _refused_quickly(lambda: _load_bytes(tmp_path, b"PK\x03\x04" + data))


@pytest.mark.hardening("files/load-random-zips")
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


@pytest.mark.hardening("files/load-mutated")
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
    try:
        loaded = _load_bytes(tmp_path, bytes(data))
    except nn.SerializationError:
        pass
    else:
        _assert_same(loaded, _small_state())


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


@pytest.mark.hardening("files/lying-array-header")
@pytest.mark.parametrize("shape", [(10**12,), (2**31, 2**31), (3,), (10**9, 0, 10**9)],
                         ids=["8 TB", "32 EB", "3 (of 2 present)", "zero-size"])
def test_array_header_promising_more_than_the_member_holds_is_refused_before_allocating(
        tmp_path, shape):
    payload = _npy_header(shape) + bytes(16)  # two float64 values are really there
    message = _refused_quickly(lambda: _load_bytes(tmp_path, _archive(ARRAY, {"w": payload})))
    assert f"member 'w' promises shape {shape}" in message and "but holds 16" in message


@pytest.mark.hardening("files/zip-bomb")
def test_zip_bomb_member_is_refused_without_inflating_it(tmp_path):
    zeros = np.zeros(64 * MEGABYTE // 8)  # 64 MB of zeros deflate to about 64 KB
    raw = io.BytesIO()
    np.lib.format.write_array(raw, zeros)
    bomb = _archive(ARRAY, {"w": raw.getvalue()}, compression=zipfile.ZIP_DEFLATED)
    assert len(bomb) < MEGABYTE
    message = _refused_quickly(lambda: _load_bytes(tmp_path, bomb))
    assert "is compressed" in message and "stored uncompressed" in message


@pytest.mark.hardening("files/member-size")
def test_member_size_larger_than_the_file_is_refused(tmp_path):
    data = bytearray(_archive(ARRAY, {"w": _npy_header((2,)) + bytes(16)}))
    directory = data.rindex(b"PK\x01\x02")  # the last central-directory entry: member w
    for offset in (20, 24):  # its compressed and uncompressed sizes (uint32 each)
        struct.pack_into("<I", data, directory + offset, 2**31)
    message = _refused_quickly(lambda: _load_bytes(tmp_path, bytes(data)))
    assert "claims 2147483648 bytes, more than the file holds" in message


@pytest.mark.hardening("files/foreign-dtypes")
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


@pytest.mark.hardening("files/malformed-tree")
@pytest.mark.parametrize("case", list(MALFORMED_TREES))
def test_malformed_header_trees_are_a_serialization_error(tmp_path, case):
    _refused_quickly(lambda: _load_bytes(tmp_path, _archive(MALFORMED_TREES[case], {})))


@pytest.mark.hardening("files/deep-header")
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


@pytest.mark.hardening("files/version-type")
@pytest.mark.parametrize("version", [True, -1, 1.0, None, [1]], ids=repr)
def test_format_versions_of_the_wrong_type_are_refused(tmp_path, version):
    header = {"format": serialization.FORMAT_NAME, "version": version,
              "tree": {"type": "value", "value": 1}}
    with pytest.raises(nn.SerializationError, match="version"):
        _load_bytes(tmp_path, _archive(None, {}, header=header))


@pytest.mark.hardening("files/device-files")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_device_files_are_refused_at_once(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    _refused_quickly(lambda: nn.load(device))


@pytest.mark.hardening("files/other-model")
def test_checkpoint_of_another_model_is_refused_naming_every_key_and_changing_nothing(tmp_path):
    nn.save({"model": nn.Linear(3, 4, rng=0).state_dict()}, tmp_path / "a.npz")
    other = nn.Linear(3, 5, rng=1)
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"'weight': checkpoint \(3, 4\), model \(3, 5\); "
                                         r"'bias': checkpoint \(4,\), model \(5,\)"):
        other.load_state_dict(nn.load(tmp_path / "a.npz")["model"])
    _assert_same(other.state_dict(), before)


# ---- keys that could never be read back are refused at save time ------------------------------
@pytest.mark.hardening("files/save-bad-keys")
@pytest.mark.parametrize(("key", "message"), [
    ("a\x00b", "contains a NUL byte"),
    ("k" * 70_000, "is 70000 bytes long"),
    ("\udc80", "is not valid Unicode text"),
])
def test_save_refuses_keys_that_cannot_be_member_names_and_writes_nothing(tmp_path, key,
                                                                          message):
    with pytest.raises(ValueError, match=message):
        nn.save({"model": {key: np.ones(2)}}, tmp_path / "c.npz")
    assert list(tmp_path.iterdir()) == []  # no checkpoint, no temporary file


@pytest.mark.hardening("files/save-bad-keys")
def test_save_refuses_a_nested_path_longer_than_a_zip_member_name(tmp_path):
    state: dict = {"leaf": np.ones(1)}
    for _ in range(40):
        state = {"k" * 2000: state}  # each key is fine; the joined path is 80 000 bytes
    with pytest.raises(ValueError, match="must fit in 65531 bytes"):
        nn.save(state, tmp_path / "c.npz")
    assert list(tmp_path.iterdir()) == []


# ---- one member per reference ------------------------------------------------------------------
def _archive_with_tree(tree: dict, members: dict[str, np.ndarray]) -> bytes:
    header = {"format": serialization.FORMAT_NAME, "version": serialization.FORMAT_VERSION,
              "tree": tree}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in {serialization.HEADER_MEMBER:
                            np.frombuffer(json.dumps(header).encode(), np.uint8),
                            **members}.items():
            raw = io.BytesIO()
            np.lib.format.write_array(raw, array)
            archive.writestr(name + ".npy", raw.getvalue())
    return buffer.getvalue()


@pytest.mark.hardening("files/member-reused")
@pytest.mark.parametrize("member", ["big", serialization.HEADER_MEMBER])
def test_load_refuses_a_header_that_references_one_member_many_times(tmp_path, member):
    # 1 MiB on disk, referenced 2048 times, would decode to 2 GiB.
    reference = {"type": "array", "member": member}
    tree = {"type": "list", "items": [reference] * 2048}
    path = tmp_path / "bomb.npz"
    path.write_bytes(_archive_with_tree(tree, {"big": np.zeros(2**17)}))
    with pytest.raises(nn.SerializationError, match=f"refers to member '{member}' more than "
                                                    "once"):
        nn.load(path)


@pytest.mark.hardening("files/member-reused")
def test_load_refuses_two_members_of_the_same_name(tmp_path):
    # Python's zipfile reads the last of two same-named members, other readers the first: the
    # file loaded as [7, 7, 7, 7] here and could load as [0, 1, 2, 3] elsewhere.
    path = tmp_path / "twice.npz"
    path.write_bytes(_archive_with_tree({"type": "array", "member": "w"}, {"w": np.arange(4.0)}))
    raw = io.BytesIO()
    np.lib.format.write_array(raw, np.full(4, 7.0))
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("w.npy", raw.getvalue())
    with pytest.raises(nn.SerializationError, match="member 'w.npy' appears more than once"):
        nn.load(path)


@pytest.mark.hardening("files/device-files")
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX paths")
def test_load_says_a_path_it_cannot_open_is_not_a_damaged_checkpoint(tmp_path):
    # A symlink loop or a socket was reported as "corrupted or truncated checkpoint".
    import socket

    loop = tmp_path / "loop.npz"
    loop.symlink_to(loop)
    with pytest.raises(nn.SerializationError, match=r"cannot open the checkpoint \(Too many "
                                                    r"levels of symbolic links\)"):
        nn.load(loop)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "s.npz"))
        with pytest.raises(nn.SerializationError, match="is a socket, not a regular file"):
            nn.load(tmp_path / "s.npz")


# ---- only regular files are read ---------------------------------------------------------------
@pytest.mark.hardening("files/fifo")
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_load_refuses_a_fifo_at_once_instead_of_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "last.npz"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it for reading would block forever
    error = raises_without_blocking_on_fifo(nn.load, fifo)
    assert isinstance(error, nn.SerializationError)
    assert "is a FIFO (named pipe), not a regular file" in str(error)
