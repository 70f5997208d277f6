"""The public gradient-check kit: it passes correct gradients and catches wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.engine import apply
from autograd_mini.registry import Primitive


def leaf(values):
    return am.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def _sin_vjp(g, out, inputs, needs, xp):
    """sin(a);  ∂/∂a = g·cos(a)"""
    return (g * np.cos(xp.value(inputs[0])),)


def _off_at_index_2_vjp(g, out, inputs, needs, xp):
    """cos(a) everywhere except at element 2, where 0.5 is added: a one-entry bug."""
    wrong = np.cos(xp.value(inputs[0]))
    wrong.reshape(-1)[2] += 0.5
    return (g * wrong,)


def _scaled_vjp(g, out, inputs, needs, xp):
    """A gradient 10% too large everywhere."""
    return (g * (1.1 * np.cos(xp.value(inputs[0]))),)


def _bad_cos_vjp(g, out, inputs, needs, xp):
    """cos(a) with the wrong sign of its derivative (+sin instead of −sin)."""
    return (g * np.sin(xp.value(inputs[0])),)


BAD_COS = Primitive("bad_cos", np.cos, _bad_cos_vjp, None,
                    "bad_cos(a);  ∂/∂a = +g·sin(a) (wrong sign)")


def _sin_with_bad_second_vjp(g, out, inputs, needs, xp):
    """Right first derivative g·cos(a); with create_graph the cos is BAD_COS, so the second
    derivative comes out as +sin instead of −sin."""
    a = inputs[0]
    if isinstance(a, am.Tensor):
        return (g * apply(BAD_COS, (a,), {}),)
    return (g * np.cos(a),)


def sin_with(vjp, name="bad"):
    prim = Primitive(name, np.sin, vjp, None, "test primitive")
    return lambda x: apply(prim, (x,), {})


GOOD_SIN = sin_with(_sin_vjp, "sin")
X = [[0.3, -1.2, 0.8], [2.0, -0.1, 1.5]]


# ---- gradcheck --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["full", "projection", "auto"])
def test_gradcheck_passes_correct_gradients(mode):
    x, w = leaf(X), leaf([[0.5], [-1.0], [2.0]])
    result = am.gradcheck(lambda a, b: (GOOD_SIN(a) @ b).tanh(), [x, w], mode=mode)
    assert result and result.ok
    assert result.mode == ("full" if mode == "auto" else mode)
    assert result.max_abs_error < 1e-7
    assert "passed" in str(result)


def test_gradcheck_fails_and_names_the_worst_entry():
    x = leaf(X)
    with pytest.raises(am.GradcheckError) as info:
        am.gradcheck(sin_with(_off_at_index_2_vjp), [x])
    message = str(info.value)
    assert "FAILED" in message and "worst entries" in message
    # element 2 of the flattened (2, 3) input is [0, 2]; output element 2 is where it shows
    first_entry = message.split("worst entries:")[1].strip().splitlines()[0]
    assert first_entry.startswith("input 0 at [0, 2], output 2")
    assert "analytical" in first_entry and "numerical" in first_entry


def test_gradcheck_report_without_raising():
    x = leaf(X)
    result = am.gradcheck(sin_with(_scaled_vjp), [x], raise_exception=False)
    assert not result
    assert 1 <= len(result.worst) <= 5
    diffs = [abs(m.analytical - m.numerical) for m in result.worst]
    assert diffs == sorted(diffs, reverse=True)  # worst first
    worst = result.worst[0]
    expected = 1.1 * np.cos(np.array(X)[worst.element])
    assert worst.analytical == pytest.approx(expected, rel=1e-9)
    assert worst.numerical == pytest.approx(np.cos(np.array(X)[worst.element]), rel=1e-6)


def test_projection_mode_catches_wrong_gradient_too():
    x = leaf(X)
    result = am.gradcheck(sin_with(_scaled_vjp), [x], mode="projection", raise_exception=False)
    assert not result and result.mode == "projection"
    assert "projection" in str(result)


def test_projection_and_full_agree_on_a_correct_multi_input_function():
    rng = np.random.default_rng(0)
    a, b = leaf(rng.standard_normal((3, 4))), leaf(rng.standard_normal((4,)))

    def f(p, q):
        return am.softmax(p * q, axis=0) + am.logsumexp(p, axis=1, keepdims=True)

    full = am.gradcheck(f, [a, b], mode="full")
    projected = am.gradcheck(f, [a, b], mode="projection", n_projections=8, seed=3)
    assert full.ok and projected.ok


def test_auto_mode_uses_projection_for_large_inputs():
    x = leaf(np.linspace(-1, 1, 3000))
    result = am.gradcheck(lambda t: (t.tanh() * t).sum(), [x])
    assert result.ok and result.mode == "projection"


def test_gradcheck_checks_float32_inputs_in_float64():
    x = am.tensor(np.array(X, dtype=np.float32), requires_grad=True)
    assert am.gradcheck(lambda t: am.sigmoid(t) * t, [x]).ok
    assert x.dtype == np.float32  # the caller's tensor is untouched


def test_gradcheck_leaves_inputs_unchanged_and_accepts_constants():
    x = leaf(X)
    before = x.data.copy()
    constant = am.tensor([[1.0, 2.0, 3.0]])
    assert am.gradcheck(lambda t, c: t * c, [x, constant]).ok
    np.testing.assert_array_equal(x.data, before)
    assert x.grad is None


def test_gradcheck_with_several_outputs():
    x = leaf([0.5, -0.3])
    assert am.gradcheck(lambda t: (t.exp(), (t * t).sum()), [x]).ok


def test_gradcheck_without_grad_inputs_is_an_error():
    with pytest.raises(ValueError, match="no input requires grad"):
        am.gradcheck(lambda t: t * 2.0, [am.tensor([1.0])])


def test_gradcheck_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        am.gradcheck(GOOD_SIN, [leaf([1.0])], mode="fast")


def test_numerical_jacobian_of_a_linear_map_is_the_matrix():
    a = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    (jac,) = am.numerical_jacobian(lambda t: am.tensor(a) @ t, [leaf([0.1, 0.2, 0.3])])
    np.testing.assert_allclose(jac, a, rtol=1e-8)


# ---- gradgradcheck ---------------------------------------------------------------------------
def test_gradgradcheck_passes_correct_second_derivatives():
    x = leaf(X)
    assert am.gradgradcheck(lambda t: am.tanh(t) * am.exp(t), [x]).ok


def test_gradgradcheck_catches_a_wrong_second_derivative():
    f = sin_with(_sin_with_bad_second_vjp)
    x = leaf(X)
    assert am.gradcheck(f, [x]).ok  # the first derivative is right ...
    with pytest.raises(am.GradcheckError, match="worst entries"):
        am.gradgradcheck(f, [x])  # ... the second is not


def test_gradgradcheck_with_given_grad_outputs():
    x = leaf([0.4, -0.7])
    assert am.gradgradcheck(lambda t: t.sigmoid() * t, [x], grad_outputs=np.array([1.0, -2.0]))


# ---- taylor_test -----------------------------------------------------------------------------
def scalar_of(f):
    return lambda t: (f(t) * am.tensor([[1.0, -0.5, 2.0], [0.3, 1.0, -1.0]])).sum()


def test_taylor_ratios_near_4_for_a_correct_gradient():
    result = am.taylor_test(scalar_of(GOOD_SIN), [leaf(X)])
    assert result.ok
    assert all(3.5 < r < 4.5 for r in result.ratios[-3:]), result.ratios
    assert "passed" in str(result)


def test_taylor_ratios_near_2_for_a_wrong_gradient():
    result = am.taylor_test(scalar_of(sin_with(_scaled_vjp)), [leaf(X)])
    assert not result
    assert all(1.7 < r < 2.3 for r in result.ratios[-3:]), result.ratios


def test_taylor_test_needs_a_scalar_function():
    with pytest.raises(ValueError, match="single-value"):
        am.taylor_test(GOOD_SIN, [leaf(X)])


@pytest.mark.parametrize("mode", ["full", "projection"])
def test_gradcheck_accepts_non_contiguous_inputs(mode):
    x = am.tensor(np.arange(6.0).reshape(2, 3).T, requires_grad=True)  # Fortran-ordered view
    assert not x.data.flags.c_contiguous
    assert am.gradcheck(lambda t: t * t, [x], mode=mode).ok
    (jac,) = am.numerical_jacobian(lambda t: t * 2.0, [x])
    np.testing.assert_allclose(jac, 2.0 * np.eye(6), atol=1e-8)
