"""The single-op benchmark computes the same gradients in every framework."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.workloads import ops


@pytest.mark.parametrize("name", list(ops.OPS))
def test_gradients_match_pytorch_and_hips_autograd(name: str) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("autograd")
    names, op = ops.OPS[name]
    arrays = ops.inputs(6, "float64")
    leaves = [arrays[k] for k in names]
    ours = ops.BUILDERS["autograd_mini"](op, leaves)()
    for other in ("torch", "autograd"):
        theirs = ops.BUILDERS[other](op, leaves)()
        for mine, their in zip(ours, theirs):
            np.testing.assert_allclose(mine, their, rtol=1e-9, atol=1e-12, err_msg=other)


def test_every_case_names_a_declared_op() -> None:
    full, quick = ops.cases(quick=False), ops.cases(quick=True)
    assert len(full) == 2 * len(ops.OPS)
    assert {c.params["op"] for c in quick} <= set(ops.OPS)
