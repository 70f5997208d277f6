"""Engine regressions on graph structure: repeated edges, diamonds, shared subexpressions, deep
chains, accumulation, retain_graph, am.grad and higher-order gradients, topological order."""

from __future__ import annotations

import gc
import re
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am


def leaf(values, dtype=np.float64):
    return am.tensor(np.array(values, dtype=dtype), requires_grad=True)


def test_same_tensor_twice_in_one_op():
    # micrograd's set of parents lost the second edge of `a + a`
    a = leaf(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0


def test_square_by_self_multiplication():
    a = leaf([1.5, -2.0])
    (a * a).sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0, -4.0])


def test_diamond():
    x = leaf(2.0)
    left, right = x * 3.0, x.exp()
    y = left * right  # both paths rejoin: dy/dx = 3eˣ + 3x·eˣ
    y.backward()
    assert x.grad.item() == pytest.approx(3 * np.exp(2.0) + 6 * np.exp(2.0), rel=1e-12)


def test_shared_subexpression_used_at_different_depths():
    x = leaf([0.5, -1.0])
    h = x.tanh()
    y = (h * h + (h * 2.0).sigmoid() + h).sum()
    y.backward()
    t = np.tanh(x.data)
    s = 1 / (1 + np.exp(-2 * t))
    expected = (2 * t + 2 * s * (1 - s) + 1) * (1 - t**2)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


def test_two_outputs_of_one_graph_as_roots_of_am_grad():
    x = leaf([1.0, 2.0])
    h = x * x
    a, b = h.sum(), (h * 3.0).sum()
    (gx,) = am.grad([a, b], x)
    np.testing.assert_allclose(gx.data, 8 * x.data)


def test_deep_chain_backward_is_iterative():
    x = leaf(1.0)
    y = x
    start = time.perf_counter()
    for _ in range(100_000):
        y = y * 1.0000001 + 0.0  # two nodes per step: 200,000 nodes deep
    built = time.perf_counter() - start
    y.backward()
    elapsed = time.perf_counter() - start
    assert x.grad.item() == pytest.approx(1.0000001**100_000, rel=1e-9)
    # loose record of speed for the log (no assertion on timing)
    print(f"100k-step chain: build {built:.2f}s, build+backward {elapsed:.2f}s")


def test_deep_chain_create_graph_and_second_backward():
    x = leaf(0.3)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y = y * y  # d²/dx² (x²) = 2 through a 20k-deep graph of the first derivative
    (g,) = am.grad(y, x, create_graph=True)
    (h,) = am.grad(g, x)
    assert g.item() == pytest.approx(0.6) and h.item() == pytest.approx(2.0)


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 3.0 + 2 * x.data)


def test_retain_graph_allows_second_backward_and_doubles_grad():
    x = leaf([1.0, -2.0])
    h = x.exp()
    y = (h * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    np.testing.assert_allclose(first, np.exp(x.data) * (1 + x.data))
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first, rtol=1e-15)


def test_leaf_grad_is_an_owned_writable_array():
    x = leaf([1.0, 2.0])
    x.sum().backward()  # the gradient of sum is a broadcast view before accumulation
    assert x.grad.data.flags.writeable and x.grad.data.flags.owndata
    x.grad *= 0.5  # optimizers and clipping update .grad in place
    np.testing.assert_array_equal(x.grad, [0.5, 0.5])


def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    x, w = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    x.grad = np.array([10.0, 10.0])
    y = (x * w).sum()
    grads = am.grad(y, [x, w])
    assert isinstance(grads, tuple) and len(grads) == 2
    assert all(isinstance(g, am.Tensor) for g in grads)
    np.testing.assert_array_equal(grads[0].data, w.data)
    np.testing.assert_array_equal(grads[1].data, x.data)
    np.testing.assert_array_equal(x.grad, [10.0, 10.0])
    assert w.grad is None


def test_grad_allow_unused():
    x, unused = leaf([1.0]), leaf([2.0])
    y = (x * 2.0).sum()
    with pytest.raises(am.AutogradError, match="allow_unused"):
        am.grad(y, [x, unused], retain_graph=True)
    gx, gu = am.grad(y, [x, unused], allow_unused=True)
    np.testing.assert_array_equal(gx.data, [2.0])
    assert gu is None


