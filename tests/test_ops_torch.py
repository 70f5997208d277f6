"""PyTorch as a second oracle: forward values and gradients of every op, float64.

Tie convention: our max/min/maximum/minimum split the gradient equally between tied entries.
torch.amax/amin, Tensor.max() and torch.maximum do the same, but torch.max(x, dim) sends the
whole gradient to a single index. The table draws distinct values for these ops, so the
comparison here never depends on ties; test_ops_gradients.py checks our tie rule itself, and
the one tie test below only pins the functions where the two libraries agree.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from op_table import OPS, call, op_ids, per_row, tensors, torch_fn

import autograd_mini as am
from autograd_mini import testing as amt

torch = pytest.importorskip("torch")


def torch_inputs(case):
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in case.arrays]


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@per_row
@given(data=st.data())
def test_forward_and_gradient_match_torch(op, data):
    case = data.draw(op.draw(amt.shapes(min_dims=op.min_dims, max_dims=max(3, op.min_dims),
                                        max_side=4)))
    xs = tensors(case)
    out = call(op, xs, case)
    ts = torch_inputs(case)
    expected = torch_fn(op)(*ts, **case.params)
    assert tuple(expected.shape) == out.shape
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-9, atol=1e-12)

    g = np.random.default_rng(3).standard_normal(out.shape)
    out.backward(g.astype(out.dtype))
    expected.backward(torch.tensor(g, dtype=expected.dtype))
    for x, t in zip(xs, ts):
        assert x.grad.shape == tuple(t.grad.shape)
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("op", OPS, ids=op_ids)
@per_row
@given(data=st.data())
def test_hessian_vector_product_matches_torch(op, data):
    """d/dx ⟨u, J(x)ᵀv⟩ via create_graph=True, against torch's double backward (piecewise ops
    are drawn away from their kinks and ties, where both libraries give the same, often 0)."""
    case = data.draw(op.draw(amt.shapes(min_dims=op.min_dims, max_dims=max(2, op.min_dims),
                                        max_side=3)))
    # torch masks d(a^b)/da to 0 where b == 0, which also zeroes the mixed derivative
    # ∂²(a^b)/∂a∂b = a^(b−1) there; ours keeps the true value (test_pow_mixed_second_...).
    assume(not (op.name == "pow" and np.any(case.arrays[1] == 0)))
    rng = np.random.default_rng(4)
    xs = tensors(case)
    out = call(op, xs, case)
    v = rng.standard_normal(out.shape)
    us = [rng.standard_normal(a.shape) for a in case.arrays]
    grads = am.grad(out, xs, grad_outputs=v, create_graph=True, allow_unused=True)
    inner = sum(((g * u).sum() for g, u in zip(grads, us) if g is not None and g.requires_grad),
                am.tensor(0.0))
    ours = [np.zeros(a.shape) for a in case.arrays]
    if inner.requires_grad:
        ours = [np.zeros(x.shape) if h is None else h.data
                for h, x in zip(am.grad(inner, xs, allow_unused=True), xs)]

    ts = torch_inputs(case)
    expected = torch_fn(op)(*ts, **case.params)
    tgrads = torch.autograd.grad(expected, ts, torch.tensor(v), create_graph=True,
                                 allow_unused=True)
    tinner = sum((g * torch.tensor(u)).sum() for g, u in zip(tgrads, us)
                 if g is not None and g.requires_grad)
    theirs = [np.zeros(a.shape) for a in case.arrays]
    if isinstance(tinner, torch.Tensor) and tinner.requires_grad:
        theirs = [np.zeros(a.shape) if h is None else h.numpy(force=True)
                  for h, a in zip(torch.autograd.grad(tinner, ts, allow_unused=True),
                                  case.arrays)]
    for h_ours, h_theirs in zip(ours, theirs):
        np.testing.assert_allclose(h_ours, h_theirs, rtol=1e-8, atol=1e-10)


def test_ties_agree_with_torch_amax_and_maximum():
    x = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]])
    ours = am.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    ours.max(axis=1).sum().backward()
    torch.amax(theirs, dim=1).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy())

    a, b = am.tensor([1.0, 2.0], requires_grad=True), am.tensor([1.0, 3.0], requires_grad=True)
    ta, tb = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 3.0],
                                                                        requires_grad=True)
    am.maximum(a, b).sum().backward()
    torch.maximum(ta, tb).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy())
    np.testing.assert_allclose(b.grad, tb.grad.numpy())
