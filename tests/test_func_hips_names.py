"""HIPS autograd's other transform names in autograd_mini.func: make_vjp, make_jvp, deriv,
make_hvp, hessian_tensor_product, tensor_jacobian_product, make_ggnvp, grad_and_aux, grad_named,
multigrad_dict and checkpoint. Each is checked against a closed form or central differences
(so the test means something without HIPS) and, where HIPS autograd is installed, against HIPS
itself with the same call (argument order and what each returns)."""

from __future__ import annotations

from collections import OrderedDict

import numpy
import pytest

import autograd_mini as am
import autograd_mini.numpy as np
from autograd_mini import func
from autograd_mini.func import (
    checkpoint,
    deriv,
    grad,
    grad_and_aux,
    grad_named,
    hessian,
    hessian_tensor_product,
    hessian_vector_product,
    hvp,
    jacobian,
    make_ggnvp,
    make_hvp,
    make_jvp,
    make_vjp,
    multigrad_dict,
    tensor_jacobian_product,
    vector_jacobian_product,
)

RNG = numpy.random.default_rng(7)
A = RNG.standard_normal((5, 4))
B = RNG.standard_normal((4, 4))


def hips():
    return pytest.importorskip("autograd")


def hips_np():
    pytest.importorskip("autograd")
    import autograd.numpy as hnp

    return hnp


def central_jacobian(f, x, eps=1e-6):
    """d f(x) / d x by float64 central differences, shape f(x).shape + x.shape."""
    x = numpy.asarray(x, dtype=float)
    out_shape = numpy.shape(f(x))
    columns = []
    for i in range(x.size):
        step = numpy.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        difference = numpy.asarray(f(x + step)) - numpy.asarray(f(x - step))
        columns.append(difference.ravel() / (2 * eps))
    return numpy.stack(columns, axis=-1).reshape(out_shape + x.shape)


# ---- the names ----------------------------------------------------------------------------------
def test_every_hips_transform_name_but_holomorphic_grad_is_in_func():
    autograd = hips()
    from autograd import differential_operators, extend

    # the transforms HIPS exports at the top level (not the extend API it re-exports)
    names = {n for n in vars(differential_operators) if n in vars(autograd)
             and not n.startswith("_") and n not in vars(extend)}
    assert {"make_vjp", "checkpoint", "grad_and_aux"} <= names  # the listing itself worked
    missing = sorted(n for n in names if not hasattr(func, n))
    assert missing == ["holomorphic_grad"]  # complex numbers are not supported
    assert all(n in func.__all__ for n in names - {"holomorphic_grad"})


# ---- make_vjp / make_jvp / deriv -----------------------------------------------------------------
def test_make_vjp_returns_the_pullback_then_the_value():
    x, g = RNG.standard_normal(6), RNG.standard_normal(6)
    vjp_fn, value = make_vjp(lambda x: np.sin(x) * x)(x)
    assert isinstance(value, numpy.ndarray)
    numpy.testing.assert_allclose(value, numpy.sin(x) * x)
    got = vjp_fn(g)
    assert isinstance(got, numpy.ndarray)
    numpy.testing.assert_allclose(got, g * (numpy.cos(x) * x + numpy.sin(x)), rtol=1e-12)
    numpy.testing.assert_allclose(vjp_fn(2 * g), 2 * got)  # callable again

    # argnum, the other arguments and keywords held fixed; a tuple argnum gives a tuple
    def f(a, w, scale=1.0):
        return scale * np.dot(A, w) * a

    w, y = RNG.standard_normal(4), RNG.standard_normal(5)
    vjp_w, _ = make_vjp(f, 1)(0.5, w, scale=3.0)
    numpy.testing.assert_allclose(vjp_w(y), 1.5 * A.T @ y, rtol=1e-12)
    grads = make_vjp(f, (0, 1))(0.5, w, scale=3.0)[0](y)
    assert isinstance(grads, tuple) and len(grads) == 2
    numpy.testing.assert_allclose(grads[0], 3.0 * y @ (A @ w), rtol=1e-12)
    numpy.testing.assert_allclose(grads[1], 1.5 * A.T @ y, rtol=1e-12)


def test_make_vjp_and_make_jvp_match_hips():
    autograd, hnp = hips(), hips_np()
    x, u, v = RNG.standard_normal(4), RNG.standard_normal(5), RNG.standard_normal(4)
    mine = lambda x: np.tanh(np.dot(A, x)) * np.sum(x ** 2)  # noqa: E731
    theirs = lambda x: hnp.tanh(hnp.dot(A, x)) * hnp.sum(x ** 2)  # noqa: E731
    vjp_m, val_m = make_vjp(mine)(x)
    vjp_h, val_h = autograd.make_vjp(theirs)(x)
    numpy.testing.assert_allclose(val_m, val_h, rtol=1e-13)
    numpy.testing.assert_allclose(vjp_m(u), vjp_h(u), rtol=1e-12)
    numpy.testing.assert_allclose(make_jvp(mine)(x)(v)[1], autograd.make_jvp(theirs)(x)(v)[1],
                                  rtol=1e-12)
    # kinds for a float argument: HIPS hands back numpy scalars, not 0-d arrays
    mine_vjp, theirs_vjp = make_vjp(np.sin)(0.3), autograd.make_vjp(hnp.sin)(0.3)
    for m, h in [(mine_vjp[1], theirs_vjp[1]), (mine_vjp[0](1.0), theirs_vjp[0](1.0)),
                 (make_jvp(np.sin)(0.3)(1.0)[1], autograd.make_jvp(hnp.sin)(0.3)(1.0)[1])]:
        assert type(m) is type(h) and m == pytest.approx(h, rel=1e-14)


def test_make_jvp_is_the_jacobian_times_the_tangent():
    x, v = RNG.standard_normal(4), RNG.standard_normal(4)
    f = lambda x: np.tanh(np.dot(A, x))  # noqa: E731
    value, tangent = make_jvp(f)(x)(v)
    numpy.testing.assert_allclose(value, numpy.tanh(A @ x))
    numpy.testing.assert_allclose(tangent, (1 - numpy.tanh(A @ x) ** 2) * (A @ v), rtol=1e-12)
    numpy.testing.assert_allclose(tangent, central_jacobian(lambda x: numpy.tanh(A @ x), x) @ v,
                                  rtol=1e-6, atol=1e-8)
    # a tuple argnum takes a tuple of tangents
    g = lambda a, x: a * np.tanh(np.dot(A, x))  # noqa: E731
    _, t = make_jvp(g, (0, 1))(2.0, x)((0.5, v))
    numpy.testing.assert_allclose(t, 0.5 * numpy.tanh(A @ x) + 2.0 * tangent, rtol=1e-12)


def test_deriv_is_the_derivative_along_ones():
    f = lambda x: np.sin(x) * x ** 2  # noqa: E731
    expected = numpy.cos(0.7) * 0.49 + 2 * 0.7 * numpy.sin(0.7)
    assert deriv(f)(0.7) == pytest.approx(expected, rel=1e-13)
    x = RNG.standard_normal(4)
    numpy.testing.assert_allclose(deriv(lambda x: np.dot(A, x) ** 2)(x),
                                  2 * (A @ x) * (A @ numpy.ones(4)), rtol=1e-12)
    numpy.testing.assert_allclose(deriv(lambda a, s: s * a ** 3, 1)(2.0, 0.4), 8.0)
    autograd, hnp = hips(), hips_np()
    theirs = autograd.deriv(lambda x: hnp.sin(x) * x ** 2)
    assert deriv(f)(0.7) == pytest.approx(theirs(0.7), rel=1e-14)


# ---- Hessian products ----------------------------------------------------------------------------
def cubic(x):  # f = (Σx)³ + Σ sin x: H = 6·Σx·11ᵀ + diag(−sin x), not diagonal
    return np.sum(x) ** 3 + np.sum(np.sin(x))


def cubic_hessian(x):
    n = x.size
    return (6 * x.sum() * numpy.ones((n, n)) - numpy.diag(numpy.sin(x).ravel())).reshape(
        x.shape + x.shape)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_hessian_tensor_product_is_h_times_v(shape):
    x, v = RNG.standard_normal(shape), RNG.standard_normal(shape)
    expected = numpy.tensordot(cubic_hessian(x), v, axes=v.ndim)
    for product in (hessian_tensor_product, hessian_vector_product, hvp):
        numpy.testing.assert_allclose(product(cubic)(x, v), expected, rtol=1e-11)
    numpy.testing.assert_allclose(  # argnum and keywords reach the function
        hessian_tensor_product(lambda c, x, p=1.0: p * c * cubic(x), 1)(2.0, x, v, p=0.5),
        expected, rtol=1e-11)


