"""cross_entropy with a probability target that requires grad differentiates the target too
(PyTorch's rule: ∂/∂t = −g·log softmax(z)); integer labels keep their fast path."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am

REDUCTIONS = ["mean", "sum", "none"]


def inputs(seed: int = 0) -> tuple[am.Tensor, am.Tensor]:
    rng = np.random.default_rng(seed)
    logits = am.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    target = am.tensor(rng.dirichlet(np.ones(3), size=4), requires_grad=True)
    return logits, target


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_target_gradient_is_minus_log_softmax(reduction: str) -> None:
    logits, target = inputs()
    loss = am.cross_entropy(logits, target, reduction=reduction).sum()
    grad_logits, grad_target = am.grad(loss, [logits, target])
    scale = 1 / 4 if reduction == "mean" else 1.0
    log_probs = am.log_softmax(logits.detach(), axis=-1).data
    np.testing.assert_allclose(grad_target.data, -scale * log_probs, rtol=1e-12)
    probs = np.exp(log_probs)
    row_totals = target.data.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(grad_logits.data, scale * (probs * row_totals - target.data),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_both_gradients_match_torch(reduction: str) -> None:
    torch = pytest.importorskip("torch")
    logits, target = inputs(1)
    loss = am.cross_entropy(logits, target, reduction=reduction).sum()
    grad_logits, grad_target = am.grad(loss, [logits, target])
    z = torch.tensor(logits.data, requires_grad=True)
    t = torch.tensor(target.data, requires_grad=True)
    torch.nn.functional.cross_entropy(z, t, reduction=reduction).sum().backward()
    np.testing.assert_allclose(grad_logits.data, z.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad_target.data, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_gradcheck_and_second_order_through_the_target() -> None:
    logits, target = inputs(2)
    assert am.gradcheck(lambda z, t: am.cross_entropy(z, t), [logits, target])
    assert am.gradgradcheck(lambda z, t: am.cross_entropy(z, t, reduction="sum"),
                            [logits, target])


def test_constant_target_and_labels_are_unchanged() -> None:
    logits, target = inputs(3)
    with_grad = am.cross_entropy(logits, target)
    constant = am.cross_entropy(logits, target.detach())
    assert with_grad.item() == pytest.approx(constant.item(), rel=1e-15)
    labels = am.cross_entropy(logits, np.array([0, 2, 1, 1]))
    assert len(labels._parents) == 1  # labels stay a parameter: no second input
