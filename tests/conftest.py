"""Shared test setup: hypothesis profiles, the bad-input catalogue's marker, a tiny full disk.

Hypothesis profiles: "ci" (the default) is derandomized, so `python3 -m pytest` gives the same
verdict on every machine; `HYPOTHESIS_PROFILE=dev` explores with fresh random examples. What
dev finds becomes an explicit `@example` on the test, so ci checks it from then on.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from hardening_catalogue import STASH_KEY, count_marked
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=12,
    derandomize=True,
    deadline=None,  # first calls pay numpy/torch warm-up; timing is not what these tests check
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Count the catalogue's cases before -k/-m deselect any (test_docs_hardening reads it)."""
    config.stash[STASH_KEY] = count_marked(items)


@pytest.fixture
def tiny_disk(tmp_path):
    """A real full disk: a 512 KiB tmpfs (needs root and mount(8); skipped otherwise)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if not shutil.which("mount") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
