"""Products and linear algebra beyond the op table: JVP against VJP for every primitive the
rows record, einsum's subscript forms, the multi-output results, documented conventions
(symmetric input, repeated eigenvalues, full_matrices) and the errors of bad input."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from op_table import tensors

import autograd_mini as am
from autograd_mini.engine import NUMPY_MODE, TENSOR_MODE, sum_to_shape, topological_order
from autograd_mini.ops import decompositions, linalg, products

OURS = {decompositions.INV, decompositions.SOLVE, decompositions.DET, decompositions.LOGABSDET,
        decompositions.CHOLESKY, decompositions.EIGH, decompositions.SVD, decompositions.QR,
        decompositions.PINV, products.EINSUM, linalg.MATMUL, linalg.LINEAR}
RNG = np.random.default_rng(11)
# op_table imports the family row files itself: importing this one first would be circular.
ROWS_MODULE = importlib.import_module("op_rows_linalg")
ROWS, _general, _spd = ROWS_MODULE.ROWS, ROWS_MODULE._general, ROWS_MODULE._spd


def _case(op, shape=(3, 3, 3)):
    """The row's case for a fixed base shape (batched when the base has 3 dims)."""
    from hypothesis import Phase, find, settings
    from hypothesis import strategies as st

    once = settings(max_examples=1, phases=[Phase.generate], database=None, derandomize=True)
    return find(op.draw(st.just(shape)), lambda case: True, settings=once)


def _recorded_nodes(out):
    return [t for t in topological_order([out]) if t._prim in OURS]


# dot of a 0-d operand, outer and kron are products of reshapes (mul's JVP, not ours)
RECORDING_ROWS = [op for op in ROWS if op.name not in {"dot[scalar]", "outer", "kron"}]


@pytest.mark.parametrize("op", RECORDING_ROWS, ids=lambda op: op.name)
def test_jvp_is_the_adjoint_of_the_vjp(op):
    """⟨u, J v⟩ = ⟨Jᵀ u, v⟩ for every primitive of ours that the row's function records."""
    case = _case(op)
    out = op.fn(*tensors(case), **case.params)
    nodes = _recorded_nodes(out)
    assert nodes, f"{op.name} records none of the products/linear-algebra primitives"
    for node in nodes:
        prim, params = node._prim, node._params
        inputs = tuple(p.data for p in node._parents)
        v = [RNG.standard_normal(x.shape) for x in inputs]
        u = RNG.standard_normal(node.data.shape)
        jv = prim.jvp(v, node.data, inputs, NUMPY_MODE, **params)
        jtu = prim.vjp(u, node.data, inputs, (True,) * len(inputs), NUMPY_MODE, **params)
        lhs = float(np.sum(u * np.broadcast_to(jv, u.shape)))
        rhs = sum(float(np.sum(sum_to_shape(g, x.shape) * t)) for g, t, x in zip(jtu, v, inputs))
        assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-10), prim.name


@pytest.mark.parametrize("name", ["inv", "solve[matrix]", "eigh[vectors]", "svd[vectors wide]",
                                  "qr[tall]", "einsum[repeated]"])
def test_jvp_runs_on_tensors_and_agrees_with_arrays(name):
    op = next(op for op in ROWS if op.name == name)
    case = _case(op)
    out = op.fn(*tensors(case), **case.params)
    for node in _recorded_nodes(out):
        inputs = tuple(p.data for p in node._parents)
        v = [RNG.standard_normal(x.shape) for x in inputs]
        on_arrays = node._prim.jvp(v, node.data, inputs, NUMPY_MODE, **node._params)
        on_tensors = node._prim.jvp([am.tensor(t) for t in v], am.tensor(node.data),
                                    tuple(am.tensor(x) for x in inputs), TENSOR_MODE,
                                    **node._params)
        assert isinstance(on_tensors, am.Tensor)
        np.testing.assert_allclose(on_tensors.data, on_arrays, rtol=1e-12, atol=1e-12)