def test_make_hvp_returns_the_product_and_the_gradient():
    x = RNG.standard_normal(5)
    product, gradient = make_hvp(cubic)(x)
    numpy.testing.assert_allclose(gradient, 3 * x.sum() ** 2 + numpy.cos(x), rtol=1e-12)
    for _ in range(2):  # the forward pass is reused for many vectors
        v = RNG.standard_normal(5)
        numpy.testing.assert_allclose(product(v), cubic_hessian(x) @ v, rtol=1e-11)


def test_hessian_products_match_hips():
    autograd, hnp = hips(), hips_np()
    theirs = lambda x: hnp.sum(x) ** 3 + hnp.sum(hnp.sin(x))  # noqa: E731
    x, v = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    numpy.testing.assert_allclose(hessian_tensor_product(cubic)(x, v),
                                  autograd.hessian_tensor_product(theirs)(x, v), rtol=1e-11)
    mine_p, mine_g = make_hvp(cubic)(x)
    their_p, their_g = autograd.make_hvp(theirs)(x)
    numpy.testing.assert_allclose(mine_g, their_g, rtol=1e-12)
    numpy.testing.assert_allclose(mine_p(v), their_p(v), rtol=1e-11)


@pytest.mark.hardening("engine/transform-hips-names")
def test_hvp_refuses_several_argnums():
    with pytest.raises(TypeError, match=r"hvp: argnums must be one int.*\(0, 1\)"):
        hvp(cubic, (0, 1))
    with pytest.raises(TypeError, match=r"deriv: argnum must be one int"):
        deriv(cubic, (0, 1))


# ---- tensor_jacobian_product ---------------------------------------------------------------------
def rolled(a):  # f[i] = sin(a[i-1]) along axis 0: an asymmetric Jacobian
    return np.roll(np.sin(a), 1, axis=0)


def test_tensor_jacobian_product_contracts_the_leading_axes():
    a, v = RNG.standard_normal(5), RNG.standard_normal(5)
    expected = numpy.roll(v, -1) * numpy.cos(a)  # vᵀJ, J[i, j] = cos(a_j) δ(i, j+1)
    for product in (tensor_jacobian_product, vector_jacobian_product):
        numpy.testing.assert_allclose(product(rolled)(a, v), expected, rtol=1e-12)
    # V with fewer axes than the output: V contracted with the leading axes of the Jacobian
    a, V = RNG.standard_normal((5, 4, 3)), RNG.standard_normal((5, 4))
    J = central_jacobian(lambda a: numpy.roll(numpy.sin(a), 1, axis=0), a)
    got = tensor_jacobian_product(rolled)(a, V)
    assert got.shape == (3, 5, 4, 3)
    numpy.testing.assert_allclose(got, numpy.tensordot(V, J, axes=2), rtol=1e-6, atol=1e-8)
    numpy.testing.assert_allclose(got, numpy.tensordot(V, jacobian(rolled)(a), axes=2), rtol=1e-12)


def test_tensor_jacobian_product_matches_hips():
    autograd, hnp = hips(), hips_np()
    theirs = lambda a: hnp.roll(hnp.sin(a), 1, axis=0)  # noqa: E731
    for a_shape, v_shape in [((5,), (5,)), ((5, 4), (5, 4)), ((5, 4, 3), (5, 4))]:
        a, V = RNG.standard_normal(a_shape), RNG.standard_normal(v_shape)
        numpy.testing.assert_allclose(tensor_jacobian_product(rolled)(a, V),
                                      autograd.tensor_jacobian_product(theirs)(a, V), rtol=1e-12)


# ---- make_ggnvp ----------------------------------------------------------------------------------
def test_make_ggnvp_is_jt_h_j_v():
    x, v = RNG.standard_normal(4), RNG.standard_normal(4)
    # linear f, default g = ½|y|²: J = A, H_g = I
    numpy.testing.assert_allclose(make_ggnvp(lambda x: np.dot(A, x))(x)(v), A.T @ A @ v,
                                  rtol=1e-12)

    def f(x):
        return np.tanh(np.dot(A, x))

    def g(y):
        return np.sum(2.0 * y ** 2 + y ** 4)

    y = numpy.tanh(A @ x)
    J = (1 - y ** 2)[:, None] * A
    H = numpy.diag(4.0 + 12.0 * y ** 2)
    ggn = make_ggnvp(f, g)(x)
    numpy.testing.assert_allclose(ggn(v), J.T @ H @ J @ v, rtol=1e-11)
    J_fd = central_jacobian(lambda x: numpy.tanh(A @ x), x)
    numpy.testing.assert_allclose(ggn(v), J_fd.T @ H @ J_fd @ v, rtol=1e-6)
    # f_argnum picks the argument
    numpy.testing.assert_allclose(make_ggnvp(lambda s, x: s * f(x), g, 1)(1.0, x)(v),
                                  J.T @ H @ J @ v, rtol=1e-11)


