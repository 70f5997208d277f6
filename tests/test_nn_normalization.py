"""BatchNorm1d and Dropout: gradients, PyTorch agreement (train, eval, running stats), modes."""

from __future__ import annotations

import numpy as np
import pytest
from float_extremes import strict
from test_nn_helpers import check_gradients, check_module_gradients

import autograd_mini as am
import nn
import nn.functional as F

RNG = np.random.default_rng(3)
X = RNG.normal(loc=2.0, scale=3.0, size=(8, 4))


def _batchnorm(**kwargs):
    bn = nn.BatchNorm1d(4, dtype=np.float64, **kwargs)
    if bn.affine:
        bn.weight.data[:] = RNG.uniform(0.5, 1.5, size=4)
        bn.bias.data[:] = RNG.normal(size=4)
    return bn


# ---- BatchNorm1d -----------------------------------------------------------------------------
def test_batchnorm_normalises_each_feature_in_training():
    bn = nn.BatchNorm1d(4, affine=False)
    out = bn(X).data
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=0), 1, atol=1e-3)  # up to eps


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradcheck(affine, training):
    bn = _batchnorm(affine=affine)
    bn(X)  # move the running stats away from (0, 1) first
    bn.train(training)
    if training:
        bn.track_running_stats = False  # gradcheck calls forward many times
        bn.running_mean = bn.running_var = bn.num_batches_tracked = None
    check_module_gradients(bn, X)


def test_batch_norm_functional_gradcheck_with_running_stats_in_eval():
    mean, var = am.tensor(RNG.normal(size=4)), am.tensor(RNG.uniform(0.5, 2.0, size=4))
    check_gradients(lambda x, w, b: F.batch_norm(x, mean, var, w, b, training=False), X,
                    RNG.normal(size=4), RNG.normal(size=4))
    check_gradients(lambda x, b: F.batch_norm(x, mean, var, None, b, training=False), X,
                    RNG.normal(size=4))


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_matches_torch_over_several_steps_then_eval(momentum, affine):
    torch = pytest.importorskip("torch")
    ours = _batchnorm(momentum=momentum, affine=affine)
    theirs = torch.nn.BatchNorm1d(4, momentum=momentum, affine=affine, dtype=torch.float64)
    if affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(ours.weight.data))
            theirs.bias.copy_(torch.from_numpy(ours.bias.data))
    for step in range(4):
        batch = RNG.normal(loc=step, scale=1 + step, size=(8, 4))
        x, xt = am.tensor(batch, requires_grad=True), torch.tensor(batch, requires_grad=True)
        upstream = RNG.normal(size=batch.shape)
        out = ours(x)
        out.backward(upstream)
        t_out = theirs(xt)
        t_out.backward(torch.from_numpy(upstream))
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-12)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    if affine:
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-9)
        np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-9)
    ours.eval()
    theirs.eval()
    x, xt = am.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    out, t_out = ours(x), theirs(xt)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-9, atol=1e-10)
    out.sum().backward()
    t_out.sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-9)
    before = ours.running_mean.data.copy()
    ours(X)
    np.testing.assert_array_equal(ours.running_mean.data, before)  # eval never updates stats


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm1d(4, track_running_stats=False, dtype=np.float64).eval()
    theirs = torch.nn.BatchNorm1d(4, track_running_stats=False, dtype=torch.float64).eval()
    np.testing.assert_allclose(ours(X).data, theirs(torch.from_numpy(X)).detach().numpy(),
                               rtol=1e-9, atol=1e-10)
    assert list(ours.state_dict()) == ["weight", "bias"]


def test_batchnorm_train_and_eval_differ():
    bn = nn.BatchNorm1d(4, dtype=np.float64)
    train_out = bn(X).data
    bn.eval()
    eval_out = bn(X).data
    assert not np.allclose(train_out, eval_out)
    # Eval uses the running stats: one step from (0, 1) with momentum 0.1.
    mean = 0.1 * X.mean(axis=0)
    var = 0.9 + 0.1 * X.var(axis=0, ddof=1)
    np.testing.assert_allclose(eval_out, (X - mean) / np.sqrt(var + 1e-5), rtol=1e-12)


