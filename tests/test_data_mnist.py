"""load_mnist: real files when present, tiny synthetic files, downloads from a local server."""

from __future__ import annotations

import errno
import functools
import gzip
import hashlib
import http.server
import io
import os
import re
import socket
import struct
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from nn.data import DataError, load_mnist
from nn.data.mnist import FILES, MD5

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
needs_mnist = pytest.mark.skipif(
    not (SHARED_MNIST / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"MNIST not found in {SHARED_MNIST}",
)


# --- the real MNIST ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return load_mnist(SHARED_MNIST)


@needs_mnist
def test_real_mnist_shapes_dtypes_and_ranges(mnist) -> None:
    X_train, y_train, X_test, y_test = mnist
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    # The well-known normalisation constants of MNIST's training pixels.
    assert X_train.mean() == pytest.approx(0.1307, abs=1e-4)
    assert X_train.std() == pytest.approx(0.3081, abs=1e-4)


@needs_mnist
def test_real_mnist_label_counts(mnist) -> None:
    _, y_train, _, y_test = mnist
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS


@needs_mnist
def test_published_md5s_match_the_real_files() -> None:
    for filename, md5 in MD5["mnist"].items():
        assert hashlib.md5((SHARED_MNIST / filename).read_bytes()).hexdigest() == md5


# --- tiny synthetic files ----------------------------------------------------------------


def idx(array: np.ndarray) -> bytes:
    """IDX bytes of a uint8 array."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim)
    return header + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def tiny_arrays(n_train: int = 6, n_test: int = 4, offset: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(offset)
    return {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(n_train) + offset).astype(np.uint8) % 10,
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": (np.arange(n_test) + offset + 3).astype(np.uint8) % 10,
    }


def write_files(directory: Path, arrays: dict[str, np.ndarray], compress: bool = True) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for key, array in arrays.items():
        name = FILES[key] + (".gz" if compress else "")
        data = idx(array)
        (directory / name).write_bytes(gzip.compress(data) if compress else data)


def assert_loaded(result, arrays: dict[str, np.ndarray]) -> None:
    X_train, y_train, X_test, y_test = result
    np.testing.assert_array_equal(X_train * 255, arrays["train_images"].reshape(-1, 784))
    np.testing.assert_array_equal(X_test * 255, arrays["test_images"].reshape(-1, 784))
    np.testing.assert_array_equal(y_train, arrays["train_labels"])
    np.testing.assert_array_equal(y_test, arrays["test_labels"])
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("subdir", ["", "mnist"])
def test_finds_files_in_root_or_kind_subdirectory(tmp_path, compress: bool, subdir: str) -> None:
    arrays = tiny_arrays()
    write_files(tmp_path / subdir, arrays, compress)
    assert_loaded(load_mnist(tmp_path), arrays)


def test_kind_subdirectory_wins_over_root(tmp_path) -> None:
    mnist_arrays, fashion_arrays = tiny_arrays(offset=0), tiny_arrays(offset=5)
    write_files(tmp_path, mnist_arrays)
    write_files(tmp_path / "fashion-mnist", fashion_arrays)
    assert_loaded(load_mnist(tmp_path, kind="fashion-mnist"), fashion_arrays)
    assert_loaded(load_mnist(tmp_path, kind="mnist"), mnist_arrays)


def test_directory_from_environment(tmp_path, monkeypatch) -> None:
    arrays = tiny_arrays()
    write_files(tmp_path / "mnist", arrays)
    monkeypatch.setenv("AUTOGRAD_MINI_DATA", str(tmp_path))
    assert_loaded(load_mnist(), arrays)


def test_no_directory_says_how_to_give_one(monkeypatch) -> None:
    monkeypatch.delenv("AUTOGRAD_MINI_DATA", raising=False)
    with pytest.raises(DataError, match="path=.*AUTOGRAD_MINI_DATA"):
        load_mnist()


def test_missing_files_say_where_and_how_to_download(tmp_path) -> None:
    write_files(tmp_path, {"train_images": tiny_arrays()["train_images"]})  # one of four
    with pytest.raises(DataError) as info:
        load_mnist(tmp_path)
    message = str(info.value)
    assert "train-labels-idx1-ubyte" in message and str(tmp_path / "mnist") in message
    assert "download=True" in message


@pytest.mark.parametrize(
    ("key", "array", "pattern"),
    [
        ("train_labels", np.arange(5, dtype=np.uint8), "6 images but .* 5 labels"),
        ("test_labels", np.array([1, 2, 10, 3], np.uint8), "found label 10, expected labels 0..9"),
        ("test_images", np.zeros((4, 27, 28), np.uint8), r"shape \(4, 27, 28\), expected"),
        ("train_labels", np.zeros((6, 1), np.uint8), r"labels have shape \(6, 1\)"),
    ],
)
def test_inconsistent_files_are_rejected(tmp_path, key, array, pattern) -> None:
    arrays = tiny_arrays()
    arrays[key] = array
    write_files(tmp_path, arrays)
    with pytest.raises(DataError, match=pattern):
        load_mnist(tmp_path)


def test_wrong_idx_dtype_is_rejected(tmp_path) -> None:
    write_files(tmp_path, tiny_arrays())
    floats = struct.pack(">HBBI", 0, 0x0D, 1, 6) + np.zeros(6, ">f4").tobytes()
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(floats))
    with pytest.raises(DataError, match="train-labels.*expected 0x08"):
        load_mnist(tmp_path)


def test_bad_arguments(tmp_path) -> None:
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="emnist")
    with pytest.raises(ValueError, match="mirrors"):
        load_mnist(tmp_path, download=True, mirrors="http://127.0.0.1/")
    with pytest.raises(ValueError, match="md5s"):
        load_mnist(tmp_path, download=True, md5s={"train-images-idx3-ubyte.gz": "0" * 32})


# --- downloads from a local server -------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    requested: list[str] = []

    def do_GET(self) -> None:
        QuietHandler.requested.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[str, Path]]:
    """(base URL, served directory) of an HTTP server on 127.0.0.1 in a thread."""
    served = tmp_path / "served"
    served.mkdir()
    QuietHandler.requested = []
    handler = functools.partial(QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", served
    httpd.shutdown()
    httpd.server_close()


def served_md5s(served: Path) -> dict[str, str]:
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in served.glob("*.gz")}


def dead_url() -> str:
    """A URL on a port nothing listens on, so connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def test_download_falls_through_dead_and_missing_mirrors(tmp_path, server) -> None:
    base, served = server
    arrays = tiny_arrays()
    write_files(served, arrays)
    target = tmp_path / "data"
    mirrors = [dead_url(), base + "no-such-folder/", base]
    result = load_mnist(target, download=True, mirrors=mirrors, md5s=served_md5s(served))
    assert_loaded(result, arrays)
    assert sorted(p.name for p in (target / "mnist").iterdir()) == sorted(
        name + ".gz" for name in FILES.values()
    )
    assert sum(path.startswith("/no-such-folder/") for path in QuietHandler.requested) == 4


def test_checksum_mismatch_leaves_no_file(tmp_path, server) -> None:
    base, served = server
    write_files(served, tiny_arrays())
    wrong = dict.fromkeys(served_md5s(served), "0" * 32)
    with pytest.raises(DataError, match="every mirror failed") as info:
        load_mnist(tmp_path / "data", download=True, mirrors=[base], md5s=wrong)
    assert re.search(r"md5 is [0-9a-f]{32}, expected 0{32}", str(info.value))
    assert list((tmp_path / "data" / "mnist").iterdir()) == []


def test_all_mirrors_dead_is_a_clear_error(tmp_path) -> None:
    mirrors = [dead_url(), dead_url()]
    with pytest.raises(DataError, match="could not download train-images") as info:
        load_mnist(tmp_path, download=True, mirrors=mirrors, md5s=MD5["mnist"])
    assert all(url in str(info.value) for url in mirrors)
    assert list((tmp_path / "mnist").iterdir()) == []


def test_stalled_mirror_times_out_and_falls_through(tmp_path, server) -> None:
    base, served = server
    arrays = tiny_arrays()
    write_files(served, arrays)
    with socket.socket() as stalled:  # accepts connections into its backlog, never answers
        stalled.bind(("127.0.0.1", 0))
        stalled.listen(8)
        stalled_url = f"http://127.0.0.1:{stalled.getsockname()[1]}/"
        result = load_mnist(
            tmp_path,
            download=True,
            mirrors=[stalled_url, base],
            md5s=served_md5s(served),
            timeout=0.1,
        )
    assert_loaded(result, arrays)


def test_download_fetches_only_missing_files(tmp_path, server) -> None:
    base, served = server
    arrays = tiny_arrays()
    write_files(served, arrays)
    write_files(tmp_path / "mnist", {k: arrays[k] for k in ("train_images", "test_images")})
    result = load_mnist(tmp_path, download=True, mirrors=[base], md5s=served_md5s(served))
    assert_loaded(result, arrays)
    assert sorted(QuietHandler.requested) == [
        "/t10k-labels-idx1-ubyte.gz",
        "/train-labels-idx1-ubyte.gz",
    ]


def test_download_skipped_when_files_exist(tmp_path) -> None:
    arrays = tiny_arrays()
    write_files(tmp_path / "mnist", arrays)
    assert_loaded(load_mnist(tmp_path, download=True, mirrors=[dead_url()]), arrays)


def test_oversized_response_is_cut_off_and_removed(tmp_path, server, monkeypatch) -> None:
    base, served = server
    write_files(served, tiny_arrays())
    monkeypatch.setattr("nn.data.mnist.MAX_DOWNLOAD_BYTES", 100)
    with pytest.raises(DataError, match="larger than 100 bytes"):
        load_mnist(tmp_path, download=True, mirrors=[base], md5s=served_md5s(served))
    assert list((tmp_path / "mnist").iterdir()) == []


# ---- downloads cut off, interrupted or with nowhere to write (tests/HARDENING.md) ----------
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


@pytest.mark.hardening("files/download-cut-off")
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


@pytest.mark.hardening("files/download-ctrl-c")
def test_ctrl_c_during_a_download_propagates_and_leaves_no_partial_file(tmp_path, monkeypatch):
    opened = _patched_urlopen(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        load_mnist(tmp_path, download=True, mirrors=["http://127.0.0.1:9/", "http://x/"],
                   md5s=dict.fromkeys((s + ".gz" for s in FILES.values()), "0" * 32))
    assert len(opened) == 1  # no other mirror was tried after the interrupt
    assert _partial_files(tmp_path) == [] and list((tmp_path / "mnist").iterdir()) == []


@pytest.mark.hardening("files/download-full-disk")
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


@pytest.mark.hardening("files/download-blocked-dir")
def test_download_into_a_path_blocked_by_a_file_is_a_data_error(tmp_path):
    (tmp_path / "mnist").write_text("not a directory")
    with pytest.raises(DataError, match="cannot create the data directory"):
        load_mnist(tmp_path, download=True, mirrors=["http://127.0.0.1:9/"],
                   md5s=dict.fromkeys((s + ".gz" for s in FILES.values()), "0" * 32))


@pytest.mark.hardening("files/download-stale-part")
def test_a_stale_partial_file_from_a_killed_download_is_never_taken_for_data(tmp_path, server):
    base, served = server
    arrays = tiny_arrays()
    write_files(served, arrays)
    stale = tmp_path / "mnist" / ".train-images-idx3-ubyte.gz.abc123.part"
    stale.parent.mkdir()
    stale.write_bytes(b"\x1f\x8b half a file")
    result = load_mnist(tmp_path, download=True, mirrors=[base], md5s=served_md5s(served))
    assert_loaded(result, arrays)
