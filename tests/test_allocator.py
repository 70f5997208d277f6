"""`retain_freed_memory`: glibc keeps freed memory for the next allocation of the same size,
so a training loop stops faulting its temporaries' pages in again (counted, not timed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import autograd_mini as am

LOOP = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import autograd_mini as am
    applied = am.retain_freed_memory() if sys.argv[1] == "retain" else None
    x = am.tensor(np.random.default_rng(0).normal(size=(512, 512)), requires_grad=True)
    def step():
        loss = (am.tanh(x @ x) * x).sum()  # (512, 512) float64 temporaries: 2 MiB each
        loss.backward()
        x.grad = None
    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    print(applied, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
""")


def faults_per_step(mode: str) -> tuple[str, float]:
    proc = subprocess.run([sys.executable, "-c", LOOP, mode], capture_output=True, text=True,
                          timeout=120, check=True)
    applied, faults = proc.stdout.split()
    return applied, float(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_retained_memory_takes_the_page_faults_out_of_a_training_step():
    applied, retained = faults_per_step("retain")
    _, default = faults_per_step("default")
    assert applied == "True"
    assert default > 100  # 2 MiB blocks come from mmap and go back each step: ~512 pages each
    assert retained < default / 10


def test_thresholds_must_be_whole_mebibytes_in_range():
    for bad in (0, 2048, 1.5, True, "64"):
        with pytest.raises(ValueError, match="mmap_threshold_mib must be a whole number"):
            am.retain_freed_memory(mmap_threshold_mib=bad)
