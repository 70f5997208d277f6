"""MNIST and Fashion-MNIST from a local directory, with an optional checksummed download."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import http.client
import os
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from .errors import DataError, EmptyDataError, WrongDatasetError
from .idx import read_idx

ENV_VAR = "AUTOGRAD_MINI_DATA"
KINDS = ("mnist", "fashion-mnist")
IMAGE_SIDE = 28

# The four files of each kind, in the order load_mnist returns them (images before labels).
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# Base URLs tried in order; each is joined with "<file>.gz".
MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}

# Published md5 sums of the gzipped files.
MD5: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

# The first ten training labels of each set. Both sets use the same file names, so a directory
# of MNIST files would otherwise be read as Fashion-MNIST; uncompressed files have no published
# checksum, but their labels say which set they are.
FIRST_TRAIN_LABELS = {
    "mnist": (5, 0, 4, 1, 9, 2, 1, 3, 1, 4),
    "fashion-mnist": (9, 0, 0, 3, 0, 2, 7, 2, 5, 5),
}

DOWNLOAD_TIMEOUT_S = 30.0
MAX_DOWNLOAD_BYTES = 64 * 2**20  # the largest gzipped MNIST file is about 26 MB (Fashion)
_CHUNK = 1 << 16


def _data_dir(path: str | os.PathLike[str] | None) -> Path:
    if path is not None:
        return Path(path).expanduser()
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env).expanduser()
    raise DataError(
        f"no data directory: pass load_mnist(path=...) or set the environment variable {ENV_VAR}"
    )


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def _locate(root: Path, kind: str) -> tuple[dict[str, Path] | None, list[Path]]:
    """Find all four files in one directory: <root>/<kind> first, then <root> itself."""
    searched = [root / kind, root]
    for directory in searched:
        found = {key: _find(directory, stem) for key, stem in FILES.items()}
        if all(found.values()):
            return found, searched  # type: ignore[return-value]
    return None, searched


class _WriteError(DataError):
    """Writing on this machine failed: no other mirror can help, so it is raised at once."""


@contextlib.contextmanager
def _writing(target: Path) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        reason = "the disk is full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else \
            error.strerror or str(error)
        raise _WriteError(f"cannot write {target}: {reason}; nothing was left behind") \
            from error


def _fetch_one(url: str, target: Path, md5: str, timeout: float, max_bytes: int) -> None:
    """Stream url into a temporary file beside target; rename only once the md5 matches."""
    with _writing(target):
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
    try:
        digest = hashlib.md5()
        size = 0
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            while chunk := resp.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise DataError(f"{url}: response is larger than {max_bytes} bytes")
                digest.update(chunk)
                with _writing(target):
                    out.write(chunk)
            with _writing(target):
                out.flush()  # so a full disk is reported here, not as the mirror's fault
        if digest.hexdigest() != md5.lower():
            raise DataError(f"{url}: md5 is {digest.hexdigest()}, expected {md5.lower()}")
        with _writing(target):
            os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _download(
    directory: Path,
    mirrors: Sequence[str],
    md5s: Mapping[str, str],
    timeout: float,
) -> None:
    """Fetch each missing gzipped file from the first mirror that serves the right bytes."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create the data directory {directory}: "
                        f"{error.strerror or error}") from error
    for stem in FILES.values():
        if _find(directory, stem) is not None:
            continue
        filename = stem + ".gz"
        failures = []
        for base in mirrors:
            url = base.rstrip("/") + "/" + filename
            try:
                _fetch_one(url, directory / filename, md5s[filename], timeout, MAX_DOWNLOAD_BYTES)
                break
            except _WriteError:
                raise
            except (DataError, OSError, http.client.HTTPException, ValueError) as error:
                # URLError and timeouts are OSErrors; ValueError covers a malformed URL.
                failures.append(f"  {url}: {error}")
        else:
            raise DataError(
                f"could not download {filename} into {directory}; every mirror failed:\n"
                + "\n".join(failures)
            )


def _load_split(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, expected_magic_dtype=0x08)
    labels = read_idx(labels_path, expected_magic_dtype=0x08)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(
            f"{images_path}: images have shape {images.shape}, "
            f"expected (n, {IMAGE_SIDE}, {IMAGE_SIDE})"
        )
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: labels have shape {labels.shape}, expected (n,)")
    if len(images) != len(labels):
        raise DataError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels; expected the same count"
        )
    if len(images) == 0:
        raise EmptyDataError(f"{images_path} and {labels_path} are well-formed but hold no "
                             "images; expected at least one in each split")
    if labels.size and labels.max() > 9:
        raise DataError(f"{labels_path}: found label {labels.max()}, expected labels 0..9")
    X = images.reshape(len(images), IMAGE_SIDE * IMAGE_SIDE).astype(np.float32)  # (n, 784)
    X /= np.float32(255)
    return X, labels.astype(np.int64)


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    download: bool = False,
    kind: str = "mnist",
    *,
    mirrors: Sequence[str] | None = None,
    md5s: Mapping[str, str] | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return X_train, y_train, X_test, y_test: X float32 (n, 784) in [0, 1], y int64."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not isinstance(download, bool):
        raise ValueError(f"download must be a bool, got {download!r}")
    if isinstance(mirrors, str):
        raise ValueError("mirrors must be a sequence of base URLs, not a single string")
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout!r}")
    root = _data_dir(path)
    found, searched = _locate(root, kind)
    if found is None and download:
        checksums = dict(MD5[kind] if md5s is None else md5s)
        missing = [s + ".gz" for s in FILES.values() if s + ".gz" not in checksums]
        if missing:
            raise ValueError(f"md5s must give a checksum for every file, missing {missing}")
        _download(root / kind, MIRRORS[kind] if mirrors is None else mirrors, checksums, timeout)
        found, searched = _locate(root, kind)
    if found is None:
        names = ", ".join(f"{stem}(.gz)" for stem in FILES.values())
        where = " or ".join(str(d) for d in searched)
        raise DataError(
            f"{kind} files not found: put {names} in {where}, "
            f"or call load_mnist(..., download=True) to fetch them into {root / kind}"
        )
    X_train, y_train = _load_split(found["train_images"], found["train_labels"])
    _check_identity(kind, found["train_labels"], y_train, root)
    X_test, y_test = _load_split(found["test_images"], found["test_labels"])
    return X_train, y_train, X_test, y_test


def _check_identity(kind: str, labels_path: Path, labels: np.ndarray, root: Path) -> None:
    """Refuse the files of the other data set: same names, same format, other pictures."""
    for other in KINDS:
        if other == kind:
            continue
        published = MD5[other].get(labels_path.name)
        same_file = published is not None and _md5(labels_path) == published
        if same_file or tuple(labels[:10].tolist()) == FIRST_TRAIN_LABELS[other]:
            raise WrongDatasetError(
                f"{labels_path.parent} holds the {other} files, not {kind} (its training "
                f"labels are {other}'s); put the {kind} files in {root / kind}, or load "
                f"{other} (kind='{other}', --data {other})")


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