def test_batchnorm_state_dict_holds_buffers_and_round_trips():
    bn = nn.BatchNorm1d(4)
    for _ in range(3):
        bn(RNG.normal(size=(5, 4)))
    state = bn.state_dict()
    assert list(state) == ["weight", "bias", "running_mean", "running_var",
                           "num_batches_tracked"]
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    fresh = nn.BatchNorm1d(4)
    fresh.load_state_dict(state)
    assert fresh.num_batches_tracked.item() == 3
    np.testing.assert_array_equal(fresh.eval()(X).data, bn.eval()(X).data)
    fresh.reset_running_stats()
    assert fresh.num_batches_tracked.item() == 0 and np.all(fresh.running_var.data == 1)


def test_batchnorm_errors():
    bn = nn.BatchNorm1d(4)
    with pytest.raises(am.ShapeError, match=r"\(batch, 4\)"):
        bn(np.ones((3, 5)))
    with pytest.raises(ValueError, match="more than 1 sample"):
        bn(np.ones((1, 4)))
    assert bn.eval()(np.ones((1, 4))).shape == (1, 4)  # one sample is fine in eval


# ---- Dropout ---------------------------------------------------------------------------------
def test_dropout_is_inverted_seeded_and_identity_in_eval():
    x = np.ones((200, 50), dtype=np.float32)
    layer = nn.Dropout(0.3, rng=0)
    out = layer(x).data
    assert out.dtype == np.float32
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((out == 0).mean() - 0.3) < 0.02
    assert abs(out.mean() - 1.0) < 0.03  # inverted: the expectation is unchanged
    np.testing.assert_array_equal(nn.Dropout(0.3, rng=0)(x).data, out)  # same seed, same mask
    assert not np.array_equal(layer(x).data, out)  # the generator advances
    layer.eval()
    assert layer(x).data is x or np.array_equal(layer(x).data, x)
    np.testing.assert_array_equal(F.dropout(x, 0.5, training=False).data, x)
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x)


def test_dropout_gradient_is_the_mask():
    x = am.tensor(np.ones((10, 10)), requires_grad=True)
    out = nn.Dropout(0.5, rng=1)(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # d(x·m)/dx = m, and x = 1
    check_gradients(lambda t: F.dropout(t, 0.4, rng=5), X)  # same mask in every call


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, True])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        nn.Dropout(p)


def test_model_train_eval_switches_dropout_and_batchnorm():
    model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.BatchNorm1d(8), nn.ReLU(),
                          nn.Dropout(0.5, rng=0), nn.Linear(8, 2, rng=1))
    first, second = model(X).data, model(X).data
    assert not np.array_equal(first, second)  # dropout masks differ between calls
    model.eval()
    a, b = model(X).data, model(X).data
    np.testing.assert_array_equal(a, b)  # deterministic in eval
    assert not model[1].training and not model[3].training


# ---- extreme and constant features (tests/HARDENING.md) -----------------------------------
@pytest.mark.hardening("resources/batchnorm")
def test_batch_norm_at_extreme_and_constant_features_is_finite_and_silent():
    # float32 features at ±1e18 (their variance, 7e35, is representable) and at ±1e-30
    x = np.array([[1e18, 5.0, -1e-30], [-1e18, 5.0, 1e-30], [0.0, 5.0, 0.0]], np.float32)
    layer = nn.BatchNorm1d(3)
    xt = am.tensor(x, requires_grad=True)

    def run():
        out = layer(xt)
        out.backward(np.ones_like(x))
        return out

    out = strict(run)
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(xt.grad.data))
    np.testing.assert_array_equal(out.data[:, 1], 0.0)  # a constant feature normalises to 0


def test_batchnorm_moved_to_float64_computes_in_float64():
    # BatchNorm1d cast its input to the dtype given at construction and ignored its
    # parameters' dtype (unlike Linear), so a model moved to float64 normalised in float32.
    bn = nn.BatchNorm1d(4).double()
    assert bn.dtype == np.float64
    out = bn(X).data
    assert out.dtype == np.float64
    expected = (X - X.mean(axis=0)) / np.sqrt(X.var(axis=0) + 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert nn.BatchNorm1d(4, affine=False, track_running_stats=False).dtype is None
