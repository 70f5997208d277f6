"""Fill a disk for tests (the 512 KiB tmpfs `tiny_disk` fixture is in conftest.py)."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def fill(directory: Path) -> Path:
    """Write a file until the disk is full; return it (delete it to free the space)."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler
