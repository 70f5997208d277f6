"""Linear, activations and nn.init: gradcheck in float64, agreement with PyTorch, dtypes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from float_extremes import extremes, strict
from test_nn_helpers import check_gradients, check_module_gradients, torch_linear_from

import autograd_mini as am
import nn
import nn.functional as F

RNG = np.random.default_rng(1234)
X = RNG.normal(size=(6, 5))  # (batch, features), away from 0 with overwhelming probability

# (module, torch factory, input domain): the torch factory gets the torch module namespace.
ACTIVATIONS = [
    (nn.Sigmoid(), lambda t: t.nn.Sigmoid(), X),
    (nn.Tanh(), lambda t: t.nn.Tanh(), X),
    (nn.ReLU(), lambda t: t.nn.ReLU(), X),
    (nn.LeakyReLU(), lambda t: t.nn.LeakyReLU(), X),
    (nn.LeakyReLU(0.2), lambda t: t.nn.LeakyReLU(0.2), X),
    (nn.ELU(), lambda t: t.nn.ELU(), X),
    (nn.ELU(0.5), lambda t: t.nn.ELU(0.5), X),
    (nn.Softmax(), lambda t: t.nn.Softmax(dim=-1), X),
    (nn.Softmax(axis=0), lambda t: t.nn.Softmax(dim=0), X),
    (nn.LogSoftmax(), lambda t: t.nn.LogSoftmax(dim=-1), X),
    (nn.Identity(), lambda t: t.nn.Identity(), X),
    (nn.GELU(), lambda t: t.nn.GELU(approximate="tanh"), X),
    (nn.SiLU(), lambda t: t.nn.SiLU(), X),
    (nn.Softplus(), lambda t: t.nn.Softplus(), X),
    (nn.Softplus(beta=2.0), lambda t: t.nn.Softplus(beta=2.0), X),
    (nn.Softplus(beta=-1.5), lambda t: t.nn.Softplus(beta=-1.5), X),
    (nn.Softplus(beta=0.5, threshold=0.3), lambda t: t.nn.Softplus(0.5, 0.3), X),
    (nn.Softplus(beta=-2.0, threshold=1.0), lambda t: t.nn.Softplus(-2.0, 1.0), X),
]
IDS = [repr(m) for m, _, _ in ACTIVATIONS]


# ---- Linear ----------------------------------------------------------------------------------
def test_linear_shapes_dtype_and_documented_init():
    layer = nn.Linear(400, 300, rng=0)
    assert layer.weight.shape == (400, 300) and layer.bias.shape == (300,)
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    k = 1 / math.sqrt(400)
    for p in (layer.weight.data, layer.bias.data):
        assert p.min() >= -k and p.max() <= k
    # U(-k, k) has standard deviation k/√3.
    assert abs(layer.weight.data.std() - k / math.sqrt(3)) < 0.01 * k
    assert nn.Dense is nn.Linear
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64


def test_linear_rng_makes_init_reproducible():
    a, b = nn.Linear(4, 3, rng=7), nn.Linear(4, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.data, nn.Linear(4, 3, rng=8).weight.data)
    with pytest.raises(TypeError, match="rng"):
        nn.Linear(4, 3, rng="seed")


def test_linear_forward_is_fused_and_keeps_float32():
    layer = nn.Linear(5, 3, rng=0)
    out = layer(X)  # float64 numpy input is cast to the layer's float32
    assert out.dtype == np.float32 and out.shape == (6, 3) and out.op == "linear"
    expected = X.astype(np.float32) @ layer.weight.data + layer.bias.data
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    x64 = am.tensor(X, requires_grad=True)
    layer(x64).sum().backward()  # a float64 Tensor input is cast differentiably
    assert x64.grad.dtype == np.float64 and layer.weight.grad.dtype == np.float32
    np.testing.assert_allclose(x64.grad, np.tile(layer.weight.data.sum(axis=1), (6, 1)),
                               rtol=1e-6)


def test_linear_without_bias_and_shape_error():
    layer = nn.Linear(5, 3, bias=False, rng=0, dtype=np.float64)
    np.testing.assert_allclose(layer(X).data, X @ layer.weight.data)
    with pytest.raises(am.ShapeError):
        layer(np.ones((2, 4)))
    with pytest.raises(ValueError):
        nn.Linear(0, 3)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(bias):
    check_module_gradients(nn.Linear(5, 3, bias=bias, rng=0, dtype=np.float64), X)


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    layer = nn.Linear(5, 3, rng=0, dtype=np.float64)
    reference = torch_linear_from(layer, torch)
    x = am.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    upstream = RNG.normal(size=(6, 3))
    out = layer(x)
    out.backward(upstream)
    t_out = reference(tx)
    t_out.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy().T, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), atol=1e-12)


# ---- activations -----------------------------------------------------------------------------
@pytest.mark.parametrize(("module", "factory", "x"), ACTIVATIONS, ids=IDS)
def test_activation_gradcheck(module, factory, x):
    check_gradients(module, x)


@pytest.mark.parametrize(("module", "factory", "x"), ACTIVATIONS, ids=IDS)
def test_activation_matches_torch(module, factory, x):
    torch = pytest.importorskip("torch")
    xt = am.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    upstream = RNG.normal(size=x.shape)
    out = module(xt)
    out.backward(upstream)
    t_out = factory(torch)(tt)
    t_out.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("module", "factory", "x"), ACTIVATIONS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_extreme_inputs_are_finite_and_silent(module, factory, x, dtype):
    extreme = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]], dtype=dtype)
    xt = am.tensor(extreme, requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out = module(xt)
        out.backward(np.ones_like(extreme))
    assert out.dtype == dtype and xt.grad.dtype == dtype
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(xt.grad.data))


def test_functional_forms_match_modules():
    pairs = [(F.sigmoid, nn.Sigmoid()), (F.tanh, nn.Tanh()), (F.relu, nn.ReLU()),
             (F.elu, nn.ELU()), (F.gelu, nn.GELU()), (F.silu, nn.SiLU()),
             (F.softplus, nn.Softplus()), (F.identity, nn.Identity()),
             (F.softmax, nn.Softmax()), (F.log_softmax, nn.LogSoftmax()),
             (lambda x: F.leaky_relu(x, 0.3), nn.LeakyReLU(0.3))]
    for fn, module in pairs:
        np.testing.assert_array_equal(fn(X).data, module(X).data)
    assert repr(nn.LeakyReLU(0.3)) == "LeakyReLU(negative_slope=0.3)"


@pytest.mark.parametrize("beta", [-3.0, -1.0, -0.5, 0.5, 2.0])
def test_softplus_any_nonzero_beta_is_the_closed_form(beta):
    # Issue 12.6: β < 0 computed relu(x) (the curve is a smooth min(x, 0)). PyTorch's rule:
    # (1/β)·ln(1 + e^(βx)), and x where βx > threshold (20 by default).
    x = np.linspace(-6.0, 6.0, 25)
    xt = am.tensor(x, requires_grad=True)
    out = nn.Softplus(beta)(xt)
    out.sum().backward()
    np.testing.assert_allclose(out.data, np.log1p(np.exp(beta * x)) / beta, rtol=1e-12)
    np.testing.assert_allclose(xt.grad, 1.0 / (1.0 + np.exp(-beta * x)), rtol=1e-12)
    far = np.array([-1e4, 1e4])  # where |βx| > 20: PyTorch's linear branch or a zero tail
    np.testing.assert_array_equal(F.softplus(far, beta).data, np.where(beta * far > 0, far, 0))


@pytest.mark.parametrize(("beta", "error"), [
    (0, ValueError), (0.0, ValueError), (-0.0, ValueError), (math.nan, ValueError),
    (math.inf, ValueError), ("2", TypeError), (None, TypeError), (True, TypeError),
])
def test_softplus_beta_that_cannot_divide_is_refused(beta, error):
    # β = 0 raised a bare ZeroDivisionError at the first call (PyTorch returns inf).
    with pytest.raises(error, match="Softplus: beta must be"):
        nn.Softplus(beta)
    with pytest.raises(error, match="softplus: beta must be"):
        F.softplus(X, beta)
    with pytest.raises(TypeError, match="threshold must be a number"):
        nn.Softplus(1.0, threshold=math.nan)


@pytest.mark.hardening("engine/nn-habits")
@pytest.mark.parametrize("make", [lambda: nn.LeakyReLU("0.3"), lambda: nn.ELU(None),
                                  lambda: nn.ELU(math.nan), lambda: nn.LeakyReLU(True)])
def test_activation_parameters_must_be_numbers(make):
    # LeakyReLU("0.3") was silently float("0.3"); ELU(None) a bare float() TypeError.
    with pytest.raises(TypeError, match=r"^(LeakyReLU: negative_slope|ELU: alpha) must be a "
                                        r"number, got"):
        make()


@pytest.mark.hardening("engine/nn-habits")
def test_pytorchs_dim_gets_the_numpy_spelling_in_the_message():
    for make in (lambda: nn.Softmax(dim=1), lambda: nn.LogSoftmax(dim=1),
                 lambda: F.softmax(X, dim=1), lambda: F.log_softmax(X, dim=1)):
        with pytest.raises(TypeError, match=r"uses numpy's name axis= for PyTorch's dim=; "
                                            r"write axis=1$"):
            make()
    with pytest.raises(TypeError, match="softmax: axis must be an int, got 1.5"):
        F.softmax(X, 1.5)


def test_the_one_activation_table_pairs_each_module_with_its_function():
    from nn.activations import ACTIVATIONS, activation_name

    for name, activation in ACTIVATIONS.items():
        module = activation.module()
        assert activation_name(module) == name
        np.testing.assert_array_equal(module(X).data, activation.function(X).data)
    assert activation_name(type("MyReLU", (nn.ReLU,), {})()) == "relu"  # subclasses count
    assert activation_name(nn.Linear(2, 2)) is None
    recipes = pytest.importorskip("nn.training.recipes")
    assert all(ACTIVATIONS[n].module is cls for n, cls in recipes.ACTIVATIONS.items())


def test_gelu_and_silu_against_closed_forms():
    gelu = 0.5 * X * (1 + np.tanh(math.sqrt(2 / math.pi) * (X + 0.044715 * X**3)))
    np.testing.assert_allclose(F.gelu(X).data, gelu, rtol=1e-12)
    np.testing.assert_allclose(F.silu(X).data, X / (1 + np.exp(-X)), rtol=1e-12)


# ---- init ------------------------------------------------------------------------------------
def test_init_functions_fill_in_place_keep_dtype_and_follow_rng():
    for fn in (nn.init.xavier_uniform_, nn.init.xavier_normal_, nn.init.kaiming_uniform_,
               nn.init.kaiming_normal_, nn.init.normal_, nn.init.uniform_):
        p = nn.Parameter(np.zeros((30, 20), dtype=np.float32))
        array = p.data
        assert fn(p, rng=3) is p and p.data is array and p.dtype == np.float32
        again = fn(nn.Parameter(np.zeros((30, 20), dtype=np.float32)), rng=3)
        np.testing.assert_array_equal(p.data, again.data)
        assert np.any(p.data != 0)
    plain = np.empty((2, 3))
    assert nn.init.ones_(plain) is plain and np.all(plain == 1)
    p = nn.Parameter(np.ones(4))
    nn.init.zeros_(p)
    assert np.all(p.data == 0)
    nn.init.constant_(p, 2.5)
    assert np.all(p.data == 2.5)


def test_init_statistics_use_fan_in_rows_and_fan_out_columns():
    shape = (400, 100)  # (in, out): fan_in = 400, fan_out = 100
    w = np.empty(shape)
    nn.init.kaiming_normal_(w, nonlinearity="relu", rng=0)
    assert abs(w.std() - math.sqrt(2 / 400)) < 0.02 * math.sqrt(2 / 400)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", rng=0)
    assert abs(w.std() - math.sqrt(2 / 100)) < 0.02 * math.sqrt(2 / 100)
    nn.init.xavier_uniform_(w, rng=0)
    bound = math.sqrt(6 / 500)
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.99 * bound
    nn.init.xavier_normal_(w, gain=2.0, rng=0)
    assert abs(w.std() - 2 * math.sqrt(2 / 500)) < 0.02 * 2 * math.sqrt(2 / 500)
    nn.init.kaiming_uniform_(w, a=math.sqrt(5), rng=0)  # PyTorch's Linear default: 1/√fan_in
    assert w.max() <= 1 / math.sqrt(400) and w.max() > 0.99 / math.sqrt(400)
    nn.init.normal_(w, mean=3.0, std=0.5, rng=0)
    assert abs(w.mean() - 3.0) < 0.01 and abs(w.std() - 0.5) < 0.01
    nn.init.uniform_(w, -2.0, -1.0, rng=0)
    assert w.min() >= -2.0 and w.max() <= -1.0
    # conv kernels in PyTorch's layout (out, in/groups, *kernel), as torch.nn.init computes
    assert nn.init.fan_in_and_fan_out((3, 4, 5)) == (20, 15)
    assert nn.init.fan_in_and_fan_out((16, 6, 5, 5)) == (150, 400)


def test_init_errors():
    with pytest.raises(ValueError, match="at least 2 axes"):
        nn.init.xavier_uniform_(np.zeros(5))
    with pytest.raises(ValueError, match="mode"):
        nn.init.kaiming_normal_(np.zeros((2, 2)), mode="fan_avg")
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.init.calculate_gain("swish")
    with pytest.raises(TypeError, match="floating"):
        nn.init.normal_(np.zeros((2, 2), dtype=np.int64))


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param), rel=1e-12)


# ---- the whole float range: finite, silent and right (tests/HARDENING.md) -----------------
ACTIVATION_MODULES = {
    "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(), "ReLU": nn.ReLU(), "LeakyReLU": nn.LeakyReLU(),
    "LeakyReLU(0.2)": nn.LeakyReLU(0.2), "ELU": nn.ELU(), "ELU(0.5)": nn.ELU(0.5),
    "GELU": nn.GELU(), "SiLU": nn.SiLU(), "Softplus": nn.Softplus(),
    "Softplus(beta=2)": nn.Softplus(beta=2.0), "Softplus(beta=0.5)": nn.Softplus(beta=0.5),
    "Identity": nn.Identity(),
}
# The value each activation must give at ±max (its limit, representable in both dtypes).
AT_MAX = {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0), "ReLU": (0.0, "max"),
          "LeakyReLU": ("-max/100", "max"), "LeakyReLU(0.2)": ("-max/5", "max"),
          "ELU": (-1.0, "max"), "ELU(0.5)": (-0.5, "max"), "GELU": (0.0, "max"),
          "SiLU": (0.0, "max"), "Softplus": (0.0, "max"), "Softplus(beta=2)": (0.0, "max"),
          "Softplus(beta=0.5)": (0.0, "max"), "Identity": ("-max", "max")}


def _limit(spec, dtype) -> float:
    big = np.finfo(dtype).max
    return {"max": big, "-max": -big, "-max/100": -big * dtype(0.01),
            "-max/5": -big * dtype(0.2)}.get(spec, spec)


@pytest.mark.hardening("resources/activations")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(ACTIVATION_MODULES))
def test_activations_over_the_whole_float_range_are_finite_silent_and_right(name, dtype):
    x = am.tensor(extremes(dtype)[None, :], requires_grad=True)

    def run():
        out = ACTIVATION_MODULES[name](x)
        out.backward(np.ones(x.shape, dtype))
        return out

    out = strict(run)
    assert out.dtype == dtype and x.grad.dtype == dtype
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad.data))
    low, high = (_limit(v, dtype) for v in AT_MAX[name])
    np.testing.assert_allclose(out.data[0, [0, -1]], [low, high], rtol=1e-6)
    assert np.all(np.abs(x.grad.data) <= 1.2)  # every slope here is at most 1.13 (GELU's bump)


@pytest.mark.hardening("resources/softmax-vs-zero")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_family_at_every_magnitude_against_zero(name, dtype):
    """Columns [x, 0] for every extreme x: softmax is exact 0/1 at the ends, log-softmax is
    −|x| there; no overflow in the shift, no NaN in the gradient."""
    column = extremes(dtype)
    x = am.tensor(np.stack([column, np.zeros_like(column)]), requires_grad=True)
    module = nn.Softmax(axis=0) if name == "Softmax" else nn.LogSoftmax(axis=0)
    upstream = np.stack([np.ones_like(column), -np.ones_like(column)])

    def run():
        out = module(x)
        out.backward(upstream)
        return out

    out = strict(run)
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad.data))
    if name == "Softmax":
        np.testing.assert_array_equal(out.data[0, [0, -1]], [0.0, 1.0])
    else:
        big = np.finfo(dtype).max
        np.testing.assert_allclose(out.data[0, [0, -1]], [-big, 0.0], rtol=1e-6)
