"""Loading a data set for a command, with messages that say how to fix a missing one."""

from __future__ import annotations

import os
from typing import Any

from .errors import CommandError


def _load_data(name: str, data_dir: str | None, download: bool = False) -> Any:
    from ..data import DataError, EmptyDataError, WrongDatasetError
    from ..training.recipes import load_dataset

    try:
        return load_dataset(name, data_dir, download=download)
    except (EmptyDataError, WrongDatasetError) as error:  # well-formed: not missing, not damaged
        raise CommandError(f"cannot train on these {name} files: {error}") from error
    except DataError as error:
        if name not in ("mnist", "fashion-mnist"):
            raise CommandError(f"cannot load {name}: {error}") from error
        from ..data.mnist import ENV_VAR

        reason = str(error)
        if not reason.startswith((f"{name} files not found", "could not download",
                                  "no data directory", "cannot create the data directory")):
            # The files were found but do not read as MNIST: "not found" would mislead.
            raise CommandError(
                f"the {name} files are damaged: {reason}.\nTo fix: delete the file named above "
                f"and run again with --download to fetch an intact copy (md5-checked), or point "
                f"--data-dir at a good one."
            ) from error
        if data_dir is None and not os.environ.get(ENV_VAR):
            reason = f"no --data-dir given and {ENV_VAR} is not set"
        raise CommandError(
            f"{name} data not found ({reason}).\n"
            f"To fix: put the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            f"t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; .gz or not) in a directory DIR "
            f"(or DIR/{name}) and pass --data-dir DIR or set {ENV_VAR}=DIR; or add --download "
            f"to fetch them from the public mirrors (md5-checked) into that directory."
        ) from error