def test_grad_of_intermediate_tensor():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    (gh,) = am.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.data, 2 * h.data)


def quadratic_form(a: np.ndarray, x: am.Tensor) -> am.Tensor:
    return x @ (am.tensor(a) @ x)  # xᵀAx, Hessian A + Aᵀ


def test_hessian_vector_product_of_quadratic_form():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    x = leaf(rng.standard_normal(4))
    v = rng.standard_normal(4)
    (g,) = am.grad(quadratic_form(a, x), x, create_graph=True)
    np.testing.assert_allclose(g.data, (a + a.T) @ x.data, rtol=1e-12)
    assert g.requires_grad
    (hv,) = am.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv.data, (a + a.T) @ v, rtol=1e-12)


def test_full_hessian_row_by_row_equals_analytic():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 3))
    x = leaf(rng.standard_normal(3))
    (g,) = am.grad(quadratic_form(a, x), x, create_graph=True)
    rows = [am.grad(g[i], x, retain_graph=True)[0].data for i in range(3)]
    np.testing.assert_allclose(np.stack(rows), a + a.T, rtol=1e-12)


def test_hessian_vector_product_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a, x0, v = rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3)

    x = leaf(x0)
    y = ((am.tensor(a) @ x).tanh() ** 2).sum() + am.logsumexp(x * x)
    (g,) = am.grad(y, x, create_graph=True)
    (hv,) = am.grad((g * v).sum(), x)

    tx = torch.tensor(x0, requires_grad=True)
    ty = (torch.tanh(torch.tensor(a) @ tx) ** 2).sum() + torch.logsumexp(tx * tx, dim=0)
    (tg,) = torch.autograd.grad(ty, tx, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), tx)
    np.testing.assert_allclose(hv.data, thv.numpy(), rtol=1e-10)


def test_backward_with_create_graph_makes_grad_differentiable():
    x = leaf(1.5)
    (x**3).backward(create_graph=True)
    assert isinstance(x.grad, am.Tensor) and x.grad.requires_grad
    (h,) = am.grad(x.grad, x)
    assert h.item() == pytest.approx(6 * 1.5)


def test_third_derivative():
    x = leaf(0.7)
    (g1,) = am.grad(x.tanh(), x, create_graph=True)
    (g2,) = am.grad(g1, x, create_graph=True)
    (g3,) = am.grad(g2, x)
    t = np.tanh(0.7)
    assert g3.item() == pytest.approx(-2 * (1 - t**2) ** 2 + 4 * t**2 * (1 - t**2), rel=1e-10)


def recorded_ops(fn: Callable[[], Any]) -> tuple[Any, list[str]]:
    """fn's result and the names of the ops it recorded, in order."""
    from autograd_mini import engine

    names: list[str] = []
    original = engine.record

    def spy(prim, data, parents, params, any_requires_grad):
        out = original(prim, data, parents, params, any_requires_grad)
        if out._prim is not None:
            names.append(prim.name)
        return out

    engine.record = spy
    try:
        return fn(), names
    finally:
        engine.record = original


def test_create_graph_backward_uses_the_recorded_output_instead_of_running_the_op_again():
    x = leaf([0.3, -0.8])
    y = x.tanh()
    (g,), names = recorded_ops(lambda: am.grad(y.sum(), x, create_graph=True))
    assert "tanh" not in names  # 1 − tanh² reads y itself
    (h,) = am.grad(g.sum(), x)
    t = np.tanh([0.3, -0.8])
    np.testing.assert_allclose(h.data, -2 * t * (1 - t**2), rtol=1e-12)


