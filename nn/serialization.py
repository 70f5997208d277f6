"""Checkpoints: `save(state, path)` and `load(path)` for nested dicts of arrays and scalars.

The file is a plain `.npz` (a zip of `.npy` members) readable by `np.load(path,
allow_pickle=False)`. One member, `__checkpoint__`, holds a UTF-8 JSON header as a uint8
array: format name, format version, and the tree of the saved object. Arrays sit in members
named by their path in that tree (e.g. `model/0.weight`); Python scalars, strings and None
live in the header. Nothing is ever pickled, in either direction.

Writing goes to a temporary file in the target's directory, is flushed and fsync'ed, then
renamed over the target with `os.replace`, so a crash leaves the old file or the new one,
never half of one. Every way a file can be wrong (not a zip, truncated, bytes flipped — caught
by the zip CRCs —, foreign, another format version) raises `SerializationError`.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import signal
import threading
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from autograd_mini import Tensor

from .data.regular_file import NotARegularFileError, open_regular_file

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "SerializationError", "load", "save"]

FORMAT_NAME = "autograd_mini.checkpoint"
FORMAT_VERSION = 1
HEADER_MEMBER = "__checkpoint__"
_SEPARATOR = "/"
_ARRAY_KINDS = "biufc"  # bool, integers, floats, complex: all stored without pickle
MAX_KEY_BYTES = 4096  # one key, UTF-8
MAX_MEMBER_NAME = 65_535 - len(".npy")  # a zip member name's length is a 16-bit field


class SerializationError(ValueError):
    """A file that is not a readable checkpoint of this format and version."""


# ---- encoding ---------------------------------------------------------------------------------
def _encode(value: Any, path: str, arrays: dict[str, np.ndarray]) -> Any:
    """The JSON description of `value`; arrays are added to `arrays` under unique names."""
    scalar = isinstance(value, np.generic)  # checked first: np.float64 is also a float
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.kind not in _ARRAY_KINDS:
            raise TypeError(f"save: array at {path or '<root>'} has dtype {array.dtype}; only "
                            "bool, integer, float and complex arrays can be saved without pickle")
        name = path or "array"
        while name in arrays or name == HEADER_MEMBER:
            name += "#"  # a key containing the separator collided with a nested path
        if len(name.encode("utf-8")) > MAX_MEMBER_NAME:
            raise ValueError(f"save: the path of the array at {name[:60]!r}... is "
                             f"{len(name.encode('utf-8'))} bytes long; an array's path (its keys "
                             f"joined by '/') must fit in {MAX_MEMBER_NAME} bytes, the zip "
                             "format's limit: use shorter keys or less nesting")
        arrays[name] = array
        return {"type": "scalar" if scalar else "array", "member": name}
    if value is None or isinstance(value, (bool, int, str)):
        return {"type": "value", "value": value}
    if isinstance(value, float):
        # JSON has no inf/nan; repr() round-trips every float exactly.
        return {"type": "float", "value": repr(value)}
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"save: key {key!r} at {path or '<root>'} must be a str or int")
            _check_key(key, path)
            items.append([key, _encode(item, _join(path, str(key)), arrays)])
        return {"type": "dict", "items": items}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {"type": kind, "items": [_encode(item, _join(path, str(i)), arrays)
                                        for i, item in enumerate(value)]}
    raise TypeError(f"save: cannot store {type(value).__name__} at {path or '<root>'}; expected "
                    "dicts, lists, tuples, arrays, Tensors, numbers, strings or None")


def _check_key(key: str | int, path: str) -> None:
    """Refuse, before anything is written, a key that could never be read back.

    A key becomes part of a zip member's name: zip readers cut names at a NUL byte, names are
    UTF-8 (no lone surrogates), and a name holds at most 65 535 bytes."""
    if not isinstance(key, str):
        return
    where = path or "<root>"
    if "\x00" in key:
        raise ValueError(f"save: key {key!r} at {where} contains a NUL byte ('\\x00'), which "
                         "no zip reader keeps in a member name; rename the key")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise ValueError(f"save: key {key!r} at {where} is not valid Unicode text ({error.reason}"
                         "); use a key that encodes as UTF-8") from None
    if size > MAX_KEY_BYTES:
        raise ValueError(f"save: key {key[:40]!r}... at {where} is {size} bytes long, more than "
                         f"the {MAX_KEY_BYTES} bytes a key may hold; use a shorter key")


def _join(path: str, key: str) -> str:
    return f"{path}{_SEPARATOR}{key}" if path else key


def save(state: Any, path: str | os.PathLike[str]) -> None:
    """Write `state` (e.g. {'model': model.state_dict(), 'optimizer': ..., 'epoch': 3})
    atomically to `path` as an `.npz` file with no pickled data."""
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(state, "", arrays)
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "tree": tree}
    header_bytes = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    temp = os.path.join(directory, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    # 0o666 through the umask: the checkpoint gets the permissions of any new file.
    with _interrupts_deferred():
        # Created inside the `try`: a Ctrl-C that reached Python just before the mask went up
        # still runs its handler at the next bytecode, and must find the cleanup in place.
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
            with os.fdopen(fd, "wb") as file:
                with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
                    _write_member(archive, HEADER_MEMBER, header_bytes)
                    for name, array in arrays.items():
                        _write_member(archive, name, array)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, target)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:  # never created (or already renamed): the first error matters
                pass
            raise
    _fsync_directory(directory)


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back while a file is written and renamed into place.

    A Ctrl-C raised at an arbitrary bytecode can land where no cleanup runs (between creating
    the temporary file and the `try`, or inside a zip object's finalizer); deferred, it arrives
    a few milliseconds later, after the new file is complete. Only the main thread receives
    Python signal handlers, and only POSIX has signal masks."""
    if not hasattr(signal, "pthread_sigmask") \
            or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _write_member(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with archive.open(name + ".npy", "w", force_zip64=True) as member:
        np.lib.format.write_array(member, array, allow_pickle=False)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- decoding ---------------------------------------------------------------------------------
def load(path: str | os.PathLike[str]) -> Any:
    """Read a checkpoint written by `save`; arrays come back as numpy arrays (Tensors too)."""
    target = os.fspath(path)
    try:
        with open_regular_file(target) as file:
            magic = file.read(4)
            if not magic:
                raise SerializationError(f"{target}: the file is empty")
            if magic != b"PK\x03\x04":
                raise SerializationError(f"{target}: not a checkpoint (not a zip/.npz file)")
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                _check_members(archive, target, os.fstat(file.fileno()).st_size)
                return _load_archive(archive, target)
    except SerializationError:
        raise
    except NotARegularFileError as exc:
        raise SerializationError(str(exc)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, TypeError, EOFError,
            KeyError, OSError, NotImplementedError, RuntimeError) as exc:
        if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        if isinstance(exc, OSError) and exc.filename is not None:  # the path, not the bytes
            raise SerializationError(f"{target}: cannot open the checkpoint ({exc.strerror})"
                                     ) from exc
        raise SerializationError(f"{target}: corrupted or truncated checkpoint ({exc})") from exc


def _check_members(archive: zipfile.ZipFile, target: str, file_size: int) -> None:
    """Refuse, from the zip directory alone, members whose sizes cannot be true.

    `save` stores members uncompressed, so a member's size is bounded by the file's: this is
    what lets `_read_member` refuse a lying array header before numpy allocates its array (a
    compressed member could expand a few bytes into gigabytes).
    """
    seen: set[str] = set()
    for info in archive.infolist():
        if info.filename in seen:
            # zip readers disagree on which of two same-named members counts (Python's takes
            # the last, others the first): the file could mean two different checkpoints.
            raise SerializationError(f"{target}: member {info.filename!r} appears more than "
                                     "once (checkpoints written by nn.save never do)")
        seen.add(info.filename)
        if info.compress_type != zipfile.ZIP_STORED:
            raise SerializationError(f"{target}: member {info.filename!r} is compressed (zip "
                                     f"method {info.compress_type}); checkpoints are stored "
                                     "uncompressed")
        if info.file_size != info.compress_size or \
                info.header_offset + info.compress_size > file_size:
            raise SerializationError(f"{target}: member {info.filename!r} claims "
                                     f"{info.file_size} bytes, more than the file holds")


def _read_member(archive: zipfile.ZipFile, name: str, target: str) -> np.ndarray:
    try:
        with archive.open(name + ".npy") as member:
            # Check the array header against the member's real size before read_array
            # allocates the array it describes (a lying shape could ask for terabytes).
            version = np.lib.format.read_magic(member)
            if version not in ((1, 0), (2, 0)):
                raise SerializationError(f"{target}: member {name!r} has .npy format version "
                                         f"{version}, expected 1.0 or 2.0")
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) \
                else np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(member)
            if dtype.hasobject:
                raise ValueError("Object arrays cannot be loaded when allow_pickle=False")
            promised = math.prod(shape) * dtype.itemsize
            available = archive.getinfo(name + ".npy").file_size - member.tell()
            if promised != available:
                raise SerializationError(
                    f"{target}: member {name!r} promises shape {shape} of {dtype} = {promised} "
                    f"bytes, but holds {available}"
                )
            member.seek(0)
            array = np.lib.format.read_array(member, allow_pickle=False)
            if member.read(1):  # also reaches the end, so the member's CRC is verified
                raise SerializationError(f"{target}: member {name!r} has trailing bytes")
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise SerializationError(f"{target}: member {name!r} holds pickled objects, which "
                                     "are never loaded (they can run arbitrary code)") from exc
        raise
    return array


