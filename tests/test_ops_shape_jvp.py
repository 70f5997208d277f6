"""JVPs of the shape primitives are the transposes of their VJPs: ⟨u, J v⟩ = ⟨Jᵀu, v⟩.

Each shape row of the op table (tests/op_rows_shape.py and the older shape rows) is run on
tensors; every shape primitive in the recorded graph is then checked at its recorded inputs
and parameters, with all tangents given and with one input's tangent at a time (None for the
others), on arrays and on Tensors (so the JVP is differentiable again).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import OPS_BY_NAME, call, op_ids, tensors

import autograd_mini as am
from autograd_mini import testing as amt
from autograd_mini.engine import NUMPY_MODE, TENSOR_MODE
from autograd_mini.registry import REGISTRY

SHAPE_PRIMITIVES = {"reshape", "transpose", "broadcast_to", "getitem", "scatter_add",
                    "setitem", "concatenate", "flip", "roll", "pad", "pad_fold", "repeat"}
OLDER_SHAPE_ROWS = ["reshape", "transpose", "T", "swapaxes", "expand_dims", "broadcast_to",
                    "getitem", "concatenate", "stack"]
# op_table imports the family rows itself (importing them first would be circular)
CHECKED_ROWS = [OPS_BY_NAME[name] for name in OLDER_SHAPE_ROWS] + \
    importlib.import_module("op_rows_shape").ROWS


def _inner(a, b) -> float:
    return float(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)))


def assert_jvp_is_vjp_transpose(prim, inputs, params, seed=0):
    rng = np.random.default_rng(seed)
    out = prim.forward(*inputs, **params)
    u = rng.standard_normal(out.shape)
    vs = [rng.standard_normal(a.shape) for a in inputs]
    cotangents = prim.vjp(u, out, inputs, (True,) * len(inputs), NUMPY_MODE, **params)
    for j, (a, v) in enumerate(zip(inputs, vs)):  # one input's tangent at a time
        tangents = [v if i == j else None for i in range(len(inputs))]
        jv = prim.jvp(tangents, out, inputs, NUMPY_MODE, **params)
        assert jv.shape == out.shape
        transposed = am.sum_to_shape(cotangents[j], a.shape)  # the engine's broadcast sum
        assert _inner(u, jv) == pytest.approx(_inner(transposed, v), rel=1e-10, abs=1e-10)
    jv = prim.jvp(vs, out, inputs, NUMPY_MODE, **params)  # all tangents at once: the sum
    total = sum(_inner(am.sum_to_shape(c, a.shape), v)
                for c, a, v in zip(cotangents, inputs, vs))
    assert _inner(u, jv) == pytest.approx(total, rel=1e-10, abs=1e-10)
    recorded = prim.jvp([am.tensor(v) for v in vs], am.tensor(out),
                        [am.tensor(a) for a in inputs], TENSOR_MODE, **params)
    assert isinstance(recorded, am.Tensor)
    np.testing.assert_allclose(recorded.data, jv, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op", CHECKED_ROWS, ids=op_ids)
@settings(max_examples=5)
@given(data=st.data())
def test_jvp_of_every_shape_primitive_in_the_row_is_its_vjp_transposed(op, data):
    case = data.draw(op.draw(amt.shapes(min_dims=op.min_dims, max_dims=max(3, op.min_dims),
                                        max_side=4)))
    out = call(op, tensors(case), case)
    nodes = [t for t in am.topological_order([out]) if t._prim is not None]
    for node in nodes:
        if node._prim.name in SHAPE_PRIMITIVES:
            assert node._prim.jvp is not None, node._prim.name
            parents = tuple(p.data for p in node._parents)
            assert_jvp_is_vjp_transposed_at(node._prim, parents, node._params)


def assert_jvp_is_vjp_transposed_at(prim, inputs, params):
    assert_jvp_is_vjp_transpose(prim, tuple(np.asarray(a, dtype=np.float64) for a in inputs),
                                params)


@pytest.mark.parametrize("index", [
    (slice(1, None), 0), np.array([2, 0, 2]), (slice(None), np.array([[1, 1], [3, 0]])),
    np.array([True, False, True]), (Ellipsis, None, 1),
], ids=["basic", "repeats", "2d-array", "mask", "ellipsis"])
@pytest.mark.parametrize("b_shape", [(), (1,), "selected"])
def test_setitem_jvp_is_its_vjp_transposed(index, b_shape):
    a = np.random.default_rng(5).standard_normal((3, 4))
    selected = a[index].shape
    b = np.random.default_rng(6).standard_normal(selected if b_shape == "selected" else b_shape)
    assert_jvp_is_vjp_transpose(REGISTRY["setitem"], (a, b), {"index": index})


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
def test_pad_fold_jvp_is_its_vjp_transposed(mode):
    # pad_fold is pad's VJP: it is recorded only when differentiating a gradient
    g = np.random.default_rng(7).standard_normal((3 + 1 + 5, 2, 4 + 2))
    params = {"pad_width": ((1, 5), (0, 0), (2, 0)), "mode": mode}
    assert_jvp_is_vjp_transpose(REGISTRY["pad_fold"], (g,), params)


@pytest.mark.parametrize("name", sorted(SHAPE_PRIMITIVES))
def test_every_shape_primitive_declares_a_jvp(name):
    assert REGISTRY[name].jvp is not None