def test_create_graph_grad_skips_the_branches_that_do_not_lead_to_its_inputs():
    torch = pytest.importorskip("torch")
    # d/dx of (x @ W) needs g @ Wᵀ only: xᵀ @ g (for W) and the bias path are not
    # recorded, though W and b require grad (they are an outer derivative's variables).
    x, w, b = leaf([[1.0, 2.0]]), leaf([[0.5, -1.0], [2.0, 0.25]]), leaf([0.1, 0.2])
    y = ((x @ w + b).tanh()).sum()
    (gx,), names = recorded_ops(lambda: am.grad(y, x, create_graph=True))
    assert names.count("matmul") == 1 and names.count("transpose") == 1
    # The derivative still flows on to W (the outer variable), as with every branch walked.
    (gw, gb) = am.grad((gx * gx).sum(), [w, b])
    tx, tw, tb = (torch.tensor(v.data, requires_grad=True) for v in (x, w, b))
    (tgx,) = torch.autograd.grad(torch.tanh(tx @ tw + tb).sum(), tx, create_graph=True)
    tgw, tgb = torch.autograd.grad((tgx * tgx).sum(), [tw, tb])
    np.testing.assert_allclose(gw.data, tgw.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gb.data, tgb.numpy(), rtol=1e-10)


def test_a_gradient_made_with_create_graph_and_retain_graph_false_is_differentiable():
    # The recorded gradient is a function of the graph's tensors, so they are not marked
    # freed: differentiating it again gives the second derivative (before: an error for
    # some ops, depending on whether their VJP happened to re-run them).
    x = leaf([0.3, 0.7])
    u = (2.0 * x).tanh()
    (g,) = am.grad(u.sum(), x, create_graph=True, retain_graph=False)
    g.sum().backward()
    t = np.tanh(2.0 * np.array([0.3, 0.7]))
    np.testing.assert_allclose(x.grad.data, -8 * t * (1 - t**2), rtol=1e-12)


def build_graph():
    x, w = leaf([1.0, 2.0]), leaf([0.5, -0.5])
    h = x * w
    k = h.exp() + h
    return x, w, h, k, (k * x).sum()


def test_topological_order_parents_before_children_and_deterministic():
    x, w, h, k, y = build_graph()
    order = am.topological_order([y])
    assert order == am.topological_order([y])  # deterministic
    assert len({id(t) for t in order}) == len(order)  # each tensor once
    position = {id(t): i for i, t in enumerate(order)}
    for t in order:
        for p in t.parents:
            if p.requires_grad:
                assert position[id(p)] < position[id(t)]
    assert order[-1] is y
    assert {id(x), id(w), id(h), id(k)} <= set(position)


def test_topological_order_skips_constants():
    x = leaf([1.0])
    c = am.tensor([2.0])
    order = am.topological_order([(x * c).sum()])
    assert all(t.requires_grad for t in order)
    assert not any(t is c for t in order)


def test_jacobian_vector_product_by_double_vjp():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = leaf([0.5, -1.0])
    y = (am.tensor(a) @ x).tanh()
    v = am.tensor(np.zeros(3), requires_grad=True)  # dummy cotangent: g(v) = Jᵀv is linear
    (g,) = am.grad(y, x, grad_outputs=v, create_graph=True)
    u = np.array([1.0, 2.0])
    (jvp,) = am.grad(g, v, grad_outputs=u)
    jacobian = (1 - np.tanh(a @ x.data) ** 2)[:, None] * a
    np.testing.assert_allclose(jvp.data, jacobian @ u, rtol=1e-12)


def test_retained_non_leaf_grad_accumulates_like_leaves():
    x = leaf([1.0])
    h = x * 2.0
    h.retain_grad()
    y = (h * h).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(h.grad, [8.0])
    np.testing.assert_array_equal(x.grad, [16.0])


def test_float32_second_order_gradients_stay_float32():
    x = leaf([1.0, 2.0], dtype=np.float32)
    (g,) = am.grad((x.exp() * x).sum(), x, create_graph=True)
    (h,) = am.grad(g.sum(), x)
    assert g.dtype == np.float32 and h.dtype == np.float32
    np.testing.assert_allclose(h.data, np.exp(x.data) * (x.data + 2), rtol=1e-6)


def test_backward_from_a_leaf_root():
    x = leaf([1.0, 2.0])
    x.backward(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


# ---- random programs: shared nodes, diamonds and fan-out, against torch ----------------------
UNARY = ["tanh", "sigmoid", "softplus", "neg"]
BINARY = ["add", "sub", "mul"]


@st.composite
def programs(draw):
    """Steps (op, operand indices) over 2 leaves; operands may repeat and reach back anywhere,
    so the graph has shared subexpressions, diamonds and `a op a` edges."""
    steps = []
    for i in range(draw(st.integers(1, 12))):
        available = 2 + i
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(UNARY)), (draw(st.integers(0, available - 1)),)))
        else:
            operands = tuple(draw(st.integers(0, available - 1)) for _ in range(2))
            steps.append((draw(st.sampled_from(BINARY)), operands))
    outputs = draw(st.lists(st.integers(0, 1 + len(steps)), min_size=1, max_size=3))
    return steps, outputs


