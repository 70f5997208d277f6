"""Places where a tensor that requires grad used to become plain values without an error (the
audit of issue 13): each now raises, naming the function and the fix, and the detached call
still gives numpy's values."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
import autograd_mini.numpy as anp


def _t() -> am.Tensor:
    return am.tensor([0.5, 1.5, 0.5, 2.0], requires_grad=True)


CALLS = {
    "np.unique": lambda t: np.unique(t),
    "anp.unique": lambda t: anp.unique(t),
    "np.histogram": lambda t: np.histogram(t, bins=2),
    "anp.histogram_bin_edges": lambda t: anp.histogram_bin_edges(t, bins=2),
    "np.bincount weights": lambda t: np.bincount(np.array([0, 1, 1, 2]), weights=t),
    "anp.histogram weights": lambda t: anp.histogram(np.arange(4.0), bins=2, weights=t),
}


@pytest.mark.hardening("engine/regressions")
@pytest.mark.parametrize("name", list(CALLS))
def test_floating_results_of_non_differentiable_functions_refuse_grad(name):
    function = name.split()[0].split(".")[1]
    with pytest.raises(TypeError, match=rf"numpy\.{function} on a tensor that requires grad.*"
                                        r"detach\(\)"):
        CALLS[name](_t())


@pytest.mark.parametrize("name", list(CALLS))
def test_the_same_calls_on_detached_values_or_without_grad_give_numpys_values(name):
    t = _t()
    expected = CALLS[name](t.data)
    for out in (CALLS[name](t.detach()), _no_grad(CALLS[name], t)):
        outs = out if isinstance(out, tuple) else (out,)
        wanted = expected if isinstance(expected, tuple) else (expected,)
        for got, want in zip(outs, wanted):
            np.testing.assert_array_equal(got.data, want)


def _no_grad(fn, t):
    with am.no_grad():
        return fn(t)


def test_integer_and_boolean_results_still_run_on_values():
    t = _t()
    assert int(np.argmax(t).data) == 3
    assert anp.isclose(t, 0.5).data.tolist() == [True, False, True, False]
    counts, _ = np.histogram(t.detach(), bins=2)
    assert counts.data.sum() == 4


@pytest.mark.hardening("engine/regressions")
def test_quantile_refuses_a_q_that_requires_grad():
    x = am.tensor(np.arange(5.0), requires_grad=True)
    q = am.tensor(0.3, requires_grad=True)
    with pytest.raises(TypeError, match=r"quantile: q is a tensor that requires grad.*"
                                        r"q\.detach\(\)"):
        am.quantile(x, q)
    np.testing.assert_allclose(am.quantile(x, q.detach()).data, np.quantile(np.arange(5.0), 0.3))


# ---- tensor(t) and copy_(t): the library's own ways from a graph to plain values ---------------
@pytest.mark.hardening("engine/regressions")
@pytest.mark.parametrize("make", [am.tensor, am.Tensor,
                                  lambda t: am.tensor(t, requires_grad=True)],
                         ids=["tensor", "Tensor", "tensor requires_grad"])
def test_tensor_of_a_tensor_that_requires_grad_warns_as_torch_does(make):
    # PyTorch's torch.tensor(t) warns "use sourceTensor.clone().detach()"; here it shared t's
    # values without a word, and gradients silently stopped at the new leaf
    t = _t()
    with pytest.warns(UserWarning, match=r"tensor\(t\): t \(shape \(4,\)\) requires grad.*"
                                         r"no gradient will reach t.*t\.detach\(\)") as caught:
        out = make(t)
    assert caught[0].filename == __file__  # points at the user's line, not the library's
    assert not out.requires_grad or out.is_leaf
    np.testing.assert_array_equal(out.data, t.data)


def test_tensor_of_a_tensor_without_a_graph_stays_silent(recwarn):
    t = _t()
    am.tensor(t.detach())
    am.tensor(am.tensor([1.0, 2.0]))
    with am.no_grad():
        am.tensor(t)
    from nn import Parameter  # a Parameter made from a tensor is a new leaf by intent
    assert Parameter(t).requires_grad
    assert [w for w in recwarn if issubclass(w.category, UserWarning)] == []


@pytest.mark.hardening("engine/regressions")
def test_copy_from_a_tensor_that_requires_grad_is_recorded():
    # copy_ wrote c's values into a plain tensor and dropped c's gradient without an error
    c = am.tensor(2.5, requires_grad=True)
    y = am.tensor(np.zeros(3)).copy_(c * 2.0)
    assert y.requires_grad
    (y * np.arange(3.0)).sum().backward()
    assert c.grad.item() == pytest.approx(6.0)  # d/dc Σ 2c·i = 2·(0 + 1 + 2)
    leaf = am.tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(am.AutogradError, match=r"copy_: in-place change of a tensor that "
                                               r"requires grad"):
        leaf.copy_(c)
    plain = am.tensor(np.zeros(2))
    assert plain.copy_(am.tensor([1.0, 2.0])) is plain and not plain.requires_grad


# ---- forward mode: a tensor carrying a tangent is no more a plain array than one that
# requires grad (jvp's inputs do not require grad, so these paths were silent there: jvp of
# x·asarray(x) gave 2 at x = 2 instead of 4, jacfwd of Σ x·[x₀, x₁] gave x instead of 2x)


def _times_the_sum_of(call):
    return lambda t: t * anp.sum(anp.asarray(_first(call(t))))


def _add_into_array(t):
    a = np.zeros(4)
    a += t
    return a


def _first(value):
    return value[0] if isinstance(value, tuple) else value


FORWARD_DROPS = {
    "np.asarray": lambda t: t * np.asarray(t),
    "float": lambda t: t * float(t[0]),
    "int": lambda t: t * int(t[0]),
    "numpy()": lambda t: t * t.numpy(),
    "list of tensors": lambda t: t * [t[0], t[1], t[2], t[3]],
    "array += t": lambda t: _add_into_array(t) * t,
    **{name: _times_the_sum_of(call) for name, call in CALLS.items()},
}


@pytest.mark.hardening("engine/regressions")
@pytest.mark.parametrize("name", list(FORWARD_DROPS))
def test_forward_mode_refuses_to_turn_a_tensor_with_a_tangent_into_plain_values(name):
    from autograd_mini.func import jacfwd, jvp

    x, v = _t().data, np.ones(4)
    with pytest.raises((am.AutogradError, TypeError), match="forward-mode tangent"):
        jvp(FORWARD_DROPS[name], (x,), (v,))
    with pytest.raises((am.AutogradError, TypeError), match="forward-mode tangent"):
        jacfwd(FORWARD_DROPS[name])(x)


def test_forward_mode_still_takes_constants_and_detached_values():
    from autograd_mini.func import jvp

    x, v = np.array([2.0, 3.0]), np.array([1.0, 0.5])
    c = am.tensor([4.0, 5.0])  # a tensor without a tangent is a constant here
    _, t = jvp(lambda x: x * np.asarray(c) * float(c[0]), (x,), (v,))
    np.testing.assert_allclose(t, v * c.data * 4.0)
    _, t = jvp(lambda x: x * np.asarray(x.detach()), (x,), (v,))  # asked for: x·const
    np.testing.assert_allclose(t, v * x)
    _, t = jvp(lambda x: x * anp.asarray(x), (x,), (v,))  # the differentiable spelling
    np.testing.assert_allclose(t, 2 * x * v)