def test_make_ggnvp_matches_hips():
    autograd, hnp = hips(), hips_np()
    x, v = RNG.standard_normal(4), RNG.standard_normal(4)
    numpy.testing.assert_allclose(
        make_ggnvp(lambda x: np.tanh(np.dot(A, x)))(x)(v),
        autograd.make_ggnvp(lambda x: hnp.tanh(hnp.dot(A, x)))(x)(v), rtol=1e-12)
    numpy.testing.assert_allclose(
        make_ggnvp(lambda x: np.sin(np.dot(A, x)), lambda y: np.sum(np.exp(y)))(x)(v),
        autograd.make_ggnvp(lambda x: hnp.sin(hnp.dot(A, x)), lambda y: hnp.sum(hnp.exp(y)))(x)(v),
        rtol=1e-12)


# ---- grad_and_aux, grad_named, multigrad_dict ----------------------------------------------------
def test_grad_and_aux_gives_the_gradient_and_the_aux_as_arrays():
    x = RNG.standard_normal(4)
    g, aux = grad_and_aux(lambda x: (np.sum(np.dot(A, x)), (x ** 2, "label")))(x)
    numpy.testing.assert_allclose(g, A.sum(axis=0), rtol=1e-12)
    assert isinstance(aux[0], numpy.ndarray)  # HIPS and JAX unwrap it; a Tensor was returned
    numpy.testing.assert_allclose(aux[0], x ** 2)
    assert aux[1] == "label"
    # grad(has_aux=True) is the same thing
    _, aux = grad(lambda s: (s ** 3, s ** 2), has_aux=True)(2.0)
    assert isinstance(aux, numpy.floating) and aux == 4.0
    # a Tensor the function merely closes over is handed back as it is
    w = am.tensor([1.0, 2.0])
    assert grad_and_aux(lambda x: (np.sum(x * w), w))(numpy.ones(2))[1] is w
    autograd, hnp = hips(), hips_np()
    their_g, their_aux = autograd.grad_and_aux(lambda x: (hnp.sum(hnp.dot(A, x)), x ** 2))(x)
    my_g, my_aux = grad_and_aux(lambda x: (np.sum(np.dot(A, x)), x ** 2))(x)
    assert type(my_aux) is type(their_aux) and type(my_g) is type(their_g)
    numpy.testing.assert_allclose(my_g, their_g, rtol=1e-13)


def test_grad_and_aux_inside_another_transform_stays_differentiable():
    def inner(s):
        g, aux = grad_and_aux(lambda t: (t ** 3 * s, t * s))(2.0)
        return g + aux  # 12·s + 2·s

    assert grad(inner)(0.5) == pytest.approx(14.0)


def complicated(a, b, c, d=1.1, e=9.0):
    return a * np.sin(b) + np.cosh(c) * d + e ** 2


def test_grad_named():
    assert grad_named(complicated, "b")(0.5, -0.3, 0.2) == pytest.approx(0.5 * numpy.cos(-0.3))
    assert grad_named(complicated, "d")(0.5, -0.3, 0.2, 2.0) == pytest.approx(numpy.cosh(0.2))
    autograd, hnp = hips(), hips_np()

    def theirs(a, b, c, d=1.1, e=9.0):
        return a * hnp.sin(b) + hnp.cosh(c) * d + e ** 2

    for name in "abcd":
        args = (0.5, -0.3, 0.2, 2.0)
        assert grad_named(complicated, name)(*args) == pytest.approx(
            autograd.grad_named(theirs, name)(*args), rel=1e-14)


@pytest.mark.hardening("engine/transform-hips-names")
def test_grad_named_names_the_parameters_when_the_name_is_wrong():
    with pytest.raises(ValueError,
                       match=r"no positional parameter 'z'.*\['a', 'b', 'c', 'd', 'e'\]"):
        grad_named(complicated, "z")


