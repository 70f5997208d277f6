"""Tensor API semantics: grad mode, detach, retain_grad, comparisons, conversions, repr."""

from __future__ import annotations

import importlib
import operator

import numpy as np
import pytest

import autograd_mini as am


def leaf(values, dtype=np.float64):
    return am.tensor(np.array(values, dtype=dtype), requires_grad=True)


# ---- grad mode ------------------------------------------------------------------------------
def test_no_grad_context_manager_records_nothing():
    x = leaf([1.0, 2.0])
    assert am.is_grad_enabled()
    with am.no_grad():
        assert not am.is_grad_enabled()
        y = x * 2.0
    assert am.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    np.testing.assert_array_equal(y.data, [2.0, 4.0])


def test_no_grad_decorator():
    @am.no_grad()
    def step(t):
        assert not am.is_grad_enabled()
        return t * 3.0

    x = leaf([1.0])
    y = step(x)
    assert not y.requires_grad
    assert am.is_grad_enabled()
    assert step.__name__ == "step"


def test_enable_grad_nested_inside_no_grad():
    x = leaf([1.0])
    with am.no_grad():
        with am.enable_grad():
            assert am.is_grad_enabled()
            y = x * 2.0
        assert not am.is_grad_enabled()
        z = x * 2.0
    assert y.requires_grad and not z.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0])


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(RuntimeError), am.no_grad():
        raise RuntimeError("boom")
    assert am.is_grad_enabled()


def test_set_grad_enabled_block():
    with am.set_grad_enabled(False):
        assert not am.is_grad_enabled()
    assert am.is_grad_enabled()


def test_backward_inside_no_grad_still_computes_gradients():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    with am.no_grad():
        y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


# ---- detach / retain_grad / leaves ----------------------------------------------------------
def test_detach_shares_data_and_cuts_the_graph():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    d = h.detach()
    assert d.is_leaf and not d.requires_grad
    assert np.shares_memory(d.data, h.data)
    (x * d).sum().backward()  # d is a constant: dy/dx = d
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_retain_grad_on_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    h.retain_grad()
    k = x * 4.0  # no retain_grad: .grad stays None
    (h * h + k).sum().backward()
    np.testing.assert_array_equal(h.grad, 2 * h.data)
    assert k.grad is None
    assert not h.is_leaf and x.is_leaf


def test_retain_grad_requires_grad():
    with pytest.raises(am.AutogradError, match="does not require grad"):
        am.tensor([1.0]).retain_grad()


def test_leaf_flags():
    x = leaf([1.0])
    c = am.tensor([1.0])
    y = x * c
    assert x.is_leaf and c.is_leaf and not y.is_leaf
    assert y.requires_grad and not c.requires_grad
    assert y.op == "mul" and x.op is None
    assert y.parents == (x, c)


# ---- comparisons and conversions ------------------------------------------------------------
@pytest.mark.parametrize("compare", [operator.lt, operator.le, operator.gt, operator.ge,
                                     operator.eq, operator.ne], ids=lambda f: f.__name__)
def test_comparisons_return_bool_tensors_without_grad(compare):
    x = leaf([1.0, 2.0, 3.0])
    y = compare(x, 2.0)
    assert isinstance(y, am.Tensor)
    assert y.dtype == bool and not y.requires_grad
    np.testing.assert_array_equal(y.data, compare(x.data, 2.0))
    other = np.array([3.0, 2.0, 1.0])
    np.testing.assert_array_equal(compare(x, am.tensor(other)).data, compare(x.data, other))


def test_comparison_result_works_as_where_condition():
    x = leaf([-1.0, 2.0])
    am.where(x > 0, x * 3.0, x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 3.0])


def test_item_numpy_T_len():
    x = am.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert len(x) == 2
    assert x.sum().item() == 21.0 and isinstance(x.sum().item(), float)
    assert isinstance(x.numpy(), np.ndarray) and x.numpy() is x.data
    np.testing.assert_array_equal(x.T.data, x.data.T)
    assert x.T.shape == (3, 2)
    assert (x.shape, x.ndim, x.size, x.dtype) == ((2, 3), 2, 6, np.float64)


def test_T_gradient():
    x = leaf([[1.0, 2.0, 3.0]])
    (x.T * am.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 2.0, 3.0]])


def test_construction_dtypes():
    assert am.tensor(1).dtype == np.float64
    assert am.tensor([1, 2]).dtype == np.float64
    assert am.tensor(np.array([1.0], dtype=np.float32)).dtype == np.float32
    assert am.tensor([1.0], dtype=np.float32).dtype == np.float32
    assert am.Tensor([[1.0]]).shape == (1, 1)


def test_float_arrays_share_memory_with_tensor():
    a = np.array([1.0, 2.0])
    assert np.shares_memory(am.tensor(a).data, a)