def _load_archive(archive: zipfile.ZipFile, target: str) -> Any:
    names = archive.namelist()
    if HEADER_MEMBER + ".npy" not in names:
        raise SerializationError(f"{target}: not an autograd_mini checkpoint (no "
                                 f"{HEADER_MEMBER!r} member; a plain .npz from np.savez?)")
    raw = _read_member(archive, HEADER_MEMBER, target)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise SerializationError(f"{target}: malformed header member")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SerializationError(f"{target}: the header is not valid JSON ({exc})") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise SerializationError(f"{target}: not an autograd_mini checkpoint (format "
                                 f"{header.get('format') if isinstance(header, dict) else '?'})")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SerializationError(f"{target}: the header has no valid format version")
    if version > FORMAT_VERSION:
        raise SerializationError(f"{target}: written with checkpoint format version {version}, "
                                 f"newer than this version reads ({FORMAT_VERSION}); upgrade "
                                 "autograd_mini")
    if version < FORMAT_VERSION:
        raise SerializationError(f"{target}: checkpoint format version {version} is no longer "
                                 f"supported (this version reads {FORMAT_VERSION})")
    expected = {HEADER_MEMBER + ".npy"}
    value = _decode(header.get("tree"), archive, target, set(names), expected)
    extra = sorted(set(names) - expected)
    if extra:
        raise SerializationError(f"{target}: members {extra} are not described by the header")
    return value


