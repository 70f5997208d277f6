"""Exit statuses of `autograd-mini` and the two errors its commands raise."""

from __future__ import annotations

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A bad command line: reported with the usage line and exit status 2."""


class CommandError(Exception):
    """A failure the user can fix (data, files, a failed check): message only, exit status 1."""