def run_program(program, leaves, lib):
    steps, outputs = program
    values = list(leaves)
    for name, operands in steps:
        args = [values[i] for i in operands]
        if name == "add":
            values.append(args[0] + args[1])
        elif name == "sub":
            values.append(args[0] - args[1])
        elif name == "mul":
            values.append(lib.tanh(args[0] * args[1]))  # bounded: long products stay finite
        elif name == "neg":
            values.append(-args[0])
        else:
            values.append(getattr(lib, name)(args[0]))
    total = values[outputs[0]].sum()
    for i in outputs[1:]:
        total = total + values[i].sum()
    return total


class _TorchLib:
    def __init__(self, torch):
        self.tanh, self.sigmoid = torch.tanh, torch.sigmoid
        self.softplus = torch.nn.functional.softplus


@given(programs())
def test_random_programs_match_torch_first_and_second_order(program):
    torch = pytest.importorskip("torch")
    x0, w0 = np.array([0.3, -0.8, 1.1]), np.array(0.7)  # w broadcasts against x
    x, w = leaf(x0), leaf(w0)
    y = run_program(program, [x, w], am)
    if not y.requires_grad:
        return
    gx, gw = am.grad(y, [x, w], create_graph=True, allow_unused=True)
    tx = torch.tensor(x0, requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    ty = run_program(program, [tx, tw], _TorchLib(torch))
    tgx, tgw = torch.autograd.grad(ty, [tx, tw], create_graph=True, allow_unused=True)
    for ours, theirs, shape in ((gx, tgx, (3,)), (gw, tgw, ())):
        expected = np.zeros(shape) if theirs is None else theirs.detach().numpy()
        np.testing.assert_allclose(np.zeros(shape) if ours is None else ours.data, expected,
                                   rtol=1e-10, atol=1e-12)
    # second order: d/dx of ⟨∂y/∂x, v⟩
    if gx is not None and gx.requires_grad and tgx is not None and tgx.requires_grad:
        v = np.array([1.0, -2.0, 0.5])
        (hx,) = am.grad((gx * v).sum(), x, allow_unused=True)
        (thx,) = torch.autograd.grad((tgx * torch.tensor(v)).sum(), tx, allow_unused=True)
        np.testing.assert_allclose(np.zeros(3) if hx is None else hx.data,
                                   np.zeros(3) if thx is None else thx.numpy(),
                                   rtol=1e-9, atol=1e-12)


def test_grad_accepts_scalar_grad_outputs():
    x = leaf([1.0, 2.0])
    (g,) = am.grad((x * x).sum(), x, grad_outputs=2.0)
    np.testing.assert_array_equal(g.data, [4.0, 8.0])


# ---- random programs over the op table, against finite differences and torch ---------------
# The programs above use tanh/sigmoid/softplus/neg/add/sub/mul only. These
# programs draw from (nearly) every row of tests/op_table.py instead: elementwise, broadcasting
# binary, reductions with keepdims, softmax family, indexing, joining, matmul, linear and
# cross-entropy, over leaves of shapes (2, 3), (3,) and () so every step broadcasts.
# Each step keeps values broadcastable to (2, 3) and bounded, so the finite differences stay
# accurate; piecewise steps are compared with torch only (its conventions at kinks are ours).
SMOOTH_UNARY = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "square", "cube",
                "power[real]", "sum", "mean", "var", "logsumexp", "softmax", "log_softmax",
                "flip", "expand_dims", "cross_entropy"]
PIECEWISE_UNARY = ["abs", "relu", "leaky_relu", "elu", "clip", "max", "min"]
SMOOTH_BINARY = ["add", "sub", "mul", "div", "pow", "where", "stack", "concatenate", "matmul",
                 "linear"]