# ---- einsum --------------------------------------------------------------------------------
@pytest.mark.parametrize(("subscripts", "shapes"), [
    ("ba", [(2, 3)]),  # implicit: output labels in alphabetical order
    ("aB", [(2, 3)]),  # upper case sorts first, as in numpy
    ("ij,jk", [(2, 3), (3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),  # ellipsis axes broadcast
    ("i...,i...", [(2, 3), (2, 3)]),
    ("ii->i", [(3, 3)]),
    ("iii->", [(2, 2, 2)]),
    ("ij,ij->", [(2, 3), (1, 3)]),  # a labelled axis of size 1 broadcasts
    ("i,i,i", [(3,), (3,), (3,)]),
    ("i->", [(0,)]),  # empty
])
def test_einsum_matches_numpy_and_finite_differences(subscripts, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    xs = [am.tensor(a, requires_grad=True) for a in arrays]
    out = am.einsum(subscripts, *xs)
    expected = np.einsum(subscripts, *arrays)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert am.gradcheck(lambda *ts: am.einsum(subscripts, *ts), xs).ok


def test_einsum_interleaved_sublists_and_float32():
    a = RNG.standard_normal((2, 3)).astype(np.float32)
    b = RNG.standard_normal((3, 4)).astype(np.float32)
    ta = am.tensor(a, requires_grad=True)
    out = am.einsum(ta, [0, 1], b, [1, 2], [0, 2])
    np.testing.assert_allclose(out.data, np.einsum(a, [0, 1], b, [1, 2], [0, 2]), rtol=1e-6)
    assert out.dtype == np.float32
    out.sum().backward()
    assert ta.grad.dtype == np.float32


def test_einsum_gradient_of_a_repeated_label_lives_on_the_diagonal():
    x = am.tensor(RNG.standard_normal((3, 3)), requires_grad=True)
    g = np.array([1.0, 2.0, 3.0])
    am.einsum("ii->i", x).backward(g)
    np.testing.assert_array_equal(x.grad, np.diag(g))


@pytest.mark.parametrize(("args", "match"), [
    (("ij,jk", np.ones((2, 3))), "name 2 operand"),
    (("ij", np.ones(3)), r"einsum: subscripts 'ij' name 2 axes but the operand has shape \(3,\)"),
    (("i$", np.ones((2, 2))), "invalid subscript character"),
    (("...i->i", np.ones((2, 3))), "no '...'"),
    (("ij,jk", np.ones((2, 3)), np.ones((4, 2))), "einsum"),
])
def test_einsum_bad_subscripts_name_the_op_and_what_was_expected(args, match):
    with pytest.raises(ValueError, match=match):
        am.einsum(*args)


def test_einsum_refuses_out_and_dtype():
    with pytest.raises(TypeError, match="einsum: keyword"):
        am.einsum("i", np.ones(2), out=np.ones(2))


# ---- products ------------------------------------------------------------------------------
@pytest.mark.parametrize(("fn", "shapes"), [
    (am.dot, [(3,), (3,)]), (am.dot, [(2, 3), (3,)]), (am.dot, [(3,), (2, 3, 4)]),
    (am.inner, [(3,), (2, 3)]), (am.outer, [(2, 2), (3,)]), (am.kron, [(2,), (3, 2)]),
    (am.kron, [(), (3,)]), (am.vdot, [(2, 2), (4,)]),
])
def test_product_shapes_follow_numpy(fn, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    out = fn(*[am.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.data, getattr(np, fn.__name__)(*arrays), rtol=1e-12)


@pytest.mark.parametrize(("fn", "shapes", "match"), [
    (am.dot, [(2, 3), (2, 3)], r"dot: shapes \(2, 3\) and \(2, 3\) not aligned"),
    (am.vdot, [(2, 3), (5,)], "vdot: .* different sizes"),
    (am.inner, [(2, 3), (2,)], "inner: shapes"),
    (lambda a, b: am.tensordot(a, b, 3), [(2, 3), (3, 2)], "tensordot: axes=3"),
    (lambda a, b: am.tensordot(a, b, ([0], [0, 1])), [(2, 3), (2, 3)], "differ in length"),
])
def test_product_shape_errors_name_the_op(fn, shapes, match):
    with pytest.raises(ValueError, match=match):
        fn(*[np.ones(s) for s in shapes])


# ---- linear algebra ------------------------------------------------------------------------
def test_slogdet_sign_is_a_constant_and_logabsdet_has_gradient_inverse_transpose():
    a = _general(np.random.default_rng(1), (), 3)
    a[0] *= -1 if np.linalg.det(a) > 0 else 1  # a negative determinant
    x = am.tensor(a, requires_grad=True)
    sign, logabsdet = am.slogdet(x)
    assert sign.item() == -1.0 and not sign.requires_grad
    np.testing.assert_allclose(logabsdet.data, np.log(abs(np.linalg.det(a))), rtol=1e-12)
    logabsdet.backward()
    np.testing.assert_allclose(x.grad, np.linalg.inv(a).T, rtol=1e-10)


def test_cholesky_upper_and_symmetric_gradient_like_torch():
    torch = pytest.importorskip("torch")
    a = _spd(np.random.default_rng(2), (2,), 3)
    x = am.tensor(a, requires_grad=True)
    upper = am.cholesky(x, upper=True)
    np.testing.assert_allclose(upper.data, np.linalg.cholesky(a, upper=True), rtol=1e-12)
    g = RNG.standard_normal(upper.shape)
    upper.backward(g)
    t = torch.tensor(a, requires_grad=True)
    torch.linalg.cholesky(t, upper=True).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad, np.swapaxes(x.grad, -1, -2), rtol=1e-12)


def test_eigh_reads_the_lower_or_upper_triangle_like_numpy():
    # not symmetric: each UPLO reads its own triangle, and LAPACK's eigenvector signs depend
    # on which one it was handed (UPLO='U' used to run on the lower triangle of Aᵀ: same
    # values, other signs)
    a = RNG.standard_normal((2, 5, 5))
    for uplo in ("L", "U"):
        for dtype, tol in ((np.float64, 1e-10), (np.float32, 1e-5)):
            w, v = am.eigh(a.astype(dtype), UPLO=uplo)
            expected_w, expected_v = np.linalg.eigh(a.astype(dtype), UPLO=uplo)
            assert v.dtype == dtype
            np.testing.assert_allclose(w.data, expected_w, rtol=tol, atol=tol)
            np.testing.assert_allclose(v.data, expected_v, rtol=tol, atol=tol)
        np.testing.assert_allclose(am.eigvalsh(a, uplo).data, np.linalg.eigvalsh(a, uplo),
                                   rtol=1e-12)


def test_eigh_upper_has_the_lower_triangles_derivatives_on_a_symmetric_input():
    a = am.tensor(RNG.standard_normal((4, 4)), requires_grad=True)

    def use(x, uplo):  # sign-invariant in V
        w, v = am.eigh((x + x.T) * 0.5, UPLO=uplo)
        return (w ** 2).sum() + ((v * np.arange(1.0, 5.0)) @ v.T).sum()

    grads = [am.grad(use(a, uplo), a)[0].data for uplo in ("L", "U")]
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-9, atol=1e-12)
    assert am.gradcheck(lambda x: use(x, "U"), [a]).ok
    assert am.gradgradcheck(lambda x: use(x, "U"), [a]).ok


def test_repeated_eigenvalues_and_singular_values_keep_finite_value_gradients():
    """As in PyTorch: eigenvalues alone (eigvalsh) and singular values alone have finite
    gradients even where they repeat; only eigenvector/singular-vector gradients need gaps."""
    x = am.tensor(np.eye(3), requires_grad=True)
    am.eigvalsh(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.eye(3), atol=1e-12)
    q = np.linalg.qr(RNG.standard_normal((4, 3)))[0]  # singular values all 1
    y = am.tensor(q, requires_grad=True)
    am.svd(y, compute_uv=False).sum().backward()
    np.testing.assert_allclose(y.grad, q, atol=1e-12)  # d Σs / dA = U Vᵀ


def test_svd_full_matrices_shapes_follow_numpy_and_extra_columns_are_constant():
    a = RNG.standard_normal((4, 2))
    x = am.tensor(a, requires_grad=True)
    u, s, vh = am.svd(x)
    expected = np.linalg.svd(a)
    assert u.shape == expected.U.shape and vh.shape == expected.Vh.shape
    np.testing.assert_allclose(u.data.T @ u.data, np.eye(4), atol=1e-12)
    np.testing.assert_allclose((u.data[:, :2] * s.data) @ vh.data, a, atol=1e-12)
    assert am.gradcheck(lambda t: (lambda r: (r.U[:, :2] * r.S) @ r.Vh)(am.svd(t)), [x]).ok


def test_qr_modes():
    a = RNG.standard_normal((4, 2))
    x = am.tensor(a, requires_grad=True)
    np.testing.assert_allclose(am.qr(x, mode="r").data, np.linalg.qr(a, mode="r"), rtol=1e-12)
    with pytest.raises(ValueError, match="qr: mode='complete' on shape \\(4, 2\\) is not "
                                         "differentiable"):
        am.qr(x, mode="complete")
    q, r = am.qr(am.tensor(a), mode="complete")  # a constant: numpy's answer
    assert q.shape == (4, 4) and r.shape == (4, 2)
    with pytest.raises(ValueError, match="qr: unknown mode 'full'"):
        am.qr(x, mode="full")


@pytest.mark.hardening("engine/bad-parameters")
@pytest.mark.parametrize("rcond", [np.array([1e-3]), am.tensor(1e-3), "warn", np.nan],
                         ids=["array", "tensor", "str", "nan"])
def test_lstsq_rcond_that_is_not_a_number_names_the_op_and_the_expected_type(rcond):
    # an array gave "only 0-dimensional arrays can be converted to Python scalars", a str
    # "'<' not supported between instances of 'str' and 'int'", neither naming lstsq
    a = am.tensor(RNG.standard_normal((4, 2)))
    with pytest.raises((TypeError, ValueError), match=r"lstsq: rcond .* (must be a real number|"
                                                      r"is NaN; expected a real number)"):
        am.lstsq(a, np.ones(4), rcond=rcond)
    for number in (1e-3, np.float32(1e-3), np.array(1e-3), None, -1):  # numpy's spellings
        np.testing.assert_allclose(am.lstsq(a, np.ones(4), rcond=number)[0].data,
                                   np.linalg.lstsq(a.data, np.ones(4), rcond=number)[0])


def test_lstsq_returns_numpys_four_results():
    a, b = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2))
    x, residuals, rank, s = am.lstsq(am.tensor(a), am.tensor(b))
    expected = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(x.data, expected[0], rtol=1e-10)
    np.testing.assert_allclose(residuals.data, expected[1], rtol=1e-10)
    assert rank == expected[2]
    np.testing.assert_allclose(s.data, expected[3], rtol=1e-12)
    _, residuals, _, _ = am.lstsq(am.tensor(a[:3]), am.tensor(b[:3]))  # square: no residuals
    assert residuals.shape == np.linalg.lstsq(a[:3], b[:3])[1].shape == (0,)


def test_batched_solve_broadcasts_and_reduces_gradients():
    rng = np.random.default_rng(3)
    a = am.tensor(_general(rng, (2, 1), 3), requires_grad=True)
    b = am.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    out = am.solve(a, b)
    np.testing.assert_allclose(out.data, np.linalg.solve(a.data, b.data), rtol=1e-12)
    assert am.gradcheck(am.solve, [a, b]).ok


@pytest.mark.parametrize(("fn", "shape", "match"), [
    (am.inv, (2, 3), r"inv: expected a square matrix .* got shape \(2, 3\)"),
    (am.det, (3,), r"det: expected a square matrix .* got shape \(3,\)"),
    (am.cholesky, (2, 3), "cholesky: expected a square matrix"),
    (am.eigh, (1, 2), "eigh: expected a square matrix"),
    (am.svd, (3,), r"svd: expected a matrix .* got shape \(3,\)"),
    (lambda a: am.solve(a, np.ones(2)), (3, 3), r"solve: a \(3, 3\) and b \(2,\) do not fit"),
])
def test_bad_shapes_name_the_op_and_the_shape(fn, shape, match):
    with pytest.raises(ValueError, match=match):
        fn(am.tensor(np.ones(shape)))


def test_lapack_failures_name_the_op():
    with pytest.raises(np.linalg.LinAlgError, match="inv on shapes \\(2, 2\\): Singular"):
        am.inv(am.tensor(np.ones((2, 2))))
    with pytest.raises(np.linalg.LinAlgError, match="cholesky"):
        am.cholesky(am.tensor(-np.eye(2)))
    for fn in (am.svd, am.pinv):
        with pytest.raises(np.linalg.LinAlgError, match="contains NaN or Inf"):
            fn(am.tensor(np.array([[np.nan, 1.0], [0.0, 1.0]])))


@pytest.mark.parametrize("a", [[[1.0, 2.0], [2.0, 4.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0],
                                                       [7.0, 8.0, 9.0]], np.zeros((3, 3))])
def test_det_gradient_at_a_singular_matrix_is_the_cofactor_matrix(a):
    """det is a polynomial: its gradient exists everywhere (torch 2.13 gives 0 here, which the
    finite differences contradict); the VJP falls back from det·A⁻ᵀ to the cofactors."""
    x = am.tensor(np.array(a), requires_grad=True)
    am.det(x).backward()
    n = x.shape[0]
    cofactors = [[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(x.data, i, 0), j, 1))
                  for j in range(n)] for i in range(n)]
    np.testing.assert_allclose(x.grad, cofactors, atol=1e-12)
    assert am.gradcheck(am.det, [x]).ok


EMPTY_CASES = {
    "inv": (am.inv, np.linalg.inv), "det": (am.det, np.linalg.det),
    "cholesky": (am.cholesky, np.linalg.cholesky), "eigvalsh": (am.eigvalsh, np.linalg.eigvalsh),
    "pinv": (am.pinv, np.linalg.pinv),
    "slogdet": (lambda a: am.slogdet(a).logabsdet, lambda a: np.linalg.slogdet(a)[1]),
    "svd": (lambda a: am.svd(a, compute_uv=False), lambda a: np.linalg.svd(a, compute_uv=False)),
    "qr": (lambda a: am.qr(a).R, lambda a: np.linalg.qr(a).R),
}


@pytest.mark.parametrize("name", list(EMPTY_CASES))
@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0)])
def test_empty_matrices_give_numpys_shapes_and_empty_gradients(name, shape):
    fn, ref = EMPTY_CASES[name]
    x = am.tensor(np.zeros(shape), requires_grad=True)
    out = fn(x)
    assert out.shape == np.shape(ref(np.zeros(shape)))
    out.sum().backward()
    assert x.grad.shape == shape
