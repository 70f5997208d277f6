"""Forward mode against reverse mode for every op in the table: the JVP/VJP identity
⟨u, J v⟩ = ⟨Jᵀu, v⟩ on random vectors, and jacfwd == jacrev on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import OPS, call, op_ids, tensors

import autograd_mini as am
from autograd_mini import engine, func
from autograd_mini import testing as amt
from autograd_mini.engine import topological_order
from autograd_mini.registry import REGISTRY

# Every primitive declares a `jvp=` rule: a new op without one fails here, naming it. (True
# turns that into an expected failure, for a branch that is still adding an op family.)
MISSING_JVP_IS_XFAIL = False


def _missing_jvps(op, case) -> list[str]:
    """Primitives without a JVP rule in the graph of one call of `op`."""
    out = call(op, tensors(case), case)
    return sorted({t.op for t in topological_order([out]) if t.primitive is not None
                   and t.primitive.jvp is None})


def _skip_if_missing(op, case) -> None:
    missing = _missing_jvps(op, case)
    if missing and MISSING_JVP_IS_XFAIL:
        pytest.xfail(f"{op.name}: no jvp= rule yet for primitive(s) {missing}")


def _shapes(op):
    return amt.shapes(min_dims=op.min_dims, max_dims=max(3, op.min_dims), max_side=3)


def _tolerance(op) -> float:
    return 1e-4 if op.out_dtype == np.float32 else 1e-9


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_jvp_and_vjp_agree_on_random_vectors(op, data):
    case = data.draw(op.draw(_shapes(op)))
    _skip_if_missing(op, case)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    v = [rng.normal(size=a.shape) for a in case.arrays]
    out, jv = func.jvp(lambda *xs: call(op, list(xs), case), case.arrays, v)
    u = rng.normal(size=np.shape(out)).astype(np.asarray(out).dtype)
    xs = tensors(case)
    grads = am.grad(call(op, xs, case), xs, grad_outputs=u, allow_unused=True)
    left = float(np.sum(u * np.asarray(jv, dtype=np.float64)))
    right = sum(float(np.sum(np.asarray(g) * vi)) for g, vi in zip(grads, v) if g is not None)
    scale = 1.0 + abs(left) + abs(right)
    assert abs(left - right) <= _tolerance(op) * scale, (left, right)


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_jacfwd_equals_jacrev(op, data):
    case = data.draw(op.draw(amt.shapes(min_dims=op.min_dims, max_dims=max(2, op.min_dims),
                                        max_side=3)))
    _skip_if_missing(op, case)
    positions = tuple(range(len(case.arrays)))

    def f(*xs):
        return call(op, list(xs), case)

    forward = func.jacfwd(f, argnums=positions)(*case.arrays)
    reverse = func.jacrev(f, argnums=positions)(*case.arrays)
    for jf, jr in zip(forward, reverse):
        np.testing.assert_allclose(jf, jr, rtol=_tolerance(op), atol=_tolerance(op))


def test_every_primitive_declares_a_jvp():
    missing = sorted(name for name, prim in REGISTRY.items() if prim.jvp is None)
    if missing and MISSING_JVP_IS_XFAIL:
        pytest.xfail(f"primitives without a jvp= rule: {missing}")
    assert not missing, f"primitives without a jvp= rule: {missing}"


# ---- the primitives that appear only inside VJP rules ------------------------------------------
# conv_weight, pool_route, window_spread, scatter_along_axis, pad_fold, solve_triangular, ...
# are recorded only when a gradient is itself differentiated, so the rows above never run their
# JVPs. The second-order graph of every row holds them (the cotangent requires grad, so even
# the VJPs that are linear in it are recorded); each node's JVP must be its VJP transposed.
def _second_order_graph(op, case) -> list:
    xs = tensors(case)
    out = call(op, xs, case)
    if not out.requires_grad:
        return []
    u = am.tensor(np.random.default_rng(0).standard_normal(out.shape).astype(out.dtype),
                  requires_grad=True)
    grads = am.grad(out, xs, grad_outputs=u, create_graph=True, allow_unused=True)
    roots = [out] + [g for g in grads if g is not None and g.requires_grad]
    return [t for t in topological_order(roots) if t.primitive is not None]


def _adjoint_gap(prim, inputs: tuple, params: dict, rng) -> tuple[float, float]:
    """|⟨u, J v⟩ − ⟨Jᵀu, v⟩| of one primitive at float64 inputs, and the size it is measured
    against (times 1e4 when the op rounds to a narrower float, as astype(float32) does);
    integer inputs (indices) get no tangent."""
    floats = [np.asarray(a).dtype.kind == "f" for a in inputs]
    inputs = tuple(np.asarray(a, dtype=np.float64) if f else np.asarray(a)
                   for a, f in zip(inputs, floats))
    out = prim.forward(*inputs, **params)
    u = rng.standard_normal(np.shape(out))
    vs = [rng.standard_normal(a.shape) if f else None for a, f in zip(inputs, floats)]
    cotangents = prim.vjp(u, out, inputs, tuple(floats), engine.NUMPY_MODE, **params)
    jv = prim.jvp(vs, out, inputs, engine.NUMPY_MODE, **params)
    left = 0.0 if jv is None else float(np.sum(u * np.broadcast_to(jv, np.shape(out))))
    right = sum(float(np.sum(am.sum_to_shape(np.asarray(c, dtype=np.float64), a.shape) * v))
                for c, a, v in zip(cotangents, inputs, vs) if v is not None and c is not None)
    narrow = np.asarray(out).dtype.kind == "f" and np.asarray(out).dtype.itemsize < 8
    return abs(left - right), (1.0 + abs(left) + abs(right)) * (1e4 if narrow else 1.0)


def _check_nodes(nodes, rng) -> None:
    for node in nodes:
        parents = tuple(p.data for p in node._parents)
        gap, scale = _adjoint_gap(node.primitive, parents, node._params, rng)
        assert gap <= 1e-9 * scale, (node.op, gap, scale)
        if node.op == "pool_route":  # its VJP, pool_gather, appears only at third order
            geo = {k: v for k, v in node._params.items() if k != "shape"}
            x = rng.standard_normal(node._params["shape"])
            gap, scale = _adjoint_gap(REGISTRY["pool_gather"], (x,), geo, rng)
            assert gap <= 1e-9 * scale, ("pool_gather", gap, scale)


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_jvp_is_the_vjp_transposed_at_every_node_of_the_second_order_graph(op, data):
    case = data.draw(op.draw(_shapes(op)))
    _check_nodes(_second_order_graph(op, case), np.random.default_rng(1))


# Checked by their own tests: setitem (an in-place write, not an op-table row) in
# tests/test_ops_shape_jvp.py::test_setitem_jvp_is_its_vjp_transposed.
CHECKED_ELSEWHERE = {"setitem"}


def test_every_primitive_is_reached_by_the_table_to_second_order():
    reached: set[str] = set()

    def collector(op):
        @settings(max_examples=2, deadline=None, derandomize=True, database=None)
        @given(data=st.data())
        def collect(data):
            nodes = _second_order_graph(op, data.draw(op.draw(_shapes(op))))
            reached.update(node.op for node in nodes)
            if any(node.op == "pool_route" for node in nodes):
                reached.add("pool_gather")  # checked beside it in _check_nodes

        return collect

    for op in OPS:
        collector(op)()
    missing = sorted(set(REGISTRY) - reached - CHECKED_ELSEWHERE)
    assert not missing, f"primitives whose JVP no table row checks: {missing}"
