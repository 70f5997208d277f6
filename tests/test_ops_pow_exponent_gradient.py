"""pow's gradient with respect to the exponent at a base ≤ 0 follows PyTorch: −∞ at 0 with a
negative exponent, 0 at 0 with an exponent ≥ 0, NaN at a negative base."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am

BASE = [0.0, 0.0, 0.0, 0.0, -2.0, -2.0, 2.0, 0.5]
EXPONENT = [-1.0, -2.5, 2.0, 0.0, 2.0, 0.5, 3.0, -1.5]


def exponent_gradient() -> np.ndarray:
    a = am.tensor(BASE, requires_grad=True)
    b = am.tensor(EXPONENT, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # the forward's 0⁻¹ and (−2)^0.5
        (grad_b,) = am.grad((a ** b).sum(), b)
    return grad_b.detach().data


def test_exponent_gradient_at_zero_and_negative_bases() -> None:
    grad_b = exponent_gradient()
    assert grad_b[0] == -np.inf and grad_b[1] == -np.inf  # 0 with b < 0 (was NaN)
    assert grad_b[2] == 0.0 and grad_b[3] == 0.0  # 0 with b ≥ 0
    assert np.isnan(grad_b[4]) and np.isnan(grad_b[5])  # negative base (was 0 for b = 2)
    np.testing.assert_allclose(grad_b[6:], np.power(BASE[6:], EXPONENT[6:]) * np.log(BASE[6:]))


def test_exponent_gradient_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    a = torch.tensor(BASE, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(EXPONENT, dtype=torch.float64, requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_array_equal(exponent_gradient(), b.grad.numpy())


def test_exponent_gradient_is_still_differentiable() -> None:
    a = am.tensor([0.5, 1.5, 2.0], requires_grad=True)
    b = am.tensor([1.5, -0.5, 2.0], requires_grad=True)
    assert am.gradgradcheck(lambda a, b: a ** b, [a, b])
