"""load_digits reads the packaged file; the data layer stays numpy-only and self-contained."""

from __future__ import annotations

import ast
import hashlib
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from nn.data import load_digits

DATA_PACKAGE = Path(__file__).resolve().parents[1] / "nn" / "data"
PUBLISHED_GZ_MD5 = "9b335364a7bfd63947c7480a5bd51f2d"  # PROVENANCE.md, scikit-learn 1.6.1
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_packaged_file_is_the_published_one() -> None:
    packaged = resources.files("nn.data") / "files" / "digits.csv.gz"
    assert hashlib.md5(packaged.read_bytes()).hexdigest() == PUBLISHED_GZ_MD5


def test_shapes_dtypes_and_range() -> None:
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    # pixels are counts 0..16, so 16·X is integral
    np.testing.assert_array_equal(16 * X, np.round(16 * X))
    assert np.bincount(y).tolist() == CLASS_COUNTS


def test_first_image_is_a_zero() -> None:
    X, y = load_digits(dtype=np.float64)
    assert X.dtype == np.float64 and y[0] == 0
    first_row = (16 * X[0, :8]).astype(int).tolist()
    assert first_row == [0, 0, 5, 13, 9, 1, 0, 0]


def test_returns_fresh_arrays() -> None:
    X1, _ = load_digits()
    X1[:] = -1
    X2, _ = load_digits()
    assert X2.min() == 0.0


def test_integer_dtype_is_rejected() -> None:
    with pytest.raises(ValueError, match="dtype must be a floating dtype"):
        load_digits(dtype=np.int32)


def imported_modules(path: Path) -> set[str]:
    """Top-level names of absolute imports in a source file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(DATA_PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_data_layer_imports_only_numpy_and_stdlib(path: Path) -> None:
    allowed = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    assert imported_modules(path) <= allowed
    assert "shared" not in path.read_text()  # never reads the repository's ../shared data
