"""numpy-only data layer: bundled digits, MNIST from IDX files, synthetic sets, batching.

Imports nothing but numpy, the standard library and `nn.generators` (numpy only, for
`nn.manual_seed`), so it can be used without the engine.
"""

from .digits import load_digits
from .errors import DataError, EmptyDataError, WrongDatasetError
from .idx import read_idx
from .loader import DataLoader, KFold, train_val_test_split
from .mnist import load_mnist
from .synthetic import (
    make_lorenz,
    make_moons,
    make_smooth_function,
    make_spirals,
    smooth_target,
)

__all__ = [
    "DataError",
    "DataLoader",
    "EmptyDataError",
    "KFold",
    "WrongDatasetError",
    "load_digits",
    "load_mnist",
    "make_lorenz",
    "make_moons",
    "make_smooth_function",
    "make_spirals",
    "read_idx",
    "smooth_target",
    "train_val_test_split",
]