def _decode(node: Any, archive: zipfile.ZipFile, target: str, names: set[str],
            used: set[str]) -> Any:
    """Rebuild the saved object from its header tree, reading each array it names."""
    if not isinstance(node, dict) or "type" not in node:
        raise SerializationError(f"{target}: malformed header tree near {node!r:.80}")
    kind = node["type"]
    if kind == "value":
        return node.get("value")
    if kind == "float":
        return float(node["value"])
    if kind == "dict":
        return {key: _decode(item, archive, target, names, used) for key, item in node["items"]}
    if kind in ("list", "tuple"):
        items = [_decode(item, archive, target, names, used) for item in node["items"]]
        return items if kind == "list" else tuple(items)
    if kind in ("array", "scalar"):
        name = node["member"]
        if not isinstance(name, str) or name + ".npy" not in names:
            raise SerializationError(f"{target}: array member {name!r} is missing")
        if name + ".npy" in used:
            # `save` names each member once; reading one member per reference would let a
            # small file decode to any size. Each member read at most once, stored
            # uncompressed (`_check_members`): the decoded total is bounded by the file's size.
            raise SerializationError(f"{target}: the header refers to member {name!r} more than "
                                     "once (checkpoints written by nn.save never do)")
        used.add(name + ".npy")
        array = _read_member(archive, name, target)
        return array[()] if kind == "scalar" else array
    raise SerializationError(f"{target}: unknown entry type {kind!r} in the header")