PIECEWISE_BINARY = ["maximum", "minimum"]
PROGRAM_LABELS = np.array([1, 2])


class _ProgramLib:
    """The operations a program step needs, for autograd_mini (`torch=None`) or torch."""

    def __init__(self, torch: Any = None) -> None:
        self.torch = torch

    def fn(self, name: str) -> Callable[..., Any]:
        if self.torch is None:
            return getattr(am, name)
        tf = self.torch.nn.functional
        renamed = {"maximum": self.torch.maximum, "minimum": self.torch.minimum,
                   "clip": self.torch.clamp, "leaky_relu": tf.leaky_relu, "elu": tf.elu,
                   "softplus": tf.softplus, "relu": self.torch.relu}
        return renamed.get(name) or getattr(self.torch, name)

    def full(self, v: Any) -> Any:  # broadcast to (2, 3)
        if self.torch is None:
            return am.broadcast_to(v, (2, 3)) if v.shape != (2, 3) else v
        return v.expand(2, 3)

    def reduce(self, name: str, v: Any) -> Any:
        """A reduction over the last axis (all axes of a 0-d value) with keepdims."""
        if self.torch is None:
            axis = -1 if v.ndim else None
            fn = {"var": am.var}.get(name) or getattr(am, name)
            return fn(v, axis=axis, keepdims=True)
        dims = -1 if v.ndim else ()
        if name == "var":
            return self.torch.var(v, dim=dims, keepdim=True, correction=0) if v.ndim else v * 0
        if name in ("max", "min"):
            return getattr(self.torch, "a" + name)(v, dim=dims, keepdim=True)
        return getattr(self.torch, name)(v, dim=dims, keepdim=True) if v.ndim else \
            (v if name != "logsumexp" else v)


def _program_step(lib: _ProgramLib, name: str, a: Any, b: Any) -> Any:
    t = lib.torch
    unary_simple = ["neg", "exp", "tanh", "sigmoid", "softplus", "abs", "relu"]
    if name in unary_simple:
        out = lib.fn(name)(a)
        return lib.fn("tanh")(out) if name == "exp" else out  # keep exp's output bounded
    if name in ("log", "sqrt"):
        return lib.fn(name)(a * a + 0.5)
    if name == "square":
        return a ** 2
    if name == "cube":
        return lib.fn("tanh")(a) ** 3
    if name == "power[real]":
        return (a * a + 0.5) ** 1.5
    if name == "leaky_relu":
        return lib.fn(name)(a, 0.2)
    if name == "elu":
        return lib.fn(name)(a, 0.5)
    if name == "clip":
        return lib.fn("clip")(a, -0.5, 0.75)
    if name in ("sum", "mean", "var", "logsumexp", "max", "min"):
        return lib.reduce(name, a)
    if name in ("softmax", "log_softmax"):
        if a.ndim == 0:
            return a
        return getattr(am, name)(a, axis=-1) if t is None else getattr(t, name)(a, dim=-1)
    if name == "flip":  # getitem with a repeating integer index along the last axis
        if a.ndim == 0:
            return a
        index = np.array([a.shape[-1] - 1, 0, a.shape[-1] - 1])[: a.shape[-1]]
        return a[..., index] if t is None else a[..., t.from_numpy(index)]
    if name == "expand_dims":  # a new leading axis, averaged away again
        return (am.expand_dims(a, 0) if t is None else t.unsqueeze(a, 0)).mean(0)
    if name == "cross_entropy":
        z = lib.full(a)
        if t is None:
            losses = am.cross_entropy(z, PROGRAM_LABELS, reduction="none")
        else:
            losses = t.nn.functional.cross_entropy(z, t.from_numpy(PROGRAM_LABELS),
                                                   reduction="none")
        return losses.reshape(2, 1)
    if name in ("add", "sub"):
        return a + b if name == "add" else a - b
    if name == "mul":
        return lib.fn("tanh")(a * b)
    if name == "div":
        return a / (b * b + 0.5)
    if name == "pow":
        return (a * a + 0.5) ** lib.fn("tanh")(b)
    if name in ("maximum", "minimum"):
        return lib.fn(name)(a, b)
    if name == "where":
        cond = np.array([True, False, True])
        if t is None:
            return am.where(cond, a, b)
        return t.where(t.from_numpy(cond), a, b)
    if name == "stack":
        pair = [lib.full(a), lib.full(b)]
        return (am.stack(pair, axis=0) if t is None else t.stack(pair, dim=0)).sum(0) * 0.5
    if name == "concatenate":
        pair = [lib.full(a), lib.full(b)]
        joined = am.concatenate(pair, axis=1) if t is None else t.cat(pair, dim=1)
        return joined[:, 1:4]
    p, q = lib.full(a), lib.full(b)
    gram = q.T @ q * 0.1  # (3, 3)
    if name == "matmul":
        return p @ gram
    assert name == "linear"
    if t is None:
        return am.linear(p, gram, q[0])
    return p @ gram + q[0]


