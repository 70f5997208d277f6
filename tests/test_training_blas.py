"""set_blas_threads changes the BLAS thread count of the running process."""

from __future__ import annotations

import pytest

from nn.training.blas import set_blas_threads


def test_set_blas_threads_changes_the_running_library():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    if not blas:
        pytest.skip("numpy reports no BLAS library")
    before = blas[0]["num_threads"]
    try:
        assert set_blas_threads(1)
        after = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert after[0]["num_threads"] == 1
    finally:
        set_blas_threads(before)


def test_set_blas_threads_rejects_bad_counts():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="positive int"):
            set_blas_threads(bad)


def test_blas_threads_are_set_through_threadpoolctl_alone():
    """No hand-written path: no ctypes calls into a library found in /proc/self/maps, and
    threadpoolctl is a declared dependency, so it is always there."""
    import re
    from pathlib import Path

    import nn.training.blas as blas

    assert "ctypes" not in vars(blas) and not hasattr(blas, "_loaded_openblas")
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    dependencies = re.search(r"^dependencies = \[(.*)\]$", pyproject, re.MULTILINE)
    assert dependencies and '"threadpoolctl' in dependencies.group(1)


@pytest.mark.hardening("training/arguments")
def test_set_blas_threads_refuses_a_count_beyond_a_c_int():
    """10**30 threads overflowed inside ctypes: a traceback from `train --threads`."""
    from nn.training.blas import MAX_BLAS_THREADS

    for bad in (MAX_BLAS_THREADS + 1, 10**30):
        with pytest.raises(ValueError, match=f"at most {MAX_BLAS_THREADS}"):
            set_blas_threads(bad)
