"""Class labels that require grad: cross_entropy refuses them (their gradient would silently
be dropped; PyTorch refuses float labels outright), through am, nn and autograd_mini.numpy."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
import nn


def _logits() -> am.Tensor:
    return am.tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)


@pytest.mark.hardening("engine/bad-parameters")
@pytest.mark.parametrize("call", [
    lambda z, t: am.cross_entropy(z, t),
    lambda z, t: nn.CrossEntropyLoss()(z, t),
    lambda z, t: nn.functional.cross_entropy(z, t, reduction="sum"),
], ids=["am", "nn.CrossEntropyLoss", "nn.functional"])
def test_float_labels_that_require_grad_are_refused(call):
    labels = am.tensor([0.0, 3.0, 1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"cross_entropy: class labels of shape \(3,\).*"
                                        r"require grad.*detach\(\)"):
        call(_logits(), labels)


def test_the_same_labels_detached_or_as_integers_still_work():
    z = _logits()
    labels = am.tensor([0.0, 3.0, 1.0], requires_grad=True)
    detached = am.cross_entropy(z, labels.detach())
    integers = am.cross_entropy(z, np.array([0, 3, 1]))
    np.testing.assert_allclose(detached.data, integers.data, rtol=0, atol=0)
    (g,) = am.grad(detached, [z])
    assert np.all(np.isfinite(g.data))