@st.composite
def op_table_programs(draw, unary: list[str], binary: list[str]):
    steps = []
    for i in range(draw(st.integers(1, 8))):
        available = 3 + i
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(unary)), draw(st.integers(0, available - 1)), 0))
        else:
            steps.append((draw(st.sampled_from(binary)), draw(st.integers(0, available - 1)),
                          draw(st.integers(0, available - 1))))
    outputs = draw(st.lists(st.integers(0, 2 + len(steps)), min_size=1, max_size=3))
    return steps, outputs


PROGRAM_WEIGHTS = np.linspace(-1.0, 1.5, 6).reshape(2, 3)


def run_op_table_program(program, leaves: list[Any], lib: _ProgramLib) -> Any:
    steps, outputs = program
    values = list(leaves)
    for name, i, j in steps:
        values.append(_program_step(lib, name, values[i], values[j]))
    weights = PROGRAM_WEIGHTS if lib.torch is None else lib.torch.from_numpy(PROGRAM_WEIGHTS)
    total = (values[outputs[0]] * weights).sum()
    for k in outputs[1:]:
        total = total + (values[k] * weights).sum()
    return total


PROGRAM_LEAVES = [np.array([[0.3, -0.8, 1.1], [0.6, 0.2, -0.45]]), np.array([0.7, -0.35, 0.9]),
               np.array(0.55)]


@pytest.mark.hardening("engine/random-programs")
@given(op_table_programs(SMOOTH_UNARY, SMOOTH_BINARY))
def test_random_programs_of_smooth_ops_match_finite_differences(program):
    leaves = [am.tensor(v, requires_grad=True) for v in PROGRAM_LEAVES]

    def f(*xs):
        return run_op_table_program(program, list(xs), _ProgramLib())

    assert am.gradcheck(f, leaves, atol=1e-6, rtol=1e-5).ok


@pytest.mark.hardening("engine/random-programs")
@given(op_table_programs(SMOOTH_UNARY + PIECEWISE_UNARY, SMOOTH_BINARY + PIECEWISE_BINARY))
def test_random_programs_over_the_op_table_match_torch_to_second_order(program):
    torch = pytest.importorskip("torch")
    leaves = [am.tensor(v, requires_grad=True) for v in PROGRAM_LEAVES]
    y = run_op_table_program(program, leaves, _ProgramLib())
    theirs = [torch.tensor(v, requires_grad=True) for v in PROGRAM_LEAVES]
    ty = run_op_table_program(program, theirs, _ProgramLib(torch))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    if not y.requires_grad:
        return
    grads = am.grad(y, leaves, create_graph=True, allow_unused=True)
    their_grads = torch.autograd.grad(ty, theirs, create_graph=True, allow_unused=True)
    for ours, their, leaf in zip(grads, their_grads, leaves):
        expected = np.zeros(leaf.shape) if their is None else their.detach().numpy()
        got = np.zeros(leaf.shape) if ours is None else ours.data
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    # second order: the Hessian-vector product d/dx ⟨∇y, v⟩ with v = PROGRAM_WEIGHTS-like directions
    directions = [np.cos(np.arange(v.size) + 1.0).reshape(v.shape) for v in PROGRAM_LEAVES]
    terms = [(g * d).sum() for g, d in zip(grads, directions) if g is not None and g.requires_grad]
    their_terms = [(g * torch.from_numpy(d)).sum() for g, d in zip(their_grads, directions)
                   if g is not None and g.requires_grad]
    if not terms or not their_terms:
        return
    hvp = am.grad(sum(terms[1:], terms[0]), leaves, allow_unused=True)
    their_hvp = torch.autograd.grad(sum(their_terms[1:], their_terms[0]), theirs,
                                    allow_unused=True)
    for ours, their, leaf in zip(hvp, their_hvp, leaves):
        expected = np.zeros(leaf.shape) if their is None else their.numpy(force=True)
        got = np.zeros(leaf.shape) if ours is None else ours.data
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)


