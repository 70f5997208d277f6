"""nn.Module: parameter discovery, modes, gradients, state_dict, repr, Sequential, ModuleList."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini.scope import recording_scopes


class Block(nn.Module):
    def __init__(self, rng: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(3, 4, rng=rng)
        self.scale = nn.Parameter(np.ones(4, dtype=np.float32))
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(4, 3, rng=rng + 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x) * self.scale))


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = [Block(0), Block(10)]  # a plain list of modules is discovered too
        self.head = nn.ModuleList([nn.Linear(3, 2, rng=20), nn.Linear(2, 1, rng=21)])
        self.norm = nn.BatchNorm1d(2)
        self.note = "not a member"
        self.cache = am.tensor([1.0])  # a plain Tensor attribute is not a parameter or buffer

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head[1](self.norm(self.head[0](x)))


def test_named_parameters_follow_assignment_order_with_dotted_paths():
    names = [name for name, _ in Net().named_parameters()]
    assert names == [
        "blocks.0.fc1.weight", "blocks.0.fc1.bias", "blocks.0.scale", "blocks.0.fc2.weight",
        "blocks.0.fc2.bias",
        "blocks.1.fc1.weight", "blocks.1.fc1.bias", "blocks.1.scale", "blocks.1.fc2.weight",
        "blocks.1.fc2.bias",
        "head.0.weight", "head.0.bias", "head.1.weight", "head.1.bias",
        "norm.weight", "norm.bias",
    ]


def test_parameters_are_the_same_objects_and_counted():
    net = Net()
    params = list(net.parameters())
    assert params[0] is net.blocks[0].fc1.weight
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in params)
    assert net.num_parameters() == sum(p.size for p in params) == 2 * (16 + 4 + 15) + 8 + 3 + 4


def test_shared_parameters_and_modules_are_reported_once():
    shared = nn.Linear(2, 2, rng=0)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert model.num_parameters() == 6
    assert [n for n, _ in model.named_modules()] == ["", "0", "1"]

    class Tied(nn.Module):
        def __init__(self) -> None:
            self.encoder = nn.Linear(3, 3, rng=1)
            self.weights = (self.encoder.weight,)  # the same Parameter under a second name

    assert [n for n, _ in Tied().named_parameters()] == ["encoder.weight", "encoder.bias"]


def test_children_modules_and_buffers():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["blocks.0", "blocks.1", "head", "norm"]
    assert [type(m).__name__ for m in net.children()] == ["Block", "Block", "ModuleList",
                                                          "BatchNorm1d"]
    assert len(list(net.modules())) == 1 + 2 * 4 + 3 + 1
    assert [n for n, _ in net.named_buffers()] == [
        "norm.running_mean", "norm.running_var", "norm.num_batches_tracked"]
    assert all(not isinstance(b, nn.Parameter) for b in net.buffers())


def test_subclass_without_super_init_still_works():
    class Bare(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(np.zeros(3))

        def forward(self, x):
            return x * self.w

    bare = Bare()
    assert bare.training and [n for n, _ in bare.named_parameters()] == ["w"]
    assert bare.eval().training is False


def test_cyclic_reference_does_not_recurse_forever():
    outer = nn.Sequential(nn.Linear(2, 2, rng=0))
    outer[0].parent = outer  # a back-reference to the container
    assert [n for n, _ in outer.named_parameters()] == ["0.weight", "0.bias"]


def test_train_and_eval_recurse():
    net = Net()
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_set_to_none_and_fill():
    model = nn.Sequential(nn.Linear(3, 2, rng=0))
    model(np.ones((4, 3))).sum().backward()
    weight = model[0].weight
    grad_array = weight.grad
    assert np.any(grad_array != 0)
    model.zero_grad(set_to_none=False)
    assert weight.grad is grad_array and not np.any(weight.grad.data)
    model.zero_grad()
    assert weight.grad is None


def test_forward_is_recorded_by_scope_and_call_returns_forward_output():
    model = nn.Sequential(nn.Linear(3, 2, rng=0), nn.ReLU())
    x = np.ones((1, 3), dtype=np.float32)
    with recording_scopes() as calls:
        out = model(x)
    assert [type(c.owner).__name__ for c in calls] == ["Linear", "ReLU", "Sequential"]
    assert calls[-1].output is out and calls[-1].inputs[0] is x


def test_state_dict_is_a_snapshot_and_round_trips():
    net = Net()
    state = net.state_dict()
    assert list(state) == [n for n, _ in net.named_parameters()][:14] + [
        "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var",
        "norm.num_batches_tracked"]
    assert state["head.0.weight"] is not net.head[0].weight.data  # a copy
    other = Net()
    weight_object = other.head[0].weight
    other.load_state_dict(state)
    assert other.head[0].weight is weight_object  # loaded in place
    for key, value in other.state_dict().items():
        np.testing.assert_array_equal(value, state[key])
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(net.eval()(x).data, other.eval()(x).data)


def test_load_state_dict_names_every_problem_and_changes_nothing():
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Linear(4, 2, rng=1))
    before = model.state_dict()
    state = dict(before)
    del state["1.bias"]
    state["0.weight"] = np.zeros((4, 3))
    state["2.weight"] = np.zeros(1)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    for fragment in ("missing keys ['1.bias']", "unexpected keys ['2.weight']",
                     "'0.weight': checkpoint (4, 3), model (3, 4)"):
        assert fragment in message
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_load_state_dict_non_strict_reports_keys_but_still_rejects_shapes():
    model = nn.Sequential(nn.Linear(3, 4, rng=0))
    result = model.load_state_dict({"0.weight": np.ones((3, 4)), "extra": np.ones(1)},
                                   strict=False)
    assert result == nn.IncompatibleKeys(["0.bias"], ["extra"])
    assert np.all(model[0].weight.data == 1) and model[0].weight.dtype == np.float32
    with pytest.raises(ValueError, match="0.bias"):
        model.load_state_dict({"0.bias": np.ones(5)}, strict=False)


def test_load_state_dict_accepts_tensors_and_casts_dtype():
    model = nn.Linear(2, 2, rng=0)
    model.load_state_dict({"weight": am.tensor(np.eye(2)), "bias": [1, 2]})
    assert model.weight.dtype == np.float32
    np.testing.assert_array_equal(model.bias.data, [1.0, 2.0])


def test_repr_shows_structure_and_parameter_counts():
    text = repr(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1)))
    assert text.splitlines() == [
        "Sequential(",
        "  (0): Linear(in_features=2, out_features=16, bias=True)  # 48 params",
        "  (1): ReLU()",
        "  (2): Linear(in_features=16, out_features=1, bias=True)  # 17 params",
        ")  # 65 parameters",
    ]
    assert "Block(" in repr(Net()) and "  (blocks.0): Block(" in repr(Net())
    assert repr(nn.Parameter([1.0, 2.0])).startswith("Parameter([1., 2.]")


def test_sequential_indexing_len_iteration_and_errors():
    layers = [nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and model[1] is layers[1] and list(model) == layers
    assert model[-1] is layers[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    assert nn.Sequential(layers)[0] is layers[0]
    with pytest.raises(TypeError, match="item 1"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    x = np.ones((2, 2))
    np.testing.assert_allclose(model(x).data, layers[2](layers[1](layers[0](x))).data)


def test_module_list_and_errors():
    ml = nn.ModuleList([nn.ReLU()]).append(nn.Tanh()).extend([nn.Sigmoid()])
    assert [type(m).__name__ for m in ml] == ["ReLU", "Tanh", "Sigmoid"] and len(ml) == 3
    with pytest.raises(TypeError):
        ml.append("relu")
    with pytest.raises(NotImplementedError):
        ml(np.ones(1))
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_no_magic_getattr_typos_fail():
    layer = nn.Linear(2, 2)
    with pytest.raises(AttributeError):
        layer.wieght  # noqa: B018


def test_parameter_rules():
    p = nn.Parameter(np.arange(3))  # integers become float64
    assert p.dtype == np.float64 and p.requires_grad and p.is_leaf
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad
    with pytest.raises(TypeError):
        nn.Parameter(np.zeros(2, dtype=np.int32), dtype=np.int32)
    assert type(p * 2) is am.Tensor  # ops produce plain Tensors


def test_requires_grad_freezes_parameters():
    model = nn.Sequential(nn.Linear(2, 2, rng=0))
    model.requires_grad_(False)
    assert model.num_parameters(trainable_only=True) == 0
    assert not model(np.ones((1, 2))).requires_grad


def test_deepcopy_gives_independent_parameters():
    model = nn.Sequential(nn.Linear(2, 2, rng=0), nn.BatchNorm1d(2))
    clone = copy.deepcopy(model)
    with am.no_grad():
        clone[0].weight += 1
    assert not np.allclose(clone[0].weight.data, model[0].weight.data)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in model.named_parameters()]


def test_register_buffer_validation():
    m = nn.Module()
    with pytest.raises(ValueError):
        m.register_buffer("not valid", np.zeros(1))
    with pytest.raises(TypeError):
        m.register_buffer("p", nn.Parameter(np.zeros(1)))
    m.register_buffer("steps", np.zeros((), dtype=np.int64))
    assert m.state_dict() == {"steps": np.zeros((), dtype=np.int64)}


# ---- a Parameter over an array the caller cannot write (tests/HARDENING.md) ----------------
@pytest.mark.hardening("engine/nn-read-only-parameter")
@pytest.mark.parametrize("make", [
    lambda: np.broadcast_to(np.ones(3), (2, 3)),
    lambda: np.frombuffer(np.ones(6).tobytes()).reshape(2, 3),  # read-only bytes
], ids=["broadcast view", "read-only buffer"])
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_parameter_over_a_read_only_array_trains(make, optimizer):
    data = make()
    p = nn.Parameter(data)
    (p * p).sum().backward()
    getattr(nn.optim, optimizer)([p], lr=0.1).step()
    assert np.all(p.data < 1.0)  # every entry updated, none aliasing another
    np.testing.assert_array_equal(data, np.ones((2, 3)))  # the caller's array untouched


# ---- gradients: one zero_grad body (issue 11.5) ------------------------------------------------
def test_zero_grad_without_none_replaces_a_read_only_gradient():
    # Module.zero_grad filled the array in place and raised "assignment destination is
    # read-only" where Optimizer.zero_grad (which checked) replaced it; now both share one body.
    model = nn.Sequential(nn.Linear(3, 2, rng=0))
    weight = model[0].weight
    frozen = np.ones(weight.shape, dtype=weight.dtype)
    frozen.flags.writeable = False
    weight.grad = frozen
    model.zero_grad(set_to_none=False)
    assert isinstance(weight.grad, am.Tensor) and not np.any(weight.grad.data)
    assert np.all(frozen == 1)  # the caller's array is untouched
    weight.grad = frozen
    nn.optim.SGD(model.parameters(), lr=0.1).zero_grad(set_to_none=False)
    assert not np.any(weight.grad.data) and np.all(frozen == 1)


# ---- forward hooks: the one way to observe a module's output -------------------------------------
def test_forward_hook_sees_and_may_replace_the_output_and_can_be_removed():
    layer = nn.Linear(3, 2, rng=0)
    seen = []
    handle = layer.register_forward_hook(lambda m, inputs, out: seen.append((m, inputs, out)))
    x = np.ones((1, 3))
    out = layer(x)
    assert seen == [(layer, (x,), out)]
    with layer.register_forward_hook(lambda m, inputs, out: out * 0.0):
        assert not np.any(layer(x).data)  # a hook's non-None result replaces the output
    handle.remove()
    handle.remove()  # twice is harmless
    np.testing.assert_array_equal(layer(x).data, out.data)
    assert len(seen) == 2  # removed hooks are not called
    assert not nn.Linear(3, 2, rng=0)._forward_hooks  # hooks belong to one instance
    with pytest.raises(TypeError, match="register_forward_hook: expected a callable"):
        layer.register_forward_hook("print")


def test_apply_visits_children_first_then_the_module():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Sequential(nn.ReLU()))
    order = []
    assert model.apply(lambda m: order.append(type(m).__name__)) is model
    assert order == ["ReLU", "Sequential", "Linear", "Sequential"]


# ---- dtype and device (issue 16.9) -------------------------------------------------------------
def test_double_casts_parameters_buffers_and_gradients_in_place():
    model = Net()
    x = np.random.default_rng(0).normal(size=(4, 3))
    model(x).sum().backward()
    weight = model.blocks[0].fc1.weight
    stale = model(x).sum()
    assert model.double() is model
    assert model.blocks[0].fc1.weight is weight  # same objects: optimizers keep them
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float64)}
    assert weight.grad.dtype == np.float64
    assert model.norm.running_mean.dtype == model.norm.running_var.dtype == np.float64
    assert model.norm.num_batches_tracked.dtype == np.int64  # integer buffers keep theirs
    assert model(x).dtype == np.float64  # BatchNorm1d follows its parameters, as Linear does
    with pytest.raises(am.AutogradError, match="modified in place"):
        stale.backward()  # a graph recorded before the cast is stale
    assert model.float().norm.weight.dtype == np.float32
    assert model.to("cpu", dtype="float64").blocks[1].scale.dtype == np.float64
    assert model.to(am.tensor(np.zeros(1, np.float32))).head[0].bias.dtype == np.float32
    assert model.cpu() is model and model.to("cpu") is model


@pytest.mark.hardening("engine/nn-habits")
@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda m: m.to(np.int32), TypeError, r"Sequential.to: parameters must stay floating.*int32"),
    (lambda m: m.to("cuda"), ValueError, r"device 'cuda' is not available.*CPU"),
    (lambda m: m.cuda(), ValueError, "drop the .to"),
    (lambda m: m.to("cuda:0", np.float64), ValueError, "'cuda:0'"),
    (lambda m: m.to("float64", "float32"), TypeError, "two dtypes"),
    (lambda m: m.to("flot64"), TypeError, "expected a floating dtype"),
])
def test_to_refuses_what_it_cannot_do(call, error, match):
    with pytest.raises(error, match=match):
        call(nn.Sequential(nn.Linear(2, 2, rng=0)))


# ---- habits from PyTorch that gave confusing errors (issue 16.8) -------------------------------
@pytest.mark.hardening("engine/nn-habits")
def test_a_layer_class_instead_of_an_instance_says_what_was_meant():
    with pytest.raises(TypeError, match=r"item 1 is the class ReLU.*did you mean nn.ReLU\(\)"):
        nn.Sequential(nn.Linear(2, 3), nn.ReLU)
    with pytest.raises(TypeError, match=r"did you mean nn.Tanh\(\)"):
        nn.Sequential().append(nn.Tanh)
    with pytest.raises(TypeError, match=r"did you mean Block\(\)"):
        nn.ModuleList([Block])
    with pytest.raises(TypeError, match=r"item 0 is a function \('relu'\).*nn.ReLU\(\)"):
        nn.Sequential(am.relu)
    with pytest.raises(TypeError, match=r"Sequential\(\*layers.values\(\)\)"):
        nn.Sequential({"fc": nn.Linear(2, 3)})


@pytest.mark.hardening("engine/nn-habits")
def test_a_pytorch_shaped_weight_is_reported_as_transposed():
    layer = nn.Linear(3, 2, rng=0)
    with pytest.raises(ValueError, match=r"checkpoint \(2, 3\), model \(3, 2\) \(transposed\?"):
        layer.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(2)})


@pytest.mark.hardening("engine/nn-habits")
@pytest.mark.parametrize("model", [nn.Linear(2, 1, rng=0),
                                   nn.Sequential(nn.Linear(2, 1, rng=0), nn.ReLU())])
def test_an_optimizer_given_the_model_says_pass_model_parameters(model):
    # PyTorch's habit, SGD(model, lr=...): a Sequential iterated into its layers ("can only
    # optimize Tensors, got Linear"); a Linear was "not iterable".
    with pytest.raises(TypeError, match=r"SGD: got the model .* pass its parameters: "
                                        r"model.parameters\(\)"):
        nn.optim.SGD(model, lr=0.1)
    with pytest.raises(TypeError, match=r"Adam: params is a method .* call it"):
        nn.optim.Adam(model.parameters, lr=0.1)
