"""Reductions, scans and sorting (issue 13) at their edges: zeros in prod/cumprod, zero
spread in std, zero norms, NaN, 0-d and empty inputs, integer results of argmax/argmin/
argsort, bad arguments; and every JVP against its VJP (⟨u, J v⟩ = ⟨Jᵀu, v⟩) over the rows
in op_rows_reductions.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import OPS_BY_NAME, call, op_ids, tensors

import autograd_mini as am
from autograd_mini import testing as amt
from autograd_mini.engine import NUMPY_MODE, TENSOR_MODE
from autograd_mini.errors import ShapeError
from autograd_mini.registry import REGISTRY

# this family's rows (tests/op_rows_reductions.py; importing it first would be circular)
ROWS = [OPS_BY_NAME[name] for name in (
    "prod", "std", "amax", "amin", "cumsum", "cumprod", "sort", "median", "quantile",
    "norm[vector]", "norm[matrix]")]
# the primitives these rows are built on that declare a JVP
OWN_JVPS = {"prod", "std", "cumsum", "cumprod", "gather_along_axis", "scatter_along_axis",
            "vector_norm"}


def grad_of(fn, x, g=None):
    t = am.tensor(x, requires_grad=True)
    out = fn(t)
    out.backward(np.ones(out.shape) if g is None else g)
    return np.asarray(t.grad)


# ---- JVP against VJP ---------------------------------------------------------------------------
def nodes(out):
    """Every recorded node under `out` (each once)."""
    seen, stack, found = set(), [out], []
    while stack:
        t = stack.pop()
        if id(t) in seen or t._prim is None:
            continue
        seen.add(id(t))
        found.append(t)
        stack.extend(p for p in t._parents if p.requires_grad)
    return found


def adjoint_gap(node, rng, mode=NUMPY_MODE):
    """|⟨u, J v⟩ − ⟨Jᵀu, v⟩| for one node, with random u and v (v for every input)."""
    prim, params = node._prim, node._params
    inputs = tuple(p.data for p in node._parents)
    vs = [rng.standard_normal(a.shape).astype(a.dtype) for a in inputs]
    u = rng.standard_normal(node.shape).astype(node.dtype)
    if mode is TENSOR_MODE:  # the same code on Tensors: JVP and VJP are recorded ops
        wrap = am.tensor
        jv = prim.jvp([wrap(v) for v in vs], wrap(node.data), tuple(map(wrap, inputs)), mode,
                      **params).data
        vjps = [None if g is None else g.data for g in prim.vjp(
            wrap(u), wrap(node.data), tuple(map(wrap, inputs)), (True,) * len(inputs), mode,
            **params)]
    else:
        jv = prim.jvp(vs, node.data, inputs, mode, **params)
        vjps = prim.vjp(u, node.data, inputs, (True,) * len(inputs), mode, **params)
    left = float(np.sum(u * jv))
    right = sum(float(np.sum(g * v)) for g, v in zip(vjps, vs) if g is not None)
    return abs(left - right), 1.0 + abs(left)


@pytest.mark.parametrize("op", ROWS, ids=op_ids)
@settings(max_examples=15)
@given(data=st.data())
def test_jvp_is_the_transpose_of_vjp(op, data):
    case = data.draw(op.draw(amt.shapes(max_dims=3, max_side=4)))
    out = call(op, tensors(case), case)
    rng = np.random.default_rng(0)
    checked = [n for n in nodes(out) if n._prim.name in OWN_JVPS]
    for node in checked:
        gap, scale = adjoint_gap(node, rng)
        assert gap <= 1e-9 * scale, node._prim.name
    if op.name in ("prod", "std", "cumsum", "cumprod", "sort", "median", "quantile"):
        assert checked  # these rows are built on one of the primitives above


@pytest.mark.parametrize("name", sorted(OWN_JVPS - {"scatter_along_axis"}))
def test_jvp_and_vjp_run_on_tensors_too(name):
    x = np.array([[2.0, 0.0, -1.5], [0.5, 1.25, 3.0]])
    make = {"prod": lambda t: t.prod(axis=1), "std": lambda t: t.std(axis=0),
            "cumsum": lambda t: t.cumsum(axis=1), "cumprod": lambda t: t.cumprod(axis=1),
            "gather_along_axis": lambda t: t.sort(axis=1),
            "vector_norm": lambda t: am.norm(t, axis=1)}[name]
    (node,) = [n for n in nodes(make(am.tensor(x, requires_grad=True))) if n._prim.name == name]
    for mode in (NUMPY_MODE, TENSOR_MODE):
        gap, scale = adjoint_gap(node, np.random.default_rng(1), mode)
        assert gap <= 1e-10 * scale


def test_scatter_along_axis_jvp_is_the_transpose_of_its_vjp():
    x = am.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    sorted_x = am.sort(x[:, ::-1], axis=1)
    g = am.tensor(np.ones((2, 3)), requires_grad=True)
    (scatter,) = [n for n in nodes(am.grad(sorted_x, [x], g, create_graph=True)[0])
                  if n._prim.name == "scatter_along_axis"]
    gap, scale = adjoint_gap(scatter, np.random.default_rng(2))
    assert gap <= 1e-12 * scale
    # repeated positions (several quantiles on one element) accumulate
    assert scatter._prim is REGISTRY["scatter_along_axis"]
    out = am.quantile(am.tensor([1.0, 3.0, 2.0], requires_grad=True), [0.5, 0.5])
    repeated = [n for n in nodes(out) if n._prim.name == "gather_along_axis"][0]
    assert adjoint_gap(repeated, np.random.default_rng(3))[0] <= 1e-12


# ---- prod and cumprod at zeros -----------------------------------------------------------------
@pytest.mark.parametrize(("x", "expected"), [
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),  # one zero: the product of the others
    ([2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]),  # two zeros: 0 everywhere
    ([0.0], [1.0]),
    ([1.5, -2.0, 4.0], [-8.0, 6.0, -3.0]),
])
def test_prod_gradient_at_zeros_is_exact_without_dividing_by_zero(x, expected):
    with np.errstate(all="raise"):  # a 0/0 or x/0 anywhere would raise here
        np.testing.assert_array_equal(grad_of(am.prod, x), expected)


def test_prod_second_derivatives_at_zeros():
    for x in ([0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 3.0], [0.0, 0.0, 0.0, 1.5]):
        assert am.gradgradcheck(am.prod, [am.tensor(x, requires_grad=True)]).ok
    # ∂²Π/∂a₀∂a₂ at (0, 2, 0, 3) is the product of the others: 6
    x = am.tensor([0.0, 2.0, 0.0, 3.0], requires_grad=True)
    (g,) = am.grad(am.prod(x), [x], create_graph=True)
    (h,) = am.grad(g[0], [x])
    np.testing.assert_allclose(h, [0.0, 0.0, 6.0, 0.0])


def test_cumprod_gradient_at_zeros_matches_torch_values():
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(grad_of(am.cumprod, [2.0, 0.0, 3.0, 0.0]),
                                      [1.0, 8.0, 0.0, 0.0])  # torch.cumprod's gradient
        np.testing.assert_array_equal(grad_of(am.cumprod, [0.0, 0.0]), [1.0, 0.0])
    for x in ([0.0, 2.0, 0.0, 3.0, 0.0, 4.0], [2.0, 0.0, 3.0], [[0.0, 1.5], [2.0, 0.0]]):
        weights = am.tensor(np.arange(1.0, np.size(x) + 1).reshape(np.shape(x)))
        assert am.gradgradcheck(lambda t, w=weights: am.cumprod(t, axis=-1) * w,
                                [am.tensor(x, requires_grad=True)]).ok


def test_scans_flatten_without_axis_and_keep_float32():
    x = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)
    for name in ("cumsum", "cumprod"):
        out = getattr(am, name)(am.tensor(x))
        assert out.shape == (6,) and out.dtype == np.float32
        np.testing.assert_allclose(out.data, getattr(np, name)(x))
        np.testing.assert_allclose(getattr(am.tensor(x), name)(axis=0).data,
                                   getattr(np, name)(x, axis=0))
    np.testing.assert_array_equal(grad_of(am.cumsum, [1.0, 2.0, 3.0]), [3.0, 2.0, 1.0])


# ---- std ---------------------------------------------------------------------------------------
def test_std_gradient_at_zero_spread_is_zero_as_torch():
    np.testing.assert_array_equal(grad_of(am.std, [2.0, 2.0, 2.0]), [0.0, 0.0, 0.0])
    x = np.array([[1.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(grad_of(lambda t: t.std(axis=1), x), [[0, 0], [-0.5, 0.5]])
    np.testing.assert_allclose(am.std(x, axis=0, ddof=1).data, np.std(x, axis=0, ddof=1))


def test_std_refuses_too_large_ddof_and_torch_keywords():
    with pytest.raises(ValueError, match=r"std: 2 values with ddof=2"):
        am.std(np.ones(2), ddof=2)
    with pytest.raises(TypeError, match="use axis="):
        am.prod(am.tensor([1.0, 2.0]), dim=0)


# ---- norms -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("ord_", "axis"), [(None, None), (2, 0), (3, 0), (1, 0), ("fro", None),
                                            (np.inf, 0)])
def test_norm_gradient_at_zero_is_zero_as_torch(ord_, axis):
    x = np.zeros((3,) if ord_ != "fro" else (2, 2))
    with np.errstate(all="raise"):
        grad = grad_of(lambda t: am.norm(t, ord_, axis), x)
    np.testing.assert_array_equal(grad, np.zeros_like(x))


@pytest.mark.parametrize("ord_", ["nuc", 2, -2])
def test_singular_value_norms_first_order(ord_):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4))
    out = am.norm(x, ord_, axis=(2, 0), keepdims=True)
    np.testing.assert_allclose(out.data, np.linalg.norm(x, ord_, axis=(2, 0), keepdims=True))
    assert am.gradcheck(lambda t: am.norm(t, ord_, axis=(2, 0)), [am.tensor(x, requires_grad=True)]
                        ).ok
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, requires_grad=True)
    torch.linalg.norm(t, ord_, dim=(2, 0)).sum().backward()
    np.testing.assert_allclose(grad_of(lambda v: am.norm(v, ord_, axis=(2, 0)), x),
                               t.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("ord_", ["nuc", 2, -2])
def test_singular_value_norms_second_derivatives(ord_):
    x = np.random.default_rng(8).standard_normal((3, 2, 2))
    assert am.gradgradcheck(lambda t: am.norm(t, ord_, axis=(0, 2)),
                            [am.tensor(x, requires_grad=True)]).ok


def test_norm_forward_over_axes_and_orders_matches_numpy():
    x = np.random.default_rng(6).standard_normal((3, 4, 2))
    for ord_, axis in [(None, None), (0, 1), (0.5, -1), (-np.inf, 0), (None, (0, 2)),
                       ("fro", (2, 1)), (np.inf, (1, 2)), (-1, (2, 0))]:
        for keepdims in (False, True):
            np.testing.assert_allclose(am.norm(x, ord_, axis, keepdims).data,
                                       np.linalg.norm(x, ord_, axis, keepdims), rtol=1e-12)
    assert am.norm(np.zeros((0, 3))).item() == 0.0


@pytest.mark.parametrize(("args", "message"), [
    ((np.ones((2, 2, 2)), 2), "needs a 1-d or 2-d tensor"),
    ((np.ones((2, 2)), "nuc", 0), "is a matrix norm"),
    ((np.ones((2, 2)), 3, (0, 1)), "invalid ord=3 for a matrix norm"),
    ((np.ones((2, 2)), None, (0, 1, 1)), "a tuple of 1 or 2 ints"),
])
def test_norm_bad_arguments_name_the_option(args, message):
    with pytest.raises(ValueError, match=message):
        am.norm(*args)



@pytest.mark.hardening("engine/bad-parameters")
@pytest.mark.parametrize("ord_", [am.tensor(2.0), np.array([1, 2]), [1, 2]],
                         ids=["tensor", "array", "list"])
def test_norm_ord_that_is_not_one_number_names_the_op_and_the_expected_type(ord_):
    # used to end in "comparison ==: cannot compare a tensor with str 'fro'" or numpy's
    # "truth value of an array ... is ambiguous", naming neither norm nor ord
    x = am.tensor(np.ones((2, 2)), requires_grad=True)
    for axis in (None, 0):
        with pytest.raises(TypeError, match=r"norm: ord must be one number or a name, got .*"
                                            r"expected None, a number \(1, 2, inf, ...\), "
                                            r"'fro' or 'nuc'"):
            am.norm(x, ord_, axis)
    with pytest.raises(ValueError, match=r"norm: invalid ord='x'; expected None, a number"):
        am.norm(x, "x", 0)
    for number in (np.float32(2), np.array(2.0)):  # as numpy: a 0-d array is read as a number
        np.testing.assert_allclose(am.norm(x, number).data, np.linalg.norm(x.data, number))

# ---- argmax, argmin, argsort -------------------------------------------------------------------
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_extrema_are_integer_tensors_without_a_graph(name):
    x = np.array([[1.0, 5.0, -2.0], [7.0, np.nan, 0.0]])
    t = am.tensor(x, requires_grad=True)
    for kwargs in ({}, {"axis": 1}, {"axis": -2, "keepdims": True}):
        out = getattr(am, name)(t, **kwargs)
        assert out.dtype.kind == "i" and not out.requires_grad
        np.testing.assert_array_equal(out.data, getattr(np, name)(x, **kwargs))  # NaN wins
        np.testing.assert_array_equal(getattr(t, name)(**kwargs).data, out.data)
    with pytest.raises(ShapeError, match=f"{name}: .* empty slice"):
        getattr(am, name)(np.zeros((0, 2)), axis=0)


def test_argsort_and_sort():
    x = np.array([[3.0, np.nan, 1.0], [2.0, -1.0, 2.5]])
    t = am.tensor(x, requires_grad=True)
    np.testing.assert_array_equal(am.argsort(t).data, np.argsort(x))
    np.testing.assert_array_equal(t.argsort(axis=0).data, np.argsort(x, axis=0))
    assert am.argsort(t).dtype.kind == "i" and not am.argsort(t).requires_grad
    np.testing.assert_array_equal(am.sort(t).data, np.sort(x))  # NaN last
    np.testing.assert_array_equal(am.sort(t, axis=None).data, np.sort(x, axis=None))
    out = t.sort(axis=0)  # a new tensor: t keeps its order (ndarray.sort would sort in place)
    np.testing.assert_array_equal(t.data, x)
    (out * am.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    np.testing.assert_array_equal(t.grad, [[4.0, 5.0, 3.0], [1.0, 2.0, 6.0]])
    with pytest.raises(ValueError, match="sort: kind must be one of"):
        am.sort(t, kind="bogus")


# ---- median and quantile -----------------------------------------------------------------------
def test_median_gradient_goes_to_the_middle_elements():
    np.testing.assert_array_equal(grad_of(am.median, [4.0, 1.0, 3.0]), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad_of(am.median, [4.0, 1.0, 3.0, 2.0]), [0, 0, 0.5, 0.5])
    assert am.median(np.array([1, 4, 2, 3])).dtype == np.float64  # integers: numpy's float64


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_methods_match_numpy(method):
    x = np.random.default_rng(7).standard_normal((3, 5, 4))
    q = [0.0, 0.1, 0.5, 0.625, 1.0]
    for axis in (None, 1, (0, 2)):
        np.testing.assert_allclose(am.quantile(x, q, axis=axis, method=method).data,
                                   np.quantile(x, q, axis=axis, method=method), rtol=1e-12)


def test_quantile_of_a_slice_with_nan_is_nan_and_its_gradient_goes_to_the_nan():
    x = np.array([[1.0, np.nan, 3.0], [2.0, 0.5, 1.0]])
    out = am.median(x, axis=1)
    np.testing.assert_array_equal(out.data, np.median(x, axis=1))
    grad = grad_of(lambda t: am.median(t, axis=1), x)
    np.testing.assert_array_equal(grad, [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


@pytest.mark.parametrize(("call_", "error", "message"), [
    (lambda: am.quantile(np.ones(3), 1.5), ValueError, r"q must lie in \[0, 1\]"),
    (lambda: am.quantile(np.ones(3), 0.5, method="cubic"), ValueError, "method must be one of"),
    (lambda: am.median(np.ones((0, 2)), axis=0), ShapeError, "empty slice"),
    (lambda: am.amax(np.ones((0, 2)), axis=0), ShapeError, "has no maximum"),
])
def test_bad_quantile_and_extremum_arguments(call_, error, message):
    with pytest.raises(error, match=message):
        call_()


# ---- 0-d, empty, NaN ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["prod", "cumsum", "cumprod", "sort", "median", "norm",
                                  "amax", "std"])
def test_0d_inputs_follow_numpy(name):
    x = np.array(-1.5)
    kwargs = {"axis": None} if name == "sort" else {}
    expected = (np.linalg.norm if name == "norm" else getattr(np, name))(x, **kwargs)
    out = getattr(am, name)(am.tensor(x, requires_grad=True), **kwargs)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected)
    out.sum().backward()


@pytest.mark.parametrize("name", ["prod", "cumsum", "cumprod", "sort", "norm"])
def test_empty_inputs_follow_numpy(name):
    x = np.zeros((2, 0))
    expected = (np.linalg.norm if name == "norm" else getattr(np, name))(x)
    t = am.tensor(x, requires_grad=True)
    out = getattr(am, name)(t)
    np.testing.assert_array_equal(out.data, expected)
    out.sum().backward()
    assert np.asarray(t.grad).shape == (2, 0)


def test_nan_propagates_like_numpy():
    x = np.array([1.0, np.nan, 2.0])
    for name in ("prod", "cumsum", "cumprod", "std", "median"):
        np.testing.assert_array_equal(getattr(am, name)(x).data, getattr(np, name)(x))
    np.testing.assert_array_equal(am.norm(x).data, np.linalg.norm(x))


def test_amax_and_amin_are_max_and_min():
    x = am.tensor([[1.0, 4.0], [4.0, -2.0]], requires_grad=True)
    (am.amax(x, axis=0).sum() + am.amin(x)).backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0], [1.0, 1.0]])
    assert am.amax(x).data == 4.0 and am.amin(x, axis=1, keepdims=True).shape == (2, 1)


def test_norm_order_0_counts_nonzeros_with_zero_gradient_even_at_inf():
    x = np.array([np.inf, 0.0, -2.0])
    with np.errstate(all="raise"):
        grad = grad_of(lambda t: am.norm(t, 0), x)
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0])
    assert am.norm(x, 0).item() == np.linalg.norm(x, 0) == 2.0
