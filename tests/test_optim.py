"""nn.optim against PyTorch: same initial parameters, same gradient sequence, same parameters."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from nn import optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (4,), (2, 3, 2)]
STEPS = 10

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "alpha": 0.9}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.02, "weight_decay": 0.1, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}),
]
# The most stateful option set of each optimizer, for checkpoint and dtype tests.
STATEFUL = {
    "SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3},
    "Adagrad": {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1},
    "RMSprop": {"centered": True, "momentum": 0.5, "weight_decay": 0.1},
    "Adam": {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1},
    "AdamW": {"lr": 0.01, "amsgrad": True},
}


def case_id(case: tuple[str, dict]) -> str:
    name, kwargs = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def initial_and_grads(seed: int = 0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(STEPS)]
    grads[3][1] = None  # a parameter without a gradient is skipped (state and value untouched)
    return init, grads


def run_ours(name, kwargs, init, grads, groups=None):
    params = [am.Tensor(x.copy(), requires_grad=True) for x in init]
    spec = params if groups is None else [{**g, "params": [params[i] for i in g["params"]]}
                                          for g in groups]
    opt = getattr(optim, name)(spec, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else g.copy()
        opt.step()
    return [p.data for p in params], opt


def run_torch(name, kwargs, init, grads, groups=None):
    params = [torch.tensor(x.copy(), requires_grad=True) for x in init]
    spec = params if groups is None else [{**g, "params": [params[i] for i in g["params"]]}
                                          for g in groups]
    opt = getattr(torch.optim, name)(spec, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else torch.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_matches_torch(case):
    name, kwargs = case
    init, grads = initial_and_grads()
    ours, _ = run_ours(name, kwargs, init, grads)
    theirs = run_torch(name, kwargs, init, grads)
    for a, b, x0 in zip(ours, theirs, init):
        assert not np.array_equal(a, x0)  # the parameters did move
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_param_groups_with_different_options_match_torch(name):
    init, grads = initial_and_grads(seed=1)
    groups = [{"params": [0], "lr": 0.3}, {"params": [1, 2], "weight_decay": 0.2}]
    kwargs = {"lr": 0.01} if name != "SGD" else {"lr": 0.01, "momentum": 0.9}
    ours, opt = run_ours(name, kwargs, init, grads, groups)
    theirs = run_torch(name, kwargs, init, grads, groups)
    assert opt.param_groups[0]["lr"] == 0.3 and opt.param_groups[1]["lr"] == 0.01
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_float32_stays_float32_and_tracks_float64(name):
    init, grads = initial_and_grads(seed=2)
    init32 = [x.astype(np.float32) for x in init]
    grads32 = [[None if g is None else g.astype(np.float32) for g in gs] for gs in grads]
    ours32, opt = run_ours(name, STATEFUL[name], init32, grads32)
    ours64, _ = run_ours(name, STATEFUL[name], init, grads)
    for a32, a64 in zip(ours32, ours64):
        assert a32.dtype == np.float32
        np.testing.assert_allclose(a32, a64, rtol=1e-4, atol=1e-5)
    buffers = [v for s in opt.state.values() for v in s.values() if isinstance(v, np.ndarray)]
    assert buffers and all(b.dtype == np.float32 for b in buffers)


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_state_dict_resumes_exactly(name):
    init, grads = initial_and_grads(seed=3)
    kwargs = STATEFUL[name]
    uninterrupted, _ = run_ours(name, kwargs, init, grads)

    first, opt = run_ours(name, kwargs, init, grads[:5])
    first = [x.copy() for x in first]
    saved = opt.state_dict()
    before = {i: {k: np.copy(v) for k, v in s.items()} for i, s in saved["state"].items()}
    opt.step()  # keep training the original: the snapshot must not change
    for i, s in saved["state"].items():
        for k, v in s.items():
            np.testing.assert_array_equal(v, before[i][k])

    params = [am.Tensor(x.copy(), requires_grad=True) for x in first]
    fresh = getattr(optim, name)(params, **{**kwargs, "lr": 123.0})
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == kwargs.get("lr", opt.defaults["lr"])
    for step_grads in grads[5:]:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else g.copy()
        fresh.step()
    for a, b in zip(params, uninterrupted):
        np.testing.assert_array_equal(a.data, b)  # bitwise


def test_state_dict_survives_an_npz_style_round_trip():
    """Counters saved as 0-d integer arrays come back as ints; shapes are checked."""
    init, grads = initial_and_grads(seed=4)
    _, opt = run_ours("Adam", {}, init, grads[:3])
    saved = opt.state_dict()
    saved["state"] = {
        str(i): {k: np.asarray(v) for k, v in s.items()} for i, s in saved["state"].items()
    }
    saved["param_groups"][0]["betas"] = np.array([0.9, 0.999])
    params = [am.Tensor(x.copy(), requires_grad=True) for x in init]
    fresh = optim.Adam(params)
    fresh.load_state_dict(saved)
    assert fresh.state[params[0]]["step"] == 3 and isinstance(fresh.state[params[0]]["step"], int)
    assert all(type(b) is float for b in fresh.param_groups[0]["betas"])  # no float64 upcasts
    wrong = [am.Tensor(np.zeros((5, 5)), requires_grad=True)] + params[1:]
    with pytest.raises(ValueError, match="shape"):
        optim.Adam(wrong).load_state_dict(saved)
    with pytest.raises(ValueError, match="param groups"):
        optim.Adam([{"params": params[:1]}, {"params": params[1:]}]).load_state_dict(saved)


def test_step_marks_parameters_changed_so_stale_graphs_fail():
    w = am.Tensor(np.ones(3), requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt = optim.SGD([w], lr=0.1)
    opt.step()
    np.testing.assert_allclose(w.data, 0.8)
    with pytest.raises(am.AutogradError, match="modified in place"):
        loss.backward()


def test_zero_grad_and_closure():
    w = am.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_array_equal(w.data, [0.0, 0.0])  # w - 0.5·2w
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and not grad.data.any()
    opt.zero_grad()
    assert w.grad is None


def test_gradient_from_create_graph_backward_is_accepted():
    w = am.Tensor(np.array([3.0]), requires_grad=True)
    (w * w).sum().backward(create_graph=True)
    assert isinstance(w.grad, am.Tensor)
    optim.SGD([w], lr=0.25).step()
    np.testing.assert_array_equal(w.data, [1.5])


@pytest.mark.parametrize(
    ("cls", "kwargs", "argument"),
    [
        (optim.SGD, {"lr": -0.1}, "lr"),
        (optim.SGD, {"lr": 0.1, "momentum": -1}, "momentum"),
        (optim.SGD, {"lr": 0.1, "nesterov": True}, "nesterov"),
        (optim.SGD, {"lr": 0.1, "weight_decay": -1e-3}, "weight_decay"),
        (optim.SGD, {"lr": float("nan")}, "lr"),
        (optim.Adagrad, {"lr_decay": -1}, "lr_decay"),
        (optim.Adagrad, {"initial_accumulator_value": -1}, "initial_accumulator_value"),
        (optim.RMSprop, {"alpha": 1.5}, "alpha"),
        (optim.RMSprop, {"eps": -1}, "eps"),
        (optim.Adam, {"betas": (1.0, 0.999)}, r"betas\[0\]"),
        (optim.Adam, {"betas": (0.9, -0.1)}, r"betas\[1\]"),
        (optim.Adam, {"betas": 0.9}, "betas"),
        (optim.AdamW, {"weight_decay": -0.1}, "weight_decay"),
    ],
)
def test_invalid_hyperparameters_name_the_argument(cls, kwargs, argument):
    w = am.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match=argument):
        cls([w], **kwargs)
    with pytest.raises(ValueError, match=argument):  # per-group options are checked too
        cls([{"params": [w], **kwargs}], **({"lr": 0.1} if cls is optim.SGD else {}))


def test_invalid_params():
    w = am.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="unknown param-group option"):
        optim.SGD([{"params": [w], "learning_rate": 0.1}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(am.ShapeError, match=r"\(3,\)"):  # refused at assignment, as in PyTorch
        w.grad = np.zeros(3)