# ---- memory: a graph is freed with its output (tests/HARDENING.md) --------------------------
@pytest.mark.hardening("resources/large-graph")
@pytest.mark.parametrize("create_graph", [False, True], ids=["backward", "create_graph"])
def test_a_large_graph_is_freed_when_its_output_is_dropped(create_graph):
    """The engine keeps a graph's edges after backward (so it can be drawn); everything goes
    as soon as the output is no longer referenced, without waiting for the cycle collector."""
    n = 1_000_000 if not create_graph else 30_000
    gc.collect()
    gc.disable()  # freeing must not depend on the cycle collector: there are no cycles
    try:
        blocks = sys.getallocatedblocks()
        x = am.tensor(0.5, requires_grad=True)
        z, samples = x, []
        for i in range(n):  # one op per iteration: n ops in all
            z = am.tanh(z) if i % 3 == 0 else z * 1.5 if i % 3 == 1 else z + 0.25
            if i % (n // 100) == 0:
                samples.append(weakref.ref(z))
        grown = sys.getallocatedblocks() - blocks
        if create_graph:
            (g,) = am.grad(z, x, create_graph=True)
            (gg,) = am.grad(g, x)
            del g
        else:
            z.backward()
        assert samples[50]() is not None and samples[50]().parents  # edges kept after backward
        del z
        kept = sys.getallocatedblocks() - blocks
        assert all(ref() is None for ref in samples)
        # What stays is Python's own free lists (tuples, floats), bounded whatever the size.
        assert kept < 20_000 + 0.01 * grown, f"{kept} of {grown} new blocks still in use"
    finally:
        gc.enable()
    assert x.grad is None if create_graph else np.isfinite(x.grad.data)


# ---- what a node is: its fields are read in node.py and engine.py only --------------------------
_NODE_FIELD = re.compile(r"\._(prim|params|parents|tick|freed)\b")
_PACKAGES = [Path(am.__file__).parent, Path(am.__file__).parent.parent / "nn"]


def test_node_fields_are_read_only_by_the_engine_and_node_modules():
    """Everything else goes through the Node properties (is_leaf, parents, op_params, ...) or
    the engine's functions, so the fields can change in one place (issue 11 item 3)."""
    owners = {Path(am.__file__).parent / "engine.py", Path(am.__file__).parent / "node.py"}
    found = []
    for package in _PACKAGES:
        for path in sorted(package.rglob("*.py")):
            if path in owners:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                # a new tensor's constructor starts it as a leaf: `t._prim = None`
                if _NODE_FIELD.search(line) and not line.strip().endswith("._prim = None"):
                    found.append(f"{path.name}:{number}: {line.strip()}")
    assert not found, "node fields read outside engine.py and node.py:\n" + "\n".join(found)


def test_an_in_place_update_moves_the_node_to_the_old_value():
    """`x += y` and `x[i] = y` on a recorded value: x becomes the update's output and the old
    value keeps the op that made it (Node._take_node), so both gradients arrive."""
    for update in ("iadd", "setitem"):
        a = leaf([1.0, 2.0])
        b = leaf([3.0, 4.0])
        x = a * 2.0
        if update == "iadd":
            x += b
        else:
            x[0] = b[1]
        assert x.op == ("add" if update == "iadd" else "setitem")
        before = x.parents[0]
        assert before.op == "mul" and before.parents[0] is a
        x.sum().backward()
        np.testing.assert_array_equal(a.grad.data, [2.0, 2.0] if update == "iadd" else [0.0, 2.0])
        np.testing.assert_array_equal(b.grad.data, [1.0, 1.0] if update == "iadd" else [0.0, 1.0])