def test_repr():
    assert repr(am.tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert repr(leaf([1.0])) == "Tensor([1.], requires_grad=True)"
    assert repr(leaf([1.0]) * 2.0) == "Tensor([2.], op=mul)"
    assert repr(am.tensor([1.0], dtype=np.float32)) == "Tensor([1.], dtype=float32)"


# ---- regressions: engine bugs found by this suite -------------------------------------------
def test_0d_op_output_holds_an_ndarray():
    y = am.exp(am.tensor(0.0))
    assert isinstance(y.data, np.ndarray)
    y += 1.0  # TypeError: return arrays must be of ArrayType
    assert y.item() == 2.0


def test_negative_zero_constant_keeps_its_sign():
    x = am.tensor([1.0])
    _ = x * 0.0
    assert np.signbit((x * -0.0).data).all()


# ---- a Python float zero constant does not promote float32 (tests/HARDENING.md) -------------
@pytest.mark.hardening("engine/float-zero")
@pytest.mark.parametrize("zero", [0.0, -0.0], ids=["0.0", "-0.0"])
@pytest.mark.parametrize("name", ["*", "-", "maximum", "where"])
def test_a_float_zero_constant_keeps_float32(name, zero):
    x = am.tensor(np.array([1.5, -2.0], np.float32), requires_grad=True)
    out = {"*": lambda: x * zero, "-": lambda: zero - x, "maximum": lambda: am.maximum(x, zero),
           "where": lambda: am.where(np.array([True, False]), x, zero)}[name]()
    assert out.dtype == np.float32
    if name == "*":
        np.testing.assert_array_equal(np.signbit(out.data), np.signbit(x.data * np.float32(zero)))


TENSOR_MODULE = importlib.import_module("autograd_mini.ops.args")


@pytest.mark.hardening("resources/constant-cache")
def test_scalar_constant_cache_stays_bounded():
    x = am.tensor(np.ones(2), requires_grad=True)
    for i in range(20_000):
        x * (1.0 + i * 1e-6)  # a new Python float every time
    assert len(TENSOR_MODULE._SCALAR_CONSTANTS) <= 4096


# ---- names of 0.1.0 that moved: deprecation aliases for one release ----------------------------
def test_old_primitive_constants_still_resolve_with_a_deprecation_warning():
    import autograd_mini.ops as ops

    with pytest.warns(DeprecationWarning, match=r"REGISTRY\['tanh'\]"):
        assert ops.TANH is ops.REGISTRY["tanh"]
    with pytest.warns(DeprecationWarning, match=r"REGISTRY\['power'\]"):
        assert ops.POWER_SCALAR is ops.REGISTRY["power"]
    with pytest.raises(AttributeError, match="NO_SUCH_OP"):
        ops.NO_SUCH_OP  # noqa: B018


def test_old_four_argument_primitive_still_differentiates():
    from autograd_mini.engine import apply
    from autograd_mini.ops import Primitive

    with pytest.warns(DeprecationWarning, match="Primitive"):
        twice = Primitive("twice", lambda a: 2.0 * a,
                          lambda g, out, inputs, needs, xp: (2.0 * g,), "∂/∂a = 2g")
    assert twice.jvp is None and twice.rule == "∂/∂a = 2g"
    x = leaf([1.0, 3.0])
    apply(twice, (x,), {}).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    with pytest.raises(TypeError, match="math="):
        Primitive("no_math", np.sin, lambda g, out, inputs, needs, xp: (g,))


def test_old_backend_and_primitive_modules_point_to_the_new_homes():
    from autograd_mini import engine, registry

    backend = am.backend  # loaded on first use, as 0.1.0's `am.backend` was there after import
    assert backend is importlib.import_module("autograd_mini.backend")
    with pytest.warns(DeprecationWarning, match="NUMPY_MODE"):
        assert backend.NUMPY is engine.NUMPY_MODE
    with pytest.warns(DeprecationWarning, match="TENSOR_MODE"):
        assert backend.TENSOR is engine.TENSOR_MODE
    primitive = importlib.import_module("autograd_mini.ops.primitive")
    with pytest.warns(DeprecationWarning, match="autograd_mini.ops"):
        assert primitive.Primitive is registry.Primitive


# ---- one dispatch path: every spelling of an op records one node through engine.record -------
SPELLINGS = {
    "x.tanh()": (lambda x, y: x.tanh(), "tanh"), "am.tanh(x)": (lambda x, y: am.tanh(x), "tanh"),
    "np.tanh(x)": (lambda x, y: np.tanh(x), "tanh"), "x ** 2": (lambda x, y: x ** 2, "power"),
    "am.pow(x, 2)": (lambda x, y: am.pow(x, 2), "power"), "x ** y": (lambda x, y: x ** y, "pow"),
    "am.pow(x, y)": (lambda x, y: am.pow(x, y), "pow"), "2 ** x": (lambda x, y: 2 ** x, "pow"),
    "x + 1": (lambda x, y: x + 1, "add"), "am.add(x, 1)": (lambda x, y: am.add(x, 1), "add"),
    "x.sum()": (lambda x, y: x.sum(), "sum"), "x[0]": (lambda x, y: x[0], "getitem"),
}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_every_spelling_of_an_op_records_one_node_through_the_engine(monkeypatch, spelling):
    from autograd_mini import engine

    recorded, real = [], engine.record

    def counting(prim, *args, **kwargs):
        recorded.append(prim.name)
        return real(prim, *args, **kwargs)

    monkeypatch.setattr(engine, "record", counting)
    fn, op = SPELLINGS[spelling]
    out = fn(leaf([1.0, 2.0]), leaf([3.0, 4.0]))
    assert recorded == [op] and out.op == op
