"""Engine defects that gave silently wrong numbers (issue 12), one class per block: each test
failed on c9ec650 and names the class it pins."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import AutogradError


# ---- class: an in-place change through an alias of a recorded value -----------------------------
def _recorded_product():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    x = am.tensor([3.0, 4.0])
    return w, x, (w * x).sum()


ALIASES = {
    "slice view": lambda x: x[:],
    "transpose view": lambda x: x.T,
    "reshape view": lambda x: x.reshape(2, 1),
    "tensor(x) sharing the array": lambda x: am.tensor(x),
    "detach": lambda x: x.detach(),
    "strided slice": lambda x: x[::2],
    "ravel view": lambda x: x.ravel(),
    "new-axis view": lambda x: x[None],
    "expand_dims view": lambda x: am.expand_dims(x, 0),
}


@pytest.mark.hardening("engine/in-place-alias")
@pytest.mark.parametrize("alias", ALIASES.values(), ids=ALIASES.keys())
def test_an_in_place_change_through_any_alias_is_caught(alias):
    w, x, y = _recorded_product()
    v = alias(x)
    v += 1.0
    with pytest.raises(AutogradError, match="modified in place"):
        y.backward()


NUMPY_WRITES = {
    "ufunc out=": lambda x: np.add(x, 1.0, out=x),
    "ufunc out= a view": lambda x: np.multiply(x[:1], 3.0, out=x[:1]),
    "ufunc out= under no_grad": lambda x: _under_no_grad(lambda: np.negative(x, out=x)),
}


def _under_no_grad(write):
    with am.no_grad():
        write()


@pytest.mark.hardening("engine/in-place-alias")
@pytest.mark.parametrize("write", NUMPY_WRITES.values(), ids=NUMPY_WRITES.keys())
def test_a_numpy_ufunc_writing_into_a_recorded_tensor_is_caught(write):
    # numpy's out= wrote into the tensor's array without a new version: w.grad [4, 5] silently.
    w, x, y = _recorded_product()
    write(x)
    with pytest.raises(AutogradError, match="modified in place"):
        y.backward()


@pytest.mark.hardening("engine/in-place-alias")
def test_a_numpy_ufunc_into_a_read_only_tensor_names_the_write():
    x = am.tensor(np.broadcast_to(np.ones(1), (3,)))
    with pytest.raises(ValueError, match=r"numpy.add\(\.\.\., out=tensor\): .*read-only"):
        np.add(x, 1.0, out=x)


@pytest.mark.hardening("engine/in-place-alias")
def test_an_alias_taken_and_changed_under_no_grad_is_caught():
    w, x, y = _recorded_product()
    with am.no_grad():
        v = x[:1]
        v *= 3.0
    with pytest.raises(AutogradError, match="modified in place"):
        y.backward()


@pytest.mark.hardening("engine/in-place-alias")
def test_changing_the_base_is_caught_through_a_recorded_view():
    w = am.tensor([1.0, 2.0], requires_grad=True)
    x = am.tensor([3.0, 4.0])
    v = x[:]  # the view is what the product records
    y = (w * v).sum()
    x += 1.0
    with pytest.raises(AutogradError, match="modified in place"):
        y.backward()


def test_a_copy_is_not_an_alias():
    w, x, y = _recorded_product()
    c = x * 1.0  # a new array
    c += 1.0
    y.backward()
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])


# ---- class: assignment that copied a value and dropped its gradient -----------------------------
@pytest.mark.hardening("engine/assignment-gradient")
def test_setitem_records_the_assignment_so_the_value_keeps_its_gradient():
    y = am.tensor([2.0, 5.0], requires_grad=True)
    x = am.tensor(np.zeros(4))
    x[1:3] = y * 3.0
    assert x.requires_grad and not x.is_leaf
    (x * am.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    np.testing.assert_allclose(y.grad, [30.0, 300.0])


@pytest.mark.hardening("engine/assignment-gradient")
def test_setitem_gradients_match_torch():
    torch = pytest.importorskip("torch")
    a0 = np.arange(6.0).reshape(2, 3)
    b0 = np.array([0.5, -1.5, 2.0])
    a, b = am.tensor(a0, requires_grad=True), am.tensor(b0, requires_grad=True)
    x = a * 2.0
    x[1] = b.exp()
    (x * x).sum().backward()
    ta = torch.tensor(a0, requires_grad=True)
    tb = torch.tensor(b0, requires_grad=True)
    tx = ta * 2.0
    tx[1] = tb.exp()
    (tx * tx).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy())
    np.testing.assert_allclose(b.grad, tb.grad.numpy())


@pytest.mark.hardening("engine/assignment-gradient")
def test_copy_from_a_tensor_that_requires_grad_keeps_its_gradient():
    # copy_ wrote the values and dropped the source's gradient (torch records the copy).
    y = am.tensor([2.0, 5.0], requires_grad=True)
    x = am.tensor(np.zeros(2))
    x.copy_(y * 3.0)
    assert x.requires_grad and not x.is_leaf
    ((x * am.tensor([1.0, 10.0])).sum() + y.sum()).backward()
    np.testing.assert_allclose(y.grad, [4.0, 31.0])


@pytest.mark.hardening("engine/assignment-gradient")
def test_copy_broadcasts_a_recorded_source_as_numpy_copyto_does():
    y = am.tensor([2.0, 5.0], requires_grad=True)
    x = am.tensor(np.zeros((3, 2), dtype=np.float32))
    x.copy_(y)
    assert x.dtype == np.float32
    x.sum().backward()
    np.testing.assert_allclose(y.grad, [3.0, 3.0])


def _write_into_a_view(y):
    x = am.tensor(np.zeros(4))
    v = x[1:3]
    v[...] = y * 3.0
    return x


def _add_into_a_view(y):
    x = am.tensor(np.zeros(4))
    v = x.reshape(2, 2)[0]
    v += y * 3.0
    return x


def _write_into_the_base_of_a_live_view(y):
    x = am.tensor(np.zeros(4))
    v = x[1:3]
    x[1:3] = y * 3.0
    return am.concatenate([am.tensor([0.0]), v, am.tensor([0.0])])  # v: the new values


VIEW_WRITES = {"x[1:3][...] = y": _write_into_a_view, "x.reshape(2, 2)[0] += y": _add_into_a_view}


@pytest.mark.hardening("engine/assignment-gradient")
@pytest.mark.parametrize("write", VIEW_WRITES.values(), ids=VIEW_WRITES.keys())
def test_a_recorded_write_into_a_view_of_a_live_tensor_is_refused(write):
    # The write joined the graph through the view only; the base kept the new values as a
    # constant: y.grad [1, 1] where torch gives [31, 301].
    y = am.tensor([2.0, 5.0], requires_grad=True)
    with pytest.raises(AutogradError, match="is a view of another live tensor's memory"):
        (write(y) * am.tensor([1.0, 10.0, 100.0, 1000.0])).sum()


@pytest.mark.hardening("engine/assignment-gradient")
@pytest.mark.parametrize("write", ["x[1:3] = y", "x += y"])
def test_a_recorded_write_into_a_tensor_with_a_live_view_is_refused(write):
    # v = x[1:3]; x[1:3] = y: v showed y's values without the graph that made them, so y's
    # gradient through v was silently lost (y.grad [1, 1], torch rebases v: [31, 301]).
    y = am.tensor([2.0, 5.0], requires_grad=True)
    x = am.tensor(np.zeros(4) if write == "x[1:3] = y" else np.zeros(2))
    v = x[:2]
    with pytest.raises(AutogradError, match="a view of this tensor is alive"):
        if write == "x[1:3] = y":
            x[1:3] = y * 3.0
        else:
            x += y * 3.0
    np.testing.assert_array_equal(v.data, [0.0, 0.0])  # nothing was written
    with pytest.raises(AutogradError, match="a view of this tensor is alive"):
        _write_into_the_base_of_a_live_view(y)


def test_a_recorded_write_after_the_views_are_gone_is_allowed():
    y = am.tensor([2.0, 5.0], requires_grad=True)
    x = am.tensor(np.zeros(4))
    print(x[0])  # a view, dropped at once
    x[1:3] = y * 3.0
    d = am.tensor(np.zeros(2))
    d_alias = d.detach()  # a detached alias is a constant by intent, not a view
    d[...] = y
    ((x * am.tensor([1.0, 10.0, 100.0, 1000.0])).sum() + d.sum()).backward()
    np.testing.assert_allclose(y.grad, [31.0, 301.0])
    np.testing.assert_array_equal(d_alias.data, [2.0, 5.0])


@pytest.mark.hardening("engine/assignment-gradient")
def test_setitem_into_a_leaf_that_requires_grad_is_refused_with_the_fix():
    x = am.tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(AutogradError, match="no_grad|where"):
        x[0] = am.tensor(1.0, requires_grad=True)


def test_setitem_of_constants_stays_a_plain_write():
    x = am.tensor(np.zeros(3))
    x[1] = 5.0
    assert x.is_leaf and not x.requires_grad
    np.testing.assert_array_equal(x.data, [0.0, 5.0, 0.0])


# ---- class: an attribute assignment that bypassed the method's checks ---------------------------
@pytest.mark.hardening("engine/requires-grad-assignment")
def test_requires_grad_assignment_on_a_non_leaf_is_refused():
    x = am.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises(AutogradError, match="leaf"):
        y.requires_grad = False
    assert y.requires_grad


@pytest.mark.hardening("engine/requires-grad-assignment")
def test_requires_grad_assignment_on_integers_is_refused():
    t = am.tensor(np.array([2, 3]), dtype=np.int64)
    with pytest.raises(TypeError, match="int64"):
        t.requires_grad = True


@pytest.mark.hardening("engine/requires-grad-assignment")
@pytest.mark.parametrize("flag", ["no", 1, None, np.array(True)], ids=repr)
def test_the_constructor_checks_requires_grad_as_the_method_does(flag):
    # Tensor(..., requires_grad="no") was truthy: a tensor that required grad.
    with pytest.raises(TypeError, match=r"requires_grad_: expected True or False, got"):
        am.tensor([1.0, 2.0], requires_grad=flag)


@pytest.mark.hardening("engine/requires-grad-assignment")
@pytest.mark.parametrize(("value", "dtype"), [("1", "<U1"), (1j, "complex128"),
                                              (np.array([None]), "object")])
def test_assigning_a_non_numeric_grad_is_refused(value, dtype):
    # "1" was parsed as 1.0; 1j lost its imaginary part with only a ComplexWarning.
    x = am.tensor(1.0, requires_grad=True)
    with pytest.raises(TypeError, match=f"grad: assigned a gradient of dtype {dtype}"):
        x.grad = value
    x.grad = np.int64(2)  # real numbers are cast to the tensor's dtype
    assert x.grad.dtype == np.float64 and x.grad.item() == 2.0


# ---- class: checks that passed on NaN (comparisons that are False for NaN) ----------------------
def _nan_gradient_op():
    from autograd_mini.engine import apply
    from autograd_mini.registry import Primitive

    prim = Primitive("nan_grad", np.sin, lambda g, out, inputs, needs, xp: (g * np.nan,),
                     None, "nan_grad(a);  ∂/∂a = NaN (broken on purpose)")
    return lambda x: apply(prim, (x,), {})


@pytest.mark.hardening("engine/checks-on-nan")
@pytest.mark.parametrize("mode", ["full", "projection"])
def test_gradcheck_fails_on_a_nan_gradient_and_says_where(mode):
    x = am.tensor([0.3, 0.7], requires_grad=True)
    result = am.gradcheck(_nan_gradient_op(), [x], mode=mode, raise_exception=False)
    assert not result.ok
    assert np.isnan(result.max_abs_error)
    assert "nan" in str(result).lower()


@pytest.mark.hardening("engine/checks-on-nan")
def test_gradcheck_lists_a_nan_entry_first_among_finite_mismatches():
    # A NaN key left the sort order undefined: behind 5 finite mismatches it was not shown.
    from autograd_mini.extend import defvjp, primitive

    @primitive
    def double(x):
        return x * 2.0

    defvjp(double, lambda ans, x: lambda g: g * np.where(x == 0, np.nan, 3.0))
    x = am.tensor(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 0.0]), requires_grad=True)
    result = am.gradcheck(lambda x: double(x).sum(), [x], mode="full", raise_exception=False)
    assert not result.ok
    assert str(result).splitlines()[2].startswith("  input 0 at [7], output 0: analytical nan")


@pytest.mark.hardening("engine/checks-on-nan")
def test_taylor_test_fails_on_a_nan_gradient():
    fn = _nan_gradient_op()
    x = am.tensor([0.3, 0.7], requires_grad=True)
    assert not am.taylor_test(lambda x: fn(x).sum(), [x]).ok


# ---- class: numerics (cancellation, NaN spreading) ----------------------------------------------
@pytest.mark.hardening("engine/tails-and-nan-extrema")
def test_elu_gradient_tail_does_not_cancel_in_float32():
    x = am.tensor(np.array([-20.0], dtype=np.float32), requires_grad=True)
    am.elu(x).sum().backward()
    np.testing.assert_allclose(x.grad, [np.exp(-20.0)], rtol=1e-5)


@pytest.mark.hardening("engine/tails-and-nan-extrema")
@pytest.mark.parametrize("op", ["max", "min"])
def test_a_nan_inside_max_routes_the_gradient_to_the_nan_only(op):
    # PyTorch: the NaN is the extremum, so it alone gets the gradient (was NaN everywhere).
    x = am.tensor([1.0, np.nan, 3.0], requires_grad=True)
    getattr(x, op)().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


# ---- class: advice that leads to a silently wrong second derivative -----------------------------
@pytest.mark.hardening("engine/second-derivative-advice")
def test_differentiating_through_a_gradient_computed_without_create_graph_says_create_graph():
    x = am.tensor([0.5, 1.5], requires_grad=True)
    u = (x * x * x).sum()
    (g,) = am.grad(u, x)  # no create_graph: g is a constant, and u's graph is freed
    with pytest.raises(AutogradError, match="create_graph=True"):
        (g.sum() + u).backward()


# ---- class: ops refusing inputs numpy and PyTorch accept ----------------------------------------
@pytest.mark.hardening("engine/accepted-spellings")
def test_an_empty_list_index_gives_an_empty_result_and_gradient():
    x = am.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x[[]]
    assert y.shape == (0, 2)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((2, 2)))


@pytest.mark.hardening("engine/accepted-spellings")
@pytest.mark.parametrize("op", [am.softmax, am.log_softmax, am.logsumexp])
def test_softmax_family_on_integer_tensors_computes_in_float64(op):
    t = am.tensor(np.array([[1, 2, 3]]), dtype=np.int64)
    np.testing.assert_allclose(op(t).data, op(am.tensor([[1.0, 2.0, 3.0]])).data)


@pytest.mark.hardening("engine/bad-parameters")
@pytest.mark.parametrize(("label", "said"), [(1e20, r"in \[0, 3\), got np.float64\(1e\+20\)"),
                                           (3.0, r"in \[0, 3\), got np.float64\(3.0\)"),
                                           (np.inf, r"in \[0, 3\), got np.float64\(inf\)"),
                                           (2.5, r"whole numbers, got np.float64\(2.5\)")])
def test_a_float_label_out_of_range_is_not_called_fractional(label, said):
    # "labels must be whole numbers, got 1e+20": 1e20 is whole, and out of range.
    z = am.tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=f"cross_entropy: labels must be {said}"):
        am.cross_entropy(z, np.array([0.0, label]))


@pytest.mark.hardening("engine/bad-parameters")
def test_a_huge_float_label_is_named_in_the_error():
    z = am.tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"1e\+20"):
        am.cross_entropy(z, np.array([0.0, 1e20]))


@pytest.mark.hardening("engine/bad-parameters")
def test_comparison_with_none_says_what_was_given():
    with pytest.raises(TypeError, match="comparison <: .*NoneType"):
        _ = am.tensor([1.0]) < None


def test_differentiating_a_gradient_that_kept_no_graph_says_create_graph():
    """am.grad of a first-order gradient: it does not require grad, and the error said only
    'requires_grad=True' and 'am.no_grad()', never create_graph=True, the fix."""
    x = am.tensor([0.5, 1.5], requires_grad=True)
    (g,) = am.grad((x * x * x).sum(), x)
    with pytest.raises(AutogradError, match="compute that gradient with create_graph=True") as e:
        am.grad(g.sum(), x)
    assert "retain_graph" not in str(e.value)
    with pytest.raises(AutogradError, match="create_graph=True"):
        (g * g).sum().backward()


def test_a_cost_built_from_x_grad_says_create_graph_before_retain_graph():
    """The ODE trap through .backward(): the error led with 'Pass retain_graph=True', and
    following it gave a silently wrong gradient (the derivative's dependence on the weights
    dropped); create_graph=True is the fix, and the message now says so first."""
    w = am.tensor([[0.3, -0.7]], requires_grad=True)
    x = am.tensor([[0.2], [0.9]], requires_grad=True)
    g = 10.0 + x * am.tanh(x @ w).sum(axis=1, keepdims=True)
    g.sum().backward()
    cost = ((x.grad + 2.0 * g) ** 2).mean()
    with pytest.raises(AutogradError, match="a second time") as e:
        cost.backward()
    message = str(e.value)
    assert message.index("create_graph=True") < message.index("retain_graph=True")
    assert "silently wrong" in message
