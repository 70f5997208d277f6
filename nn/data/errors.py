"""The one error type of the data layer."""

from __future__ import annotations


class DataError(ValueError):
    """A data file is missing, malformed, truncated, corrupt or fails its checksum."""


class EmptyDataError(DataError):
    """Well-formed data that holds no samples where some are needed (an empty split)."""


class WrongDatasetError(DataError):
    """Readable files of another data set than the one asked for (MNIST for Fashion-MNIST)."""
