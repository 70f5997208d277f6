"""`autograd_mini.extend`: primitives defined by users with HIPS autograd's primitive/defvjp/
defjvp, checked against closed forms, central differences and PyTorch; to second order (the
rules run on Tensors under create_graph) and in forward mode."""

from __future__ import annotations

import numpy
import pytest

import autograd_mini as am
from autograd_mini.extend import defjvp, defvjp, primitive
from autograd_mini.func import grad, hessian, jacfwd, jacobian, jvp
from autograd_mini.registry import PUBLIC, REGISTRY


@primitive
def logsumexp(x, axis=None):
    """Plain numpy: log Σ exp x, shifted by the maximum."""
    m = numpy.max(x, axis=axis, keepdims=True)
    return numpy.squeeze(m, axis=axis) + numpy.log(numpy.sum(numpy.exp(x - m), axis=axis))


def _softmax_times(g, ans, x, axis):
    keep = numpy.expand_dims if axis is not None else (lambda v, _: v)
    return keep(g, axis) * numpy.exp(x - keep(ans, axis))


defvjp(logsumexp, lambda ans, x, axis=None: lambda g: _softmax_times(g, ans, x, axis))
defjvp(logsumexp, lambda t, ans, x, axis=None: numpy.sum(_softmax_times(1.0, ans, x, axis) * t,
                                                          axis=axis))

X = numpy.array([[0.5, -1.0, 2.0], [0.1, 0.2, -3.0]])


def softmax(x):
    e = numpy.exp(x - x.max())
    return e / e.sum()


def test_plain_values_run_the_function_itself():
    assert logsumexp(X) == pytest.approx(numpy.log(numpy.sum(numpy.exp(X))))
    assert isinstance(logsumexp(am.tensor(X)), am.Tensor)


def test_gradient_is_softmax_and_matches_torch():
    torch = pytest.importorskip("torch")
    numpy.testing.assert_allclose(grad(logsumexp)(X), softmax(X), rtol=1e-12)
    ours = jacobian(lambda x: logsumexp(x, axis=1))(X)  # (2, 2, 3)
    t = torch.tensor(X, requires_grad=True)
    theirs = torch.autograd.functional.jacobian(lambda v: torch.logsumexp(v, 1), t)
    numpy.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12)


def test_forward_mode_uses_the_jvp_rule_and_agrees_with_reverse():
    v = numpy.random.default_rng(0).standard_normal(X.shape)
    _, tangent = jvp(logsumexp, (X,), (v,))
    assert tangent == pytest.approx(numpy.sum(softmax(X) * v))
    f = lambda x: logsumexp(x, axis=0)  # noqa: E731
    numpy.testing.assert_allclose(jacfwd(f)(X), jacobian(f)(X), rtol=1e-12)


def test_second_derivatives_flow_through_rules_written_with_numpy():
    # the VJP rule's numpy.exp runs on Tensors under create_graph (numpy's protocols)
    x = X[0]
    p = softmax(x)
    numpy.testing.assert_allclose(hessian(logsumexp)(x), numpy.diag(p) - numpy.outer(p, p),
                                  rtol=1e-10, atol=1e-14)


@primitive
def scaled_power(base, exponent, scale=1.0):
    return scale * base ** exponent


defvjp(scaled_power, lambda ans, b, e, scale=1.0: lambda g: g * scale * e * b ** (e - 1), None)
defjvp(scaled_power, None, argnums=(1,))


def test_none_rules_are_zero_and_keywords_are_constants():
    b, e = 1.7, 2.5
    assert grad(scaled_power)(b, e, scale=3.0) == pytest.approx(3.0 * e * b ** (e - 1))
    assert grad(scaled_power, argnums=1)(b, e, scale=3.0) == 0.0  # declared zero
    _, tangent = jvp(lambda y: scaled_power(b, y), (e,), (1.0,))
    assert tangent == 0.0


def test_a_missing_rule_raises_not_implemented_naming_it():
    double = primitive(lambda x: 2.0 * x)
    with pytest.raises(NotImplementedError, match="no VJP is defined for positional argument 0"):
        grad(double)(1.0)
    with pytest.raises(NotImplementedError, match="no JVP is defined for positional argument 0"):
        jvp(double, (1.0,), (1.0,))
    with pytest.raises(NotImplementedError, match="no JVP is defined for positional argument 0"):
        jvp(lambda y: scaled_power(y, 2.0), (1.5,), (1.0,))  # only argument 1's is given


@pytest.mark.hardening("engine/bad-parameters")
def test_misuse_is_refused_with_a_message():
    with pytest.raises(TypeError, match="positional arguments"):
        logsumexp([am.tensor(1.0, requires_grad=True), 2.0])
    with pytest.raises(TypeError, match="defvjp: expected a function made with"):
        defvjp(numpy.sin, lambda ans, x: lambda g: g)


def test_user_primitives_stay_out_of_the_op_table_and_namespace():
    assert logsumexp.__name__ == "logsumexp" and "shifted" in logsumexp.__doc__
    assert "logsumexp" not in PUBLIC or REGISTRY["logsumexp"] is not logsumexp.primitive
    assert all(p is not scaled_power.primitive for p in REGISTRY.values())