def test_multigrad_dict_differentiates_every_parameter():
    # HIPS's own multigrad_dict needs the Python 2 backport `funcsigs`, so there is no peer run
    def f(a, b, *rest, c=2.0, **kw):
        return a * b + np.sum(np.array(rest)) * c + kw["d"] ** 2

    got = multigrad_dict(f)(1.0, 2.0, 3.0, 4.0, d=5.0)
    assert isinstance(got, OrderedDict) and list(got) == ["a", "b", "rest", "c", "kw"]
    assert (got["a"], got["b"], got["c"]) == (2.0, 1.0, 7.0)
    assert got["rest"] == (2.0, 2.0) and got["kw"] == {"d": 10.0}
    x = RNG.standard_normal(3)
    got = multigrad_dict(lambda x, y=0.5: np.sum(np.sin(x) * y))(x)
    numpy.testing.assert_allclose(got["x"], 0.5 * numpy.cos(x), rtol=1e-13)
    assert got["y"] == pytest.approx(numpy.sin(x).sum(), rel=1e-13)


# ---- checkpoint ----------------------------------------------------------------------------------
def test_checkpoint_gives_the_same_values_and_gradients():
    bar = lambda x, y: 2 * x + y * np.sin(y) + 5  # noqa: E731
    kept = checkpoint(bar)
    foo = lambda x: bar(x, x / 3.0) + bar(x, x ** 2)  # noqa: E731
    foo2 = lambda x: kept(x, x / 3.0) + kept(x, x ** 2)  # noqa: E731
    assert foo2(3.0) == pytest.approx(foo(3.0), rel=1e-14)
    assert grad(foo2)(3.0) == pytest.approx(grad(foo)(3.0), rel=1e-13)
    assert grad(grad(foo2))(3.0) == pytest.approx(grad(grad(foo))(3.0), rel=1e-12)
    fd = (foo(3.0 + 1e-6) - foo(3.0 - 1e-6)) / 2e-6
    assert grad(foo2)(3.0) == pytest.approx(fd, rel=1e-7)
    summed = checkpoint(lambda *args: sum(args))  # any number of positional arguments
    assert grad(lambda x: summed(x, x / 3.0, x ** 2))(3.0) == pytest.approx(1 + 1 / 3 + 6)
    x = RNG.standard_normal(4)
    net = checkpoint(lambda x: np.tanh(np.dot(A, x)))
    numpy.testing.assert_allclose(jacobian(net)(x), (1 - numpy.tanh(A @ x) ** 2)[:, None] * A,
                                  rtol=1e-12)
    autograd, hnp = hips(), hips_np()
    theirs = autograd.checkpoint(lambda x, y: 2 * x + y * hnp.sin(y) + 5)
    assert grad(foo2)(3.0) == pytest.approx(
        autograd.grad(lambda x: theirs(x, x / 3.0) + theirs(x, x ** 2))(3.0), rel=1e-13)


def test_checkpoint_records_one_node_not_the_inside():
    def inside(x):
        for _ in range(5):
            x = np.sin(x ** 2 + 1)
        return x

    x = am.tensor(RNG.standard_normal(3), requires_grad=True)
    plain, kept = inside(x), checkpoint(inside)(x)
    numpy.testing.assert_allclose(kept.data, plain.data, rtol=1e-14)
    assert len(am.topological_order([plain])) > 10
    assert [t is x for t in am.topological_order([kept])].count(True) == 1
    assert len(am.topological_order([kept])) == 2  # x and the checkpointed output
    (g_plain,) = am.grad(plain.sum(), x)
    (g_kept,) = am.grad(kept.sum(), x)
    numpy.testing.assert_allclose(g_kept.data, g_plain.data, rtol=1e-12)


@pytest.mark.hardening("engine/transform-hips-names")
def test_forward_mode_through_a_checkpoint_says_it_is_reverse_only():
    kept = checkpoint(lambda x: np.sin(x) ** 2)
    with pytest.raises(NotImplementedError, match=r"checkpoint\(<lambda>\): forward mode"):
        deriv(kept)(0.3)
    with pytest.raises(NotImplementedError, match="only reverse mode"):
        hessian(lambda x: np.sum(kept(x)))(numpy.ones(2))
