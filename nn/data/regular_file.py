"""Opening a data or checkpoint file without blocking on a FIFO, device or socket."""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class NotARegularFileError(OSError):
    """The path names a FIFO, device or socket, where a file of bytes on disk was expected."""


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """Open `path` for binary reading; raise NotARegularFileError at once if it is not a regular
    file (IsADirectoryError for a directory), rather than block or read without end."""
    # O_NONBLOCK: opening a FIFO that no one writes to would otherwise wait forever.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:  # a socket cannot be opened at all: ENXIO, "No such device"
        if error.errno == errno.ENXIO and stat.S_ISSOCK(os.stat(path).st_mode):
            raise NotARegularFileError(
                f"{os.fspath(path)}: is a socket, not a regular file; pass the path of a file "
                "on disk") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise NotARegularFileError(
                f"{os.fspath(path)}: is {kind}, not a regular file; pass the path of a file "
                "on disk")
        if getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
